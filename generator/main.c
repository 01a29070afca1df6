/* bin/stoic: the command line. See README.md, "Commands". */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "check.h"
#include "compress.h"
#include "search.h"
#include "diag.h"
#include "emit.h"
#include "step.h"
#include "eval.h"
#include "fileio.h"
#include "import_onnx.h"
#include "ir.h"
#include "json.h"
#include "npy.h"
#include "outdir.h"
#include "pipeline.h"
#include "sha256.h"
#include "xml_load.h"


static const char usage_text[] =
    "usage:\n"
    "  stoic validate MODEL.xml [--dump-ir] [--weights-root DIR]\n"
    "  stoic eval     MODEL.xml --input X.npy [--output Y.npy] [--labels L.npy] [--dump-ir]\n"
    "                 [--weights-root DIR] [COMPRESSION]\n"
    "  stoic generate MODEL.xml -o OUTDIR [--name NAME] [--dump-ir] [--weights-root DIR]\n"
    "                 [COMPRESSION] [--val X.npy [--labels L.npy]] [--step | --no-step]\n"
    "                 [--kernels inline|shared]\n"
    "  stoic import   MODEL.onnx -o MODEL.xml [--name NAME] [--freeze INPUT=TENSOR.pb]...\n"
    "  stoic report   OUTDIR -o REPORT.html [--check CHECK.json] [--misra MISRA.json]\n"
    "  stoic check    OUTDIR [--json FILE] [--quiet] [--library]\n"
    "  stoic --version | --help\n"
    "COMPRESSION: [--precision int8|int16|int4|float32] [--calib X.npy] [--config COMPRESS.xml]\n"
    "             [--calibration minmax|percentile|mse] [--percentile P]\n"
    "             [--scales channel|tensor] [--bias int32|int16]\n"
    "             [--input-range LO:HI]\n"
    "             [--prune S] [--prune-channels F] [--prune-norm l1|l2]\n"
    "             [--lowrank-rank R | --lowrank-energy E] [--no-refit]\n"
    "             [--max-accuracy-drop D --val X.npy --labels L.npy\n"
    "              [--metric top1|mse] [--minimize bytes|macs]]\n"
    "exit codes: 0 ok, 1 bad input (check: a finding), 2 usage, 3 I/O or internal error\n";

typedef struct {
    const char *cmd;
    const char *model;
    const char *input;
    const char *outputs[IR_MAX_OUTPUTS]; /* eval --output, once per graph output */
    int n_outputs;
    const char *labels;
    const char *outdir;
    const char *name;
    const char *val;
    const char *weights_root;
    const char *check_json;
    const char *misra_json;
    int argc;
    char *const *argv;
    compress_options co;
    int dump_ir;
    int quiet;
    int step;   /* generate: 1 --step (the streaming API or an error), -1 --no-step, 0 auto */
    int kernels_shared; /* generate --kernels shared */
    int n_freeze;
    const char *freeze_names[16];
    const char *freeze_files[16];
    char freeze_buf[16][256];
} options;

