/* libFuzzer harness: the model loader and validator, as `stoic validate`
 * runs it: pipeline_build (xml_load: safe parse, schema, weights, names;
 * then pass_order, pass_shape, pass_simplify, pass_fold, pass_fuse,
 * pass_plan, each followed by ir_verify), then --dump-ir.
 *
 * Each input is the text of a model description, written to fz.xml in the
 * harness's private directory. Beside it lies w.bin (64 float32 values
 * 0, 0.25, ..., 15.75), so src="w.bin" with its SHA-256 (in model.dict)
 * reaches the external-weights code; reads outside the directory are
 * refused (fuzz_common.h).
 *
 * Mutation is structure-aware (xml_mutator.h): attribute values of their
 * kind, layers duplicated, moved, deleted or changed to another operator,
 * weights re-encoded; one in six is libFuzzer's byte mutation.
 *
 * Checked besides the sanitizers: a failure reported an input error and
 * no internal one (an IR invariant broken by a pass, out of memory); a
 * success reported no error and its graph passes ir_verify again. */
#include "fuzz_common.h"

#include "diag.h"
#include "ir.h"
#include "pipeline.h"
#include "xml_mutator.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char model_path[PATH_MAX];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char p[PATH_MAX];
    unsigned char w[256];
    int k;
    (void)argc;
    (void)argv;
    for (k = 0; k < 64; k++) {
        float v = (float)k * 0.25F;
        memcpy(w + 4 * k, &v, 4); /* little-endian hosts */
    }
    fz_write(p, sizeof p, "w.bin", w, sizeof w);
    fz_path(model_path, sizeof model_path, "fz.xml");
    devnull = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag d;
    ir_graph *g;
    if (size > 256 * 1024) {
        return 0;
    }
    fz_write(model_path, sizeof model_path, "fz.xml", data, size);
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    g = pipeline_build(model_path, &d);
    if (d.io_errors != 0) {
        fz_fail("fuzz_model: internal error or out of memory reported");
    }
    if (g == NULL) {
        if (d.errors == 0) {
            fz_fail("fuzz_model: the model was refused without a diagnostic");
        }
        return 0;
    }
    if (d.errors != 0 || ir_verify(g, "fuzz_model") != 0) {
        fz_fail("fuzz_model: a loaded model with errors or a broken IR");
    }
    if (devnull != NULL) {
        ir_dump(g, devnull);
    }
    ir_free(g);
    return 0;
}
