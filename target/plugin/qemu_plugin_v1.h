/*
 * The part of QEMU's TCG plugin API (version 1) that stoic_trace.c uses,
 * declared here because Debian's QEMU 7.2 packages accept -plugin but ship
 * neither plugins nor the header (`dpkg -L qemu-system-data
 * qemu-system-arm | grep -i plugin` lists nothing).
 *
 * Source of the facts: QEMU's public plugin header include/qemu/qemu-plugin.h
 * as of QEMU 7.2 (plugin API version 1; QEMU_PLUGIN_VERSION became 2 in
 * QEMU 8.2, and qemu_plugin_insn_data() changed to copying into a caller's
 * buffer only in version 3) and QEMU's documentation docs/devel/tcg-plugins.rst
 * ("TCG Plugins": the plugin exports qemu_plugin_version and
 * qemu_plugin_install; arguments are passed as "-plugin file=PATH,name=value"
 * and arrive as argv strings "name=value"). Cross-checked against the
 * installed binary: `nm -D /usr/bin/qemu-system-arm` exports every function
 * declared below, and its loader refuses a plugin without the symbol
 * qemu_plugin_version or with a version outside [min, QEMU_PLUGIN_VERSION]
 * ("plugin requires API version %d, but this QEMU supports only up to
 * version %d").
 *
 * Only declarations: the functions are resolved at dlopen time against
 * the QEMU executable, which exports them.
 */
#ifndef STOIC_QEMU_PLUGIN_V1_H
#define STOIC_QEMU_PLUGIN_V1_H

#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;

/* Opaque to plugins (its layout is not used here). */
typedef struct qemu_info_t qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

/* qemu_plugin_meminfo_t: an opaque 32-bit descriptor of a memory access. */
typedef uint32_t qemu_plugin_meminfo_t;

enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS,
    QEMU_PLUGIN_CB_R_REGS,
    QEMU_PLUGIN_CB_RW_REGS
};

enum qemu_plugin_mem_rw {
    QEMU_PLUGIN_MEM_R = 1,
    QEMU_PLUGIN_MEM_W,
    QEMU_PLUGIN_MEM_RW
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info,
                                          uint64_t vaddr, void *userdata);

/* Exported by the plugin. */
extern QEMU_PLUGIN_EXPORT int qemu_plugin_version;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv);

/* Provided by QEMU. */
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
                                      qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags,
                                      enum qemu_plugin_mem_rw rw, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
                                    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
/* API version 1: a pointer to the instruction's bytes in guest memory
 * order, valid during the translation callback; qemu_plugin_insn_size()
 * of them. */
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

#endif /* STOIC_QEMU_PLUGIN_V1_H */