static int usage_error(const char *fmt, const char *arg)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, arg);
    diag_err("stoic: error: %s", msg);
    fputs(usage_text, stderr);
    return STOIC_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, options *o)
{
    int i;
    memset(o, 0, sizeof *o);
    o->cmd = argv[1];
    o->co.precision = CFG_PREC_UNSET;
    o->co.scales = CFG_SCALES_UNSET;
    o->co.bias = CFG_BIAS_UNSET;
    o->co.method = CALIB_UNSET;
    o->co.max_drop = -1.0;
    cfg_compress_unset(&o->co.cli);
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return -1;
        }
    }
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        int model_cmd = strcmp(o->cmd, "eval") == 0 || strcmp(o->cmd, "generate") == 0;
        if (model_cmd && strcmp(a, "--no-refit") == 0) {
            o->co.no_refit = 1;
            continue;
        }
        if (model_cmd && (strcmp(a, "--prune") == 0 || strcmp(a, "--prune-channels") == 0 ||
                          strcmp(a, "--lowrank-energy") == 0 ||
                          strcmp(a, "--max-accuracy-drop") == 0 ||
                          strcmp(a, "--lowrank-rank") == 0)) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            char *end = NULL;
            double x;
            if (v == NULL) {
                return usage_error("option '%s' needs a value", a);
            }
            i++;
            x = strtod(v, &end);
            if (end == v || *end != '\0' || !isfinite(x) || !(x >= 0.0) ||
                (strcmp(a, "--lowrank-rank") != 0 && strcmp(a, "--max-accuracy-drop") != 0 &&
                 !(x <= 1.0)) ||
                (strcmp(a, "--lowrank-rank") == 0 && (x != floor(x) || x < 1.0 || x > 65535.0))) {
                return usage_error(strcmp(a, "--lowrank-rank") == 0
                                       ? "bad value for %s: an integer from 1 to 65535"
                                       : (strcmp(a, "--max-accuracy-drop") == 0
                                              ? "bad value for %s: a number >= 0"
                                              : "bad value for %s: a number from 0 to 1"), a);
            }
            if ((strcmp(a, "--lowrank-energy") == 0 && o->co.cli.rank > 0) ||
                (strcmp(a, "--lowrank-rank") == 0 && o->co.cli.energy >= 0.0)) {
                return usage_error("%s: give either --lowrank-rank or --lowrank-energy, not both",
                                   a);
            }
            if (strcmp(a, "--prune") == 0) {
                o->co.cli.sparsity = x;
            } else if (strcmp(a, "--prune-channels") == 0) {
                o->co.cli.channels = x;
            } else if (strcmp(a, "--lowrank-energy") == 0) {
                o->co.cli.energy = x;
            } else if (strcmp(a, "--lowrank-rank") == 0) {
                o->co.cli.rank = (int32_t)x;
            } else {
                o->co.max_drop = x;
            }
            continue;
        }
        if (model_cmd && (strcmp(a, "--prune-norm") == 0 || strcmp(a, "--metric") == 0 ||
                          strcmp(a, "--minimize") == 0)) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            if (v == NULL) {
                return usage_error("option '%s' needs a value", a);
            }
            i++;
            if (strcmp(a, "--prune-norm") == 0 && (strcmp(v, "l1") == 0 || strcmp(v, "l2") == 0)) {
                o->co.cli.norm = v[1] == '1' ? 1 : 2;
            } else if (strcmp(a, "--metric") == 0 &&
                       (strcmp(v, "top1") == 0 || strcmp(v, "mse") == 0)) {
                o->co.metric_mse = strcmp(v, "mse") == 0;
            } else if (strcmp(a, "--minimize") == 0 &&
                       (strcmp(v, "bytes") == 0 || strcmp(v, "macs") == 0)) {
                o->co.minimize_macs = strcmp(v, "macs") == 0;
            } else {
                return usage_error("bad value '%s'", v);
            }
            continue;
        }
        if (model_cmd && strcmp(a, "--input-range") == 0) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            char *end = NULL, *end2 = NULL;
            if (v == NULL) {
                return usage_error("option '%s' needs a value", a);
            }
            i++;
            o->co.input_range[0] = strtod(v, &end);
            if (end != v && *end == ':') {
                o->co.input_range[1] = strtod(end + 1, &end2);
            }
            if (end == v || *end != ':' || end2 == end + 1 || end2 == NULL || *end2 != '\0' ||
                !isfinite(o->co.input_range[0]) || !isfinite(o->co.input_range[1]) ||
                !(o->co.input_range[0] < o->co.input_range[1]) ||
                fabs(o->co.input_range[0]) > 3.0e38 || fabs(o->co.input_range[1]) > 3.0e38) {
                return usage_error("--input-range must be LO:HI, two finite float32 numbers with "
                                   "LO < HI, not '%s'", v);
            }
            o->co.has_input_range = 1;
            continue;
        }
        if (model_cmd && (strcmp(a, "--precision") == 0 || strcmp(a, "--calibration") == 0 ||
                          strcmp(a, "--percentile") == 0 || strcmp(a, "--scales") == 0 ||
                          strcmp(a, "--bias") == 0)) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            char *end = NULL;
            if (v == NULL) {
                return usage_error("option '%s' needs a value", a);
            }
            i++;
            if (strcmp(a, "--precision") == 0) {
                o->co.precision = cfg_precision_parse(v);
                if (o->co.precision < 0) {
                    return usage_error("--precision must be int8, int16, int4 or float32, not '%s'", v);
                }
            } else if (strcmp(a, "--scales") == 0) {
                if (strcmp(v, "channel") != 0 && strcmp(v, "tensor") != 0) {
                    return usage_error("--scales must be channel or tensor, not '%s'", v);
                }
                o->co.scales = strcmp(v, "tensor") == 0 ? CFG_SCALES_TENSOR : CFG_SCALES_CHANNEL;
            } else if (strcmp(a, "--bias") == 0) {
                o->co.bias = cfg_bias_parse(v);
                if (o->co.bias < 0) {
                    return usage_error("--bias must be int32 or int16, not '%s'", v);
                }
            } else if (strcmp(a, "--calibration") == 0) {
                o->co.method = calib_method_parse(v);
                if (o->co.method < 0) {
                    return usage_error("--calibration must be minmax, percentile or mse, "
                                       "not '%s'", v);
                }
            } else {
                o->co.percentile = strtod(v, &end);
                if (end == v || *end != '\0' || !(o->co.percentile > 50.0) ||
                    !(o->co.percentile < 100.0)) {
                    return usage_error("--percentile must be a number in (50, 100), not '%s'", v);
                }
            }
            continue;
        }
        if (model_cmd && strcmp(a, "--calib") == 0) {
            slot = &o->co.calib;
        } else if (model_cmd && strcmp(a, "--config") == 0) {
            slot = &o->co.config;
        } else if (strcmp(a, "--weights-root") == 0 && strcmp(o->cmd, "import") != 0) {
            slot = &o->weights_root;
        } else if (strcmp(a, "--val") == 0 && model_cmd) {
            slot = &o->val;
        } else if (strcmp(a, "--labels") == 0 && strcmp(o->cmd, "generate") == 0) {
            slot = &o->labels;
        } else
        if (strcmp(a, "--dump-ir") == 0) {
            o->dump_ir = 1;
            continue;
        }
        if ((strcmp(a, "--step") == 0 || strcmp(a, "--no-step") == 0) &&
            strcmp(o->cmd, "generate") == 0) {
            o->step = a[2] == 'n' ? -1 : 1;
            continue;
        }
        if (strcmp(a, "--kernels") == 0 && strcmp(o->cmd, "generate") == 0) {
            const char *v = i + 1 < argc ? argv[i + 1] : NULL;
            if (v == NULL) {
                return usage_error("option '%s' needs a value", a);
            }
            i++;
            if (strcmp(v, "inline") != 0 && strcmp(v, "shared") != 0) {
                return usage_error("--kernels is inline or shared, not '%s'", v);
            }
            o->kernels_shared = strcmp(v, "shared") == 0;
            continue;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = 1;
            continue;
        }
        if (slot != NULL) {
            /* taken above */
        } else if (strcmp(a, "--input") == 0 && strcmp(o->cmd, "eval") == 0) {
            slot = &o->input;
        } else if (strcmp(a, "--output") == 0 && strcmp(o->cmd, "eval") == 0) {
            if (o->n_outputs == IR_MAX_OUTPUTS) {
                return usage_error("--output given more than %s times", "16");
            }
            slot = &o->outputs[o->n_outputs++];
        } else if (strcmp(a, "--labels") == 0 && strcmp(o->cmd, "eval") == 0) {
            slot = &o->labels;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--outdir") == 0) &&
                   (strcmp(o->cmd, "generate") == 0 || strcmp(o->cmd, "import") == 0 ||
                    strcmp(o->cmd, "report") == 0)) {
            slot = &o->outdir;
        } else if (strcmp(a, "--check") == 0 && strcmp(o->cmd, "report") == 0) {
            slot = &o->check_json;
        } else if (strcmp(a, "--misra") == 0 && strcmp(o->cmd, "report") == 0) {
            slot = &o->misra_json;
        } else if (strcmp(a, "--name") == 0 &&
                   (strcmp(o->cmd, "generate") == 0 || strcmp(o->cmd, "import") == 0)) {
            slot = &o->name;
        } else if (strcmp(a, "--freeze") == 0 && strcmp(o->cmd, "import") == 0) {
            char *eq;
            if (i + 1 >= argc) {
                return usage_error("option '%s' needs a value", a);
            }
            if (o->n_freeze >= 16 || strlen(argv[i + 1]) >= sizeof o->freeze_buf[0]) {
                return usage_error("too many or too long --freeze options ('%s')", argv[i + 1]);
            }
            strcpy(o->freeze_buf[o->n_freeze], argv[++i]);
            eq = strchr(o->freeze_buf[o->n_freeze], '=');
            if (eq == NULL || eq == o->freeze_buf[o->n_freeze] || eq[1] == '\0') {
                return usage_error("--freeze needs INPUT=TENSOR.pb, got '%s'", argv[i]);
            }
            *eq = '\0';
            o->freeze_names[o->n_freeze] = o->freeze_buf[o->n_freeze];
            o->freeze_files[o->n_freeze] = eq + 1;
            o->n_freeze++;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else if (o->model == NULL) {
            o->model = a;
            continue;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
        if (i + 1 >= argc) {
            return usage_error("option '%s' needs a value", a);
        }
        *slot = argv[++i];
    }
    if (o->model == NULL) {
        return usage_error(strcmp(o->cmd, "import") == 0
                               ? "%s: missing MODEL.onnx"
                               : (strcmp(o->cmd, "report") == 0 ? "%s: missing OUTDIR"
                                                                 : "%s: missing MODEL.xml"),
                           o->cmd);
    }
    if (strcmp(o->cmd, "report") == 0 && o->outdir == NULL) {
        return usage_error("%s: missing -o REPORT.html", o->cmd);
    }
    if (strcmp(o->cmd, "import") == 0 && o->outdir == NULL) {
        return usage_error("%s: missing -o MODEL.xml", o->cmd);
    }
    if (strcmp(o->cmd, "eval") == 0 && o->input == NULL) {
        return usage_error("%s: missing --input X.npy", o->cmd);
    }
    if (strcmp(o->cmd, "generate") == 0 && o->outdir == NULL) {
        return usage_error("%s: missing -o OUTDIR", o->cmd);
    }
    if (strcmp(o->cmd, "generate") == 0 && o->labels != NULL && o->val == NULL) {
        return usage_error("%s: --labels needs --val X.npy", o->cmd);
    }
    o->co.val = o->val;
    o->co.labels = strcmp(o->cmd, "generate") == 0 ? o->labels : NULL;
    if (o->co.max_drop >= 0.0 && strcmp(o->cmd, "generate") != 0) {
        return usage_error("%s: the budget search (--max-accuracy-drop) runs in generate; "
                           "evaluate its plan with --config OUTDIR/NAME_plan.xml", o->cmd);
    }
    if (o->co.max_drop > COMPRESS_MAX_TOP1_DROP && !o->co.metric_mse) {
        return usage_error("%s: --max-accuracy-drop is a fraction of the validation rows "
                           "(0.01 = 1 pp); a top-1 budget above 0.5 is refused", o->cmd);
    }
    if (o->co.max_drop >= 0.0 && o->val == NULL) {
        return usage_error("%s: --max-accuracy-drop needs --val X.npy (and --labels L.npy)",
                           o->cmd);
    }
    if (o->weights_root != NULL && xml_load_set_weights_root(o->weights_root) != 0) {
        return usage_error("--weights-root '%s' is not a directory", o->weights_root);
    }
    if (o->name != NULL && ir_c_name_problem(o->name) != NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "--name '%.64s' %s", o->name, ir_c_name_problem(o->name));
        return usage_error("%s", msg);
    }
    return 0;
}

