/* libFuzzer harness: the compression policy loader (generator/config.c) and
 * what `stoic generate --config P.xml --calib X.npy --val V.npy --labels
 * L.npy` does with the policy on a small fixed CNN (tests/fuzz/
 * fixed_models.h: conv c1 + batch_norm bn1 + relu r1 folded into c1, max
 * pool p1, flatten f, dense fc1 and fc2, softmax sm): plan resolution,
 * low-rank, pruning, refits, calibration, quantization, sparse emission and,
 * with a <budget>, the search (as with --no-refit --calibration minmax, to
 * keep a run short).
 *
 * Each input is the text of a policy file. Checked besides the sanitizers:
 *   - config_load: a failure reported an error; a success holds what the
 *     loader promises (percentile in (50, 100) only with calibration
 *     "percentile", unique named layers, fractions in [0, 1]);
 *   - search_compress: a failure reported an error, and no internal one; a
 *     success gives a graph that passes ir_verify. */
#include "fuzz_common.h"

#include "compress.h"
#include "search.h"
#include "config.h"
#include "diag.h"
#include "fixed_models.h"
#include "ir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char model_path[PATH_MAX], policy_path[PATH_MAX], calib_path[PATH_MAX],
    val_path[PATH_MAX], labels_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* labels: int64 [6] */
    static const char lhdr[] = "{'descr': '<i8', 'fortran_order': False, 'shape': (6,), }";
    uint8_t lab[128];
    size_t hl = sizeof lhdr - 1, k;
    (void)argc;
    (void)argv;
    fz_write(model_path, sizeof model_path, "cnn.xml", fixed_cnn_xml, sizeof fixed_cnn_xml - 1);
    if (fz_write_rows_npy(calib_path, sizeof calib_path, "calib.npy", 9, 72, 1) != 0 ||
        fz_write_rows_npy(val_path, sizeof val_path, "val.npy", 6, 72, 2) != 0) {
        abort();
    }
    memcpy(lab, "\x93NUMPY\x01\x00", 8);
    memcpy(lab + 10, lhdr, hl);
    while ((10 + hl + 1) % 16 != 0) {
        lab[10 + hl++] = ' ';
    }
    lab[10 + hl++] = '\n';
    lab[8] = (uint8_t)hl;
    lab[9] = 0;
    for (k = 0; k < 6; k++) {
        int64_t v = (int64_t)(k % 3);
        memcpy(lab + 10 + hl + 8 * k, &v, 8);
    }
    fz_write(labels_path, sizeof labels_path, "labels.npy", lab, 10 + hl + 48);
    fz_path(policy_path, sizeof policy_path, "policy.xml");
    return 0;
}

static void check_fractions(const cfg_compress *c)
{
    if ((c->sparsity >= 0.0 && c->sparsity > 1.0) || (c->channels >= 0.0 && c->channels > 1.0) ||
        (c->energy >= 0.0 && c->energy > 1.0) || c->rank > 65535 || c->norm < 0 || c->norm > 2) {
        fz_fail("fuzz_config: a policy value out of its range was accepted");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    compress_config c;
    compress_options o;
    compress_info info;
    diag d;
    ir_graph *g;
    int k, j, budget;
    if (size > 64 * 1024) {
        return 0;
    }
    fz_write(policy_path, sizeof policy_path, "policy.xml", data, size);
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    if (config_load(policy_path, &c, &d) != 0) {
        if (d.errors + d.io_errors == 0) {
            fz_fail("fuzz_config: a policy was refused without a diagnostic");
        }
        if (d.io_errors != 0) {
            fz_fail("fuzz_config: internal error or out of memory reported");
        }
        config_free(&c);
        return 0; /* search_compress would refuse it the same way */
    }
    if (c.percentile != 0.0 && (!(c.percentile > 50.0 && c.percentile < 100.0) ||
                                c.calib != CALIB_PERCENTILE)) {
        fz_fail("fuzz_config: a bad percentile was accepted");
    }
    check_fractions(&c.defaults);
    for (k = 0; k < c.n_layers; k++) {
        if (c.layers[k].name == NULL) {
            fz_fail("fuzz_config: a layer without a name");
        }
        check_fractions(&c.layers[k].c);
        for (j = 0; j < k; j++) {
            if (strcmp(c.layers[j].name, c.layers[k].name) == 0) {
                fz_fail("fuzz_config: duplicate layer names accepted");
            }
        }
    }
    budget = c.max_drop >= 0.0;
    config_free(&c);

    memset(&o, 0, sizeof o);
    o.precision = CFG_PREC_UNSET;
    o.method = CALIB_UNSET;
    o.max_drop = -1.0;
    cfg_compress_unset(&o.cli);
    o.config = policy_path;
    o.calib = calib_path;
    o.val = val_path;
    o.labels = labels_path;
    /* the budget search applies the whole pipeline per candidate: there as
     * with --no-refit --calibration minmax (the mse calibration's search and
     * the least-squares refits dominate), so that one run stays short */
    if (budget) {
        o.no_refit = 1;
        o.method = CALIB_MINMAX;
    }
    memset(&d, 0, sizeof d);
    d.quiet = 1;
    g = search_compress(model_path, &o, &info, &d);
    if (d.io_errors != 0) {
        fz_fail("fuzz_config: search_compress reported an internal error or out of memory");
    }
    if (g == NULL && d.errors == 0) {
        fz_fail("fuzz_config: search_compress failed without a diagnostic");
    }
    if (g != NULL && ir_verify(g, "fuzz_config") != 0) {
        fz_fail("fuzz_config: search_compress returned a broken IR");
    }
    ir_free(g);
    compress_info_free(&info);
    return 0;
}