static void print_evidence(const ir_graph *gq, const compress_evidence *ev)
{
    int i;
    if (ev->has_labels) {
        printf("top-1 accuracy: float32 %.2f%% (%lld/%lld), compressed %.2f%% (%lld/%lld), "
               "change %+.2f pp\n",
               100.0 * (double)ev->correct_float / (double)ev->rows, (long long)ev->correct_float,
               (long long)ev->rows, 100.0 * (double)ev->correct_quant / (double)ev->rows,
               (long long)ev->correct_quant, (long long)ev->rows,
               100.0 * (double)(ev->correct_quant - ev->correct_float) / (double)ev->rows);
    }
    printf("per-layer error against the float32 model (%lld rows):\n", (long long)ev->rows);
    printf("  %-28s %-8s %10s %12s\n", "layer", "prec", "SQNR dB", "max |err|");
    for (i = 0; i < ev->n_layers; i++) {
        const ir_node *n = &gq->n[i];
        if (ev->layers[i].node < 0) {
            continue;
        }
        printf("  %-28s %-8s %10.2f %12.6g\n", n->name,
               ir_node_prec_name(gq, n),
               compress_sqnr_db(&ev->layers[i]), ev->layers[i].max_abs);
    }
}

static int cmd_eval(const options *o, ir_graph *gf, ir_graph *gq, diag *d)
{
    ir_graph *g = gq != NULL ? gq : gf;
    float *xf, *out = NULL;
    int64_t *labels = NULL;
    int64_t in_n = ir_shape_count(&g->t[g->input].shape);
    /* out: every output of a row one after the other (eval_run); labels
     * are scored on output 0 */
    int64_t out_n = ir_outputs_count(g), out0_n = ir_shape_count(&g->t[g->output].shape);
    int64_t rows = 0, r, correct = 0;
    eval_plan plan;
    int rc = 0, k, q;
    xf = compress_read_rows(g, o->input, 0, &rows, d);
    if (xf == NULL) {
        return -1;
    }
    if (o->labels != NULL) {
        labels = compress_read_labels(o->labels, rows, out0_n, d);
        rc = labels == NULL ? -1 : 0;
    }
    if (rc == 0) {
        out = malloc((size_t)(rows * out_n) * sizeof *out);
        if (out == NULL || eval_prepare(g, &plan) != 0) {
            diag_io(d, NULL, "out of memory");
            free(out);
            free(labels);
            free(xf);
            return -1;
        }
        for (r = 0; r < rows; r++) {
            eval_run(&plan, xf + r * in_n, out + r * out_n);
        }
        eval_free(&plan);
        {
            size_t i;
            for (i = 0; i < (size_t)(rows * out_n); i++) {
                if (out[i] != out[i]) {
                    diag_warning(d, o->input, 0, "row %lld: the output is NaN",
                                 (long long)(i / (size_t)out_n));
                    break;
                }
            }
        }
        diag_out("evaluated %lld rows of %s (%s)", (long long)rows, o->input,
               gq != NULL ? "compressed model" : "float32");
        if (labels != NULL) {
            for (r = 0; r < rows; r++) {
                int64_t best = 0, j;
                for (j = 1; j < out0_n; j++) {
                    if (out[r * out_n + j] > out[r * out_n + best]) {
                        best = j;
                    }
                }
                correct += best == labels[r];
            }
            printf("top-1 accuracy: %.2f%% (%lld/%lld)\n", 100.0 * (double)correct / (double)rows,
                   (long long)correct, (long long)rows);
        }
        if (gq != NULL) {
            compress_evidence ev;
            if (compress_measure(gf, gq, xf, rows, labels, &ev, d) != 0) {
                rc = -1;
            } else {
                print_evidence(gq, &ev);
            }
            compress_evidence_free(&ev);
        }
        for (q = 0; q < o->n_outputs && rc == 0; q++) {
            /* output q of every row: [rows, its shape] */
            int64_t shape[IR_MAX_RANK + 1], oq_n = ir_shape_count(&g->t[g->outputs[q]].shape);
            int64_t s0 = ir_output_start(g, q);
            uint8_t *buf = NULL;
            size_t len = 0;
            const ir_shape *os = &g->t[g->outputs[q]].shape;
            float *col = malloc((size_t)(rows * oq_n + 1) * sizeof *col);
            shape[0] = rows;
            for (k = 0; k < os->rank; k++) {
                shape[k + 1] = os->d[k];
            }
            for (r = 0; col != NULL && r < rows; r++) {
                memcpy(col + r * oq_n, out + r * out_n + s0, (size_t)oq_n * sizeof *col);
            }
            if (col == NULL || npy_encode_f32(shape, os->rank + 1, col, &buf, &len) != 0 ||
                fileio_write_atomic(o->outputs[q], buf, len) != 0) {
                diag_io(d, o->outputs[q], "cannot write: %s", strerror(errno));
                rc = -1;
            } else {
                diag_out("wrote %s", o->outputs[q]);
            }
            free(col);
            free(buf);
        }
    }
    free(out);
    free(labels);
    free(xf);
    return rc;
}

/* import, then load the written description through the whole pipeline:
 * what the importer writes must be a valid model, or nothing is left. */
static int cmd_import(const options *o, diag *d)
{
    import_options io;
    ir_graph *g;
    io.onnx_path = o->model;
    io.xml_path = o->outdir;
    io.name = o->name;
    io.n_freeze = o->n_freeze;
    io.freeze_names = o->freeze_names;
    io.freeze_files = o->freeze_files;
    if (import_onnx(&io, d) != 0) {
        return diag_exit_code(d) != 0 ? diag_exit_code(d) : STOIC_EXIT_INPUT;
    }
    g = pipeline_build(o->outdir, d);
    if (g == NULL) {
        char bin[4096];
        size_t len = strlen(o->outdir);
        int limit = d->limits > 0 && d->io_errors == 0;
        if (limit) { /* a valid model, larger than stoic takes: bad input (found by fuzz_onnx) */
            diag_err("stoic: the imported model exceeds a limit of stoic (above); nothing written");
        } else {
            diag_err("stoic: internal error: the imported description does not load; "
                     "nothing written");
        }
        if (len > 4 && strcmp(o->outdir + len - 4, ".xml") == 0) {
            snprintf(bin, sizeof bin, "%.*s.bin", (int)(len - 4), o->outdir);
        } else {
            snprintf(bin, sizeof bin, "%s.bin", o->outdir);
        }
        (void)remove(o->outdir);
        (void)remove(bin);
        return limit ? STOIC_EXIT_INPUT : STOIC_EXIT_IO;
    }
    if (o->dump_ir) {
        ir_dump(g, stdout);
    }
    diag_out("imported %s -> %s (%d layers after folding, input %s)", o->model, o->outdir, g->nn,
           g->t[g->input].name);
    ir_free(g);
    return STOIC_EXIT_OK;
}

/* The SHA-256 of a file the run reads (validation data, labels), for the
 * report. 0, or -1 after reporting. */
static int hash_path(const char *path, char hex[65], diag *d)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = fileio_read_all(path, (size_t)1 << 32, &buf, &len);
    if (rc != 0) {
        diag_error(d, path, 0, rc == -2 ? "larger than 4 GiB" : "cannot read: %s",
                   strerror(errno));
        return -1;
    }
    sha256_hex(buf, len, hex);
    free(buf);
    return 0;
}

/* A JSON file (the report, results of stoic check or MISRA), parsed; NULL
 * after reporting "file:line: error: ..." (exit code 1). */
static json *read_json(const char *path, diag *d)
{
    char *buf = NULL, err[160];
    size_t len = 0;
    long line = 0;
    json *v;
    int rc = fileio_read_all(path, (size_t)256 << 20, &buf, &len);
    if (rc != 0) {
        diag_error(d, path, 0, rc == -2 ? "larger than 256 MiB" : "cannot read: %s",
                   strerror(errno));
        return NULL;
    }
    v = json_parse(buf, len, &line, err, sizeof err);
    free(buf);
    if (v == NULL) {
        diag_error(d, path, line, "not JSON: %s", err);
    }
    return v;
}

/* stoic report OUTDIR -o F.html [--check C.json] [--misra M.json]: the
 * HTML report of OUTDIR's NAME_report.json with the results of the two
 * tools, and whether OUTDIR's files still match the SHA-256 it records. */
static int cmd_report(const options *o, diag *d)
{
    DIR *dir;
    struct dirent *e;
    char *found = NULL, path[PATH_MAX], tmp[PATH_MAX];
    struct stat sd, so;
    json *rep = NULL, *chk = NULL, *mis = NULL;
    audit_extra x;
    strbuf html;
    int n = 0, rc = 0;
    const char *slash;
    memset(&x, 0, sizeof x);
    dir = opendir(o->model);
    if (dir == NULL) {
        diag_error(d, o->model, 0, "cannot open the output directory: %s", strerror(errno));
        return STOIC_EXIT_INPUT;
    }
    while ((e = readdir(dir)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 12 && strcmp(e->d_name + l - 12, "_report.json") == 0) {
            n++;
            if (found == NULL) {
                found = ir_strdup(e->d_name);
            }
        }
    }
    closedir(dir);
    if (n != 1 || found == NULL) {
        diag_error(d, o->model, 0, n == 0 ? "no NAME_report.json: not an output directory of "
                                            "stoic generate"
                                          : "more than one NAME_report.json");
        free(found);
        return STOIC_EXIT_INPUT;
    }
    /* the HTML goes beside OUTDIR, never into it (stoic replaces OUTDIR
     * whole and refuses one with files it did not write) */
    slash = strrchr(o->outdir, '/');
    snprintf(tmp, sizeof tmp, "%.*s", slash != NULL ? (int)(slash - o->outdir + 1) : 1,
             slash != NULL ? o->outdir : ".");
    if (stat(o->model, &sd) == 0 && stat(tmp, &so) == 0 && sd.st_dev == so.st_dev &&
        sd.st_ino == so.st_ino) {
        free(found);
        return usage_error("%s: -o must name a file outside OUTDIR", o->cmd);
    }
    snprintf(path, sizeof path, "%s/%s", o->model, found);
    free(found);
    rep = read_json(path, d);
    if (rep != NULL && (json_get(rep, "report_version") == NULL || json_get(rep, "layers") == NULL)) {
        diag_error(d, path, 1, "not a report this stoic writes (no report_version or layers): "
                   "regenerate OUTDIR");
        rc = -1;
    }
    if (o->check_json != NULL) {
        chk = read_json(o->check_json, d);
        rc |= chk == NULL || audit_results_problem(chk, o->check_json, d) ? -1 : 0;
    }
    if (o->misra_json != NULL) {
        mis = read_json(o->misra_json, d);
        rc |= mis == NULL || audit_results_problem(mis, o->misra_json, d) ? -1 : 0;
    }
    if (rep == NULL || rc != 0) {
        json_free(rep);
        json_free(chk);
        json_free(mis);
        return diag_exit_code(d) != 0 ? diag_exit_code(d) : STOIC_EXIT_INPUT;
    }
    x.check = chk;
    x.misra = mis;
    audit_verify_outdir(rep, o->model, &x);
    sb_init(&html);
    audit_html(rep, &x, &html);
    if (html.oom) {
        diag_io(d, NULL, "out of memory");
    } else if (fileio_write_atomic(o->outdir, html.s, html.len) != 0) {
        diag_io(d, o->outdir, "cannot write: %s", strerror(errno));
    } else {
        diag_out("wrote %s (%d of %d files of %s match the report's SHA-256)", o->outdir,
                 x.n_match, x.n_files, o->model);
    }
    audit_extra_free(&x);
    sb_free(&html);
    json_free(rep);
    json_free(chk);
    json_free(mis);
    return diag_exit_code(d);
}

/* Emits into od (from outdir_begin) and commits it, or drops it. */
static int cmd_generate(const options *o, ir_graph *gf, ir_graph *gq, const compress_info *info,
                        outdir *od, diag *d)
{
    emit_options eo;
    int rc;
    ir_graph *g = gq != NULL ? gq : gf;
    compress_evidence ev;
    step_plan sp;
    float *xv = NULL;
    int64_t *labels = NULL;
    memset(&ev, 0, sizeof ev);
    eo.name = o->name != NULL ? o->name : g->name;
    eo.info = info;
    eo.ev = NULL;
    eo.gf = gf;
    eo.argc = o->argc;
    eo.argv = o->argv;
    eo.val_path = o->val;
    eo.labels_path = o->labels;
    eo.step = NULL;
    eo.kernels_shared = o->kernels_shared;
    if ((o->val != NULL && hash_path(o->val, eo.val_sha256, d) != 0) ||
        (o->labels != NULL && hash_path(o->labels, eo.labels_sha256, d) != 0)) {
        outdir_abort(od);
        return -1;
    }
    if (o->val != NULL) {
        int64_t rows = 0;
        xv = compress_read_rows(gf, o->val, 0, &rows, d);
        if (xv != NULL && o->labels != NULL) {
            labels = compress_read_labels(o->labels, rows,
                                          ir_shape_count(&gf->t[gf->output].shape), d);
        }
        if (xv == NULL || (o->labels != NULL && labels == NULL) ||
            compress_measure(gf, g, xv, rows, labels, &ev, d) != 0) {
            free(xv);
            free(labels);
            compress_evidence_free(&ev);
            outdir_abort(od);
            return -1;
        }
        eo.ev = &ev;
        print_evidence(g, &ev);
    }
    free(xv);
    free(labels);
    /* the streaming API of a recurrent model (step.c, README "Streaming") */
    memset(&sp, 0, sizeof sp);
    rc = 0;
    if (o->step >= 0) {
        rc = step_build(g, &sp, d);
        eo.step = &sp;
    }
    if (rc == 0 && o->step > 0 && !sp.ok) {
        diag_error(d, g->file, sp.present ? sp.why_line : 0, "--step: %s", sp.present ? sp.why
                   : "the model has no recurrent layer (lstm, gru): nothing to stream");
        rc = -1;
    } else if (rc == 0 && sp.present && !sp.ok) {
        diag_note(d, g->file, sp.why_line,
                  "no streaming API (%s_step): the model does not stream: %s", eo.name, sp.why);
    }
    if (rc == 0) {
        rc = emit_c(g, &eo, od, d);
    }
    if (rc == 0 && info != NULL && info->plan.n > 0) {
        rc = emit_plan(g, &eo, od, d);
    }
    if (rc == 0) { /* last: it lists the SHA-256 of the files before it */
        rc = emit_report(g, &eo, od, d);
    }
    compress_evidence_free(&ev);
    step_free(&sp);
    if (rc == 0 && diag_exit_code(d) == 0) {
        rc = outdir_commit(od, d); /* on failure OUTDIR is as it was */
    } else {
        outdir_abort(od);
        rc = -1;
    }
    if (rc == 0) {
        diag_out("generated %s/%s.h %s/%s.c %s/%s_weights.c (+ runtime sources)", o->outdir,
                 eo.name, o->outdir, eo.name, o->outdir, eo.name);
        diag_out("report: %s/%s_report.json", o->outdir, eo.name);
        printf("arena: %lld bytes\n", (long long)ir_arena_bytes(g));
    }
    return rc;
}

/* validate, eval, generate or import, once the options are parsed; the
 * exit code. */
static int run_command(const options *o, diag *d)
{
    ir_graph *g, *gq = NULL;
    compress_info info;
    outdir *od = NULL;
    int rc;
    if (strcmp(o->cmd, "import") == 0) {
        return cmd_import(o, d);
    }
    if (strcmp(o->cmd, "report") == 0) {
        return cmd_report(o, d);
    }
    /* generate: the output directory is locked and checked first, so a
     * busy or foreign OUTDIR fails before any work */
    if (strcmp(o->cmd, "generate") == 0 && (od = outdir_begin(o->outdir, d)) == NULL) {
        return STOIC_EXIT_IO;
    }
    g = pipeline_build(o->model, d);
    if (g == NULL) {
        outdir_abort(od);
        rc = diag_exit_code(d);
        return rc != STOIC_EXIT_OK ? rc : STOIC_EXIT_IO;
    }
    if (strcmp(o->cmd, "eval") == 0 && o->n_outputs > 0 && o->n_outputs != g->n_outputs) {
        char what[160];
        snprintf(what, sizeof what, "%d output%s: give --output once per output, in graph "
                 "order (got %d)", g->n_outputs, g->n_outputs > 1 ? "s" : "", o->n_outputs);
        ir_free(g);
        return usage_error("eval: the model has %s", what);
    }
    memset(&info, 0, sizeof info);
    if (!compress_wanted(&o->co) && (o->co.calib != NULL || o->co.method != CALIB_UNSET ||
                                    o->co.percentile > 0.0 || o->co.has_input_range)) {
        diag_warning(d, o->model, 0, "calibration options are ignored: no layer is quantized "
                     "(give --precision int8, int16 or int4, or --config)");
    }
    if (strcmp(o->cmd, "validate") != 0 && compress_wanted(&o->co)) {
        gq = search_compress(o->model, &o->co, &info, d);
        if (gq == NULL) {
            outdir_abort(od);
            ir_free(g);
            compress_info_free(&info);
            rc = diag_exit_code(d);
            return rc != STOIC_EXIT_OK ? rc : STOIC_EXIT_IO;
        }
    }
    if (o->dump_ir) {
        ir_dump(gq != NULL ? gq : g, stdout);
    }
    if (strcmp(o->cmd, "validate") == 0) {
        diag_out("%s: valid (%d layers, %d tensors)", o->model, g->nn, g->nt);
    } else if (strcmp(o->cmd, "eval") == 0) {
        (void)cmd_eval(o, g, gq, d);
    } else {
        (void)cmd_generate(o, g, gq, &info, od, d); /* commits or drops od */
    }
    ir_free(g);
    ir_free(gq);
    compress_info_free(&info);
    return diag_exit_code(d);
}

/* stoic check OUTDIR [--json FILE] [--quiet] [--library] (check.c). */
static int cmd_check(int argc, char **argv)
{
    const char *dir = NULL, *json_out = NULL;
    int i, quiet = 0, library = 0;
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return STOIC_EXIT_OK;
        }
    }
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            if (i + 1 >= argc) {
                return usage_error("option '%s' needs a value", argv[i]);
            }
            json_out = argv[++i];
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--library") == 0) {
            library = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("unknown option '%s'", argv[i]);
        } else if (dir == NULL) {
            dir = argv[i];
        } else {
            return usage_error("unexpected argument '%s'", argv[i]);
        }
    }
    if (dir == NULL) {
        return usage_error("%s: missing OUTDIR", "check");
    }
    return check_outdir(dir, json_out, quiet, library);
}

int main(int argc, char **argv)
{
    options o;
    diag d;
    int rc;
    memset(&d, 0, sizeof d);
    if (argc < 2) {
        fputs(usage_text, stderr);
        return STOIC_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("stoic %s (runtime ABI %d)\n", STOIC_VERSION, STOIC_RT_ABI);
        return STOIC_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return STOIC_EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0) {
        return cmd_check(argc, argv);
    }
    if (strcmp(argv[1], "validate") != 0 && strcmp(argv[1], "eval") != 0 &&
        strcmp(argv[1], "generate") != 0 && strcmp(argv[1], "import") != 0 &&
        strcmp(argv[1], "report") != 0) {
        return usage_error("unknown command '%s'", argv[1]);
    }
    rc = parse_args(argc, argv, &o);
    if (rc < 0) { /* COMMAND --help */
        fputs(usage_text, stdout);
        return STOIC_EXIT_OK;
    }
    if (rc != 0) {
        return rc;
    }
    o.argc = argc;
    o.argv = argv;
    d.quiet = o.quiet;
    fileio_cleanup_install(); /* temporary files go with SIGINT, SIGTERM, ... */
    rc = run_command(&o, &d);
    diag_finish(&d);
    return rc;
}
