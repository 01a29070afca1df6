/* The compression policy file (generator/config.c, schemas/compression.xsd):
 * files written to a temporary directory; valid ones must give the struct
 * written in the file, and every defect must give -1 and a diagnostic
 * "FILE:LINE: error: ..." naming the line of the defect (stderr is
 * captured). Also: DOCTYPE and external entities refused, size cap, and
 * the name/parse helpers. */
/* REQ: REQ-IMP-003 REQ-IMP-009 REQ-ERR-002 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sha256.h"
#include "unit.h"

static char tmpdir[256];
static char path[512];

static int suite_init(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/stoic_config_XXXXXX", t != NULL && *t ? t : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int suite_clean(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char p[600];
    if (d == NULL) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    return rmdir(tmpdir);
}

static void write_text(const char *name, const char *text)
{
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(text, 1, strlen(text), f), strlen(text));
    CU_ASSERT_EQUAL(fclose(f), 0);
}

/* ------------------------------------------------------ stderr capture */

static int saved_stderr = -1;
static char captured[16384];

static void cap_begin(void)
{
    char p[600];
    int fd;
    snprintf(p, sizeof p, "%s/stderr.txt", tmpdir);
    fflush(stderr);
    saved_stderr = dup(2);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

static const char *cap_end(void)
{
    char p[600];
    FILE *f;
    size_t n = 0;
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
    snprintf(p, sizeof p, "%s/stderr.txt", tmpdir);
    f = fopen(p, "rb");
    if (f != NULL) {
        n = fread(captured, 1, sizeof captured - 1, f);
        fclose(f);
    }
    captured[n] = '\0';
    return captured;
}

/* msgs has a line starting "PATH:LINE: error:" that contains want
 * (case-sensitive; want NULL: any). */
static int has_diag(const char *msgs, long line, const char *want)
{
    char prefix[700];
    const char *p = msgs;
    snprintf(prefix, sizeof prefix, "%s:%ld: error:", path, line);
    while (*p != '\0') {
        const char *e = strchr(p, '\n');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            char one[2048];
            size_t k = len < sizeof one - 1 ? len : sizeof one - 1;
            memcpy(one, p, k);
            one[k] = '\0';
            if (want == NULL || strstr(one, want) != NULL) {
                return 1;
            }
        }
        p = e != NULL ? e + 1 : p + len;
    }
    return 0;
}

/* text must be refused with an input error on line `line` mentioning want. */
static void config_fails(const char *text, long line, const char *want, int src_line)
{
    compress_config c;
    diag d = {0};
    const char *msgs;
    int rc;
    write_text("bad.xml", text);
    cap_begin();
    rc = config_load(path, &c, &d);
    msgs = cap_end();
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(d.errors > 0);
    CU_ASSERT_EQUAL(d.io_errors, 0);
    if (!has_diag(msgs, line, want)) {
        printf("\n  test line %d: expected '%s:%ld: error: ...%s...' in:\n%s", src_line, path, line,
               want != NULL ? want : "", msgs);
        CU_FAIL("diagnostic not as expected");
    }
    /* nothing left to free; freeing again is harmless */
    CU_ASSERT_PTR_NULL(c.layers);
    CU_ASSERT_PTR_NULL(c.path);
    CU_ASSERT_EQUAL(c.n_layers, 0);
    config_free(&c);
}

#define FAILS(text, line, want) config_fails(text, line, want, __LINE__)

#define HEAD "<compression xmlns=\"urn:stoic:compression:1\">\n"

/* ---------------------------------------------------------------- tests */

static void test_names(void)
{
    CU_ASSERT_EQUAL(cfg_precision_parse("int8"), CFG_PREC_INT8);
    CU_ASSERT_EQUAL(cfg_precision_parse("int16"), CFG_PREC_INT16);
    CU_ASSERT_EQUAL(cfg_precision_parse("float32"), CFG_PREC_F32);
    CU_ASSERT_EQUAL(cfg_precision_parse("int4"), CFG_PREC_INT4);
    CU_ASSERT_STRING_EQUAL(cfg_precision_name(CFG_PREC_INT4), "int4");
    CU_ASSERT_EQUAL(cfg_precision_parse("int2"), -1);
    CU_ASSERT_EQUAL(cfg_precision_parse("INT8"), -1);
    CU_ASSERT_EQUAL(cfg_precision_parse(""), -1);
    CU_ASSERT_EQUAL(cfg_precision_parse(NULL), -1);
    CU_ASSERT_STRING_EQUAL(cfg_precision_name(CFG_PREC_INT8), "int8");
    CU_ASSERT_STRING_EQUAL(cfg_precision_name(CFG_PREC_INT16), "int16");
    CU_ASSERT_STRING_EQUAL(cfg_precision_name(CFG_PREC_F32), "float32");
    CU_ASSERT_STRING_EQUAL(cfg_precision_name(CFG_PREC_UNSET), "unset");
    CU_ASSERT_STRING_EQUAL(cfg_precision_name((cfg_precision)7), "unknown");

    CU_ASSERT_EQUAL(calib_method_parse("minmax"), CALIB_MINMAX);
    CU_ASSERT_EQUAL(calib_method_parse("percentile"), CALIB_PERCENTILE);
    CU_ASSERT_EQUAL(calib_method_parse("mse"), CALIB_MSE);
    CU_ASSERT_EQUAL(calib_method_parse("kl"), -1);
    CU_ASSERT_EQUAL(calib_method_parse(NULL), -1);
    CU_ASSERT_STRING_EQUAL(calib_method_name(CALIB_MINMAX), "minmax");
    CU_ASSERT_STRING_EQUAL(calib_method_name(CALIB_PERCENTILE), "percentile");
    CU_ASSERT_STRING_EQUAL(calib_method_name(CALIB_MSE), "mse");
    CU_ASSERT_STRING_EQUAL(calib_method_name(CALIB_UNSET), "unset");
    CU_ASSERT_STRING_EQUAL(calib_method_name((calib_method)9), "unknown");
}

static void test_full(void)
{
    static const char text[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                             /* 1 */
        "<!-- mixed precision -->\n"                                               /* 2 */
        HEAD                                                                       /* 3 */
        "  <quantization precision=\"int8\" calibration=\"percentile\"\n"          /* 4 */
        "                percentile=\"99.99\"/>\n"                                 /* 5 */
        "  <layer name=\"conv1\" precision=\"int16\"/>\n"                          /* 6 */
        "  <!-- the head stays float -->\n"                                        /* 7 */
        "  <layer name=\"fc/2:out.x-y\"\n"                                         /* 8 */
        "         precision=\"float32\"/>\n"                                       /* 9 */
        "  <layer name=\"conv2\" precision=\"int8\"/>\n"                           /* 10 */
        "</compression>\n";
    compress_config c;
    diag d = {0};
    char sha[65];
    write_text("full.xml", text);
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(d.errors + d.io_errors + d.warnings, 0);
    CU_ASSERT_STRING_EQUAL(c.path, path);
    sha256_hex(text, strlen(text), sha);
    CU_ASSERT_STRING_EQUAL(c.sha256, sha);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_INT8);
    CU_ASSERT_EQUAL(c.calib, CALIB_PERCENTILE);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 99.99, 0.0);
    CU_ASSERT_EQUAL(c.line, 5); /* libxml2: the line where the start tag ends */
    CU_ASSERT_EQUAL_FATAL(c.n_layers, 3);
    CU_ASSERT_STRING_EQUAL(c.layers[0].name, "conv1");
    CU_ASSERT_EQUAL(c.layers[0].precision, CFG_PREC_INT16);
    CU_ASSERT_EQUAL(c.layers[0].line, 6);
    CU_ASSERT_STRING_EQUAL(c.layers[1].name, "fc/2:out.x-y");
    CU_ASSERT_EQUAL(c.layers[1].precision, CFG_PREC_F32);
    CU_ASSERT_EQUAL(c.layers[1].line, 9);
    CU_ASSERT_STRING_EQUAL(c.layers[2].name, "conv2");
    CU_ASSERT_EQUAL(c.layers[2].precision, CFG_PREC_INT8);
    CU_ASSERT_EQUAL(c.layers[2].line, 10);
    config_free(&c);
    CU_ASSERT_PTR_NULL(c.layers);
    CU_ASSERT_PTR_NULL(c.path);
    CU_ASSERT_EQUAL(c.n_layers, 0);
    config_free(&c); /* twice: harmless */
}

static void test_minimal(void)
{
    compress_config c;
    diag d = {0};
    /* empty policy: everything unset */
    write_text("empty.xml", "\n\n<compression xmlns=\"urn:stoic:compression:1\"/>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_UNSET);
    CU_ASSERT_EQUAL(c.calib, CALIB_UNSET);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 0.0, 0.0);
    CU_ASSERT_EQUAL(c.n_layers, 0);
    CU_ASSERT_PTR_NULL(c.layers);
    CU_ASSERT_EQUAL(c.line, 3); /* no <quantization>: the root's line */
    config_free(&c);

    /* <quantization/> without attributes */
    write_text("q.xml", HEAD "  <quantization/>\n</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_UNSET);
    CU_ASSERT_EQUAL(c.calib, CALIB_UNSET);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 0.0, 0.0);
    CU_ASSERT_EQUAL(c.line, 2);
    config_free(&c);

    /* each attribute on its own */
    write_text("q.xml", HEAD "  <quantization precision=\"int16\"/>\n</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_INT16);
    CU_ASSERT_EQUAL(c.calib, CALIB_UNSET);
    config_free(&c);
    write_text("q.xml", HEAD "  <quantization precision=\"float32\" calibration=\"mse\"/>\n"
                        "</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_F32);
    CU_ASSERT_EQUAL(c.calib, CALIB_MSE);
    config_free(&c);
    write_text("q.xml", HEAD "  <quantization calibration=\"minmax\"/>\n</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_UNSET);
    CU_ASSERT_EQUAL(c.calib, CALIB_MINMAX);
    config_free(&c);
    /* percentile: the open interval's inside, and a decimal with a sign */
    write_text("q.xml", HEAD "  <quantization calibration=\"percentile\" percentile=\"50.001\"/>\n"
                        "</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 50.001, 0.0);
    config_free(&c);
    write_text("q.xml", HEAD "  <quantization calibration=\"percentile\" percentile=\"+99.9999\"/>\n"
                        "</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 99.9999, 0.0);
    config_free(&c);
    /* calibration="percentile" without a percentile: left to the caller's default */
    write_text("q.xml", HEAD "  <quantization calibration=\"percentile\"/>\n</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.calib, CALIB_PERCENTILE);
    CU_ASSERT_DOUBLE_EQUAL(c.percentile, 0.0, 0.0);
    config_free(&c);
    /* layers only; the same name in another case is another name */
    write_text("l.xml", HEAD "<layer name=\"a\" precision=\"int8\"/>"
                        "<layer name=\"A\" precision=\"int16\"/>\n</compression>\n");
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL(c.precision, CFG_PREC_UNSET);
    CU_ASSERT_EQUAL_FATAL(c.n_layers, 2);
    CU_ASSERT_STRING_EQUAL(c.layers[0].name, "a");
    CU_ASSERT_STRING_EQUAL(c.layers[1].name, "A");
    CU_ASSERT_EQUAL(c.layers[0].line, 2);
    CU_ASSERT_EQUAL(c.layers[1].line, 2);
    config_free(&c);
    CU_ASSERT_EQUAL(d.errors + d.io_errors, 0);
}

/* Many layers: all kept, in order (and the duplicate check is not
 * quadratic: 20000 layers). */
static void test_many_layers(void)
{
    enum { N = 20000 };
    size_t cap = (size_t)N * 64 + 256, len = 0;
    char *text = malloc(cap);
    compress_config c;
    diag d = {0};
    int k;
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    len += (size_t)snprintf(text + len, cap - len, "%s", HEAD);
    for (k = 0; k < N; k++) {
        len += (size_t)snprintf(text + len, cap - len, "<layer name=\"L%d\" precision=\"%s\"/>\n",
                                (k * 7919) % N, k % 2 ? "int8" : "int16");
    }
    snprintf(text + len, cap - len, "</compression>\n");
    write_text("many.xml", text);
    free(text);
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_EQUAL_FATAL(c.n_layers, N);
    for (k = 0; k < N; k += 997) {
        char want[32];
        snprintf(want, sizeof want, "L%d", (k * 7919) % N);
        CU_ASSERT_STRING_EQUAL(c.layers[k].name, want);
        CU_ASSERT_EQUAL(c.layers[k].line, k + 2);
        CU_ASSERT_EQUAL(c.layers[k].precision, k % 2 ? CFG_PREC_INT8 : CFG_PREC_INT16);
    }
    config_free(&c);
}

static void test_schema_errors(void)
{
    /* enumerations */
    FAILS(HEAD "  <quantization precision=\"int2\"/>\n</compression>\n", 2, "precision");
    FAILS(HEAD "  <quantization calibration=\"kl\"/>\n</compression>\n", 2, "calibration");
    FAILS(HEAD "\n  <layer name=\"c\" precision=\"fp16\"/>\n</compression>\n", 3, "precision");
    /* required attribute of <layer>; compression attributes' ranges */
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\"/>\n<layer name=\"d\" sparsity=\"1.5\"/>\n"
               "</compression>\n",
          3, "sparsity");
    FAILS(HEAD "<layer name=\"c\" norm=\"l3\"/>\n</compression>\n", 2, "norm");
    FAILS(HEAD "<layer name=\"c\" rank=\"-1\"/>\n</compression>\n", 2, "rank");
    FAILS(HEAD "<pruning channels=\"2\"/>\n</compression>\n", 2, "channels");
    FAILS(HEAD "<budget metric=\"top1\"/>\n</compression>\n", 2, "max_drop");
    FAILS(HEAD "<layer precision=\"int8\"/>\n</compression>\n", 2, "name");
    /* names as in the model description */
    FAILS(HEAD "<layer name=\"a b\" precision=\"int8\"/>\n</compression>\n", 2, "name");
    FAILS(HEAD "<layer name=\"\" precision=\"int8\"/>\n</compression>\n", 2, "name");
    FAILS(HEAD "<layer name=\"x*/\" precision=\"int8\"/>\n</compression>\n", 2, "name");
    /* unknown attributes and elements */
    FAILS(HEAD "<quantization precision=\"int8\" bits=\"4\"/>\n</compression>\n", 2, "bits");
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\" bits=\"4\"/>\n</compression>\n", 2,
          "bits");
    FAILS(HEAD "\n<fold name=\"c\"/>\n</compression>\n", 3, "fold");
    /* a <layer> has no content (its settings are attributes; libxml2 names
     * the <layer> that holds the element) */
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\">\n  <prune sparsity=\"0.5\"/>\n</layer>\n"
               "</compression>\n",
          2, "content is not allowed");
    FAILS(HEAD "\n<layer name=\"c\" precision=\"int8\">\n\n  <lowrank rank=\"4\"/>\n</layer>\n"
               "</compression>\n",
          3, "content is not allowed");
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\">text</layer>\n</compression>\n", 2, NULL);
    /* order and count of <quantization> */
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\"/>\n<quantization precision=\"int8\"/>\n"
               "</compression>\n",
          3, "quantization");
    FAILS(HEAD "<quantization/>\n\n<quantization/>\n</compression>\n", 4, "quantization");
    /* percentile syntax: a plain decimal */
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"high\"/>\n</compression>\n",
          2, "percentile");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"9.9e1\"/>\n</compression>\n",
          2, "percentile");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"NaN\"/>\n</compression>\n",
          2, "percentile");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"INF\"/>\n</compression>\n",
          2, "percentile");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"\"/>\n</compression>\n", 2,
          "percentile");
    /* the root: wrong element, wrong or no namespace, a model description */
    FAILS("<?xml version=\"1.0\"?>\n<policy xmlns=\"urn:stoic:compression:1\"/>\n", 2,
          "root element must be <compression>");
    FAILS("<compression xmlns=\"urn:stoic:compression:2\"/>\n", 1,
          "root element must be <compression>");
    FAILS("\n<compression/>\n", 2, "root element must be <compression>");
    FAILS("<model xmlns=\"urn:stoic:model:1\" name=\"m\" version=\"1\"/>\n", 1,
          "root element must be <compression>");
    /* not XML */
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\">\n</compression>\n", 3, NULL);
    FAILS(HEAD "<layer name=\"c\" precision=\"int8\"/>\n<layer name='d\n", 4, NULL); /* at EOF */
    FAILS("", 1, NULL);
    FAILS("\x89PNG\r\n\x1a\n", 1, NULL);
}

static void test_semantic_errors(void)
{
    /* percentile outside (50, 100) */
    FAILS(HEAD "\n<quantization calibration=\"percentile\" percentile=\"50\"/>\n</compression>\n",
          3, "outside (50, 100)");
    FAILS(HEAD "<quantization calibration=\"percentile\"\n  percentile=\"100\"/>\n</compression>\n",
          3, "outside (50, 100)"); /* the line where the start tag ends */
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"100.5\"/>\n</compression>\n",
          2, "outside (50, 100)");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"0.01\"/>\n</compression>\n",
          2, "outside (50, 100)");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"-99\"/>\n</compression>\n",
          2, "outside (50, 100)");
    FAILS(HEAD "<quantization calibration=\"percentile\" percentile=\"50.0000\"/>\n</compression>\n",
          2, "outside (50, 100)");
    /* percentile without calibration="percentile" */
    FAILS(HEAD "<quantization precision=\"int8\" percentile=\"99.9\"/>\n</compression>\n", 2,
          "calibration is not \"percentile\"");
    FAILS(HEAD "\n\n<quantization calibration=\"mse\" percentile=\"99.9\"/>\n</compression>\n", 4,
          "calibration is not \"percentile\"");
    FAILS(HEAD "<quantization calibration=\"minmax\" percentile=\"99.9\"/>\n</compression>\n", 2,
          "calibration is not \"percentile\"");
    /* duplicate layers: the later line, naming the first */
    FAILS(HEAD "<layer name=\"c1\" precision=\"int8\"/>\n<layer name=\"c2\" precision=\"int8\"/>\n"
               "<layer name=\"c1\" precision=\"int16\"/>\n</compression>\n",
          4, "duplicate layer 'c1' (first given on line 2)");
}

/* Every duplicate is reported (each at its own line), after a percentile
 * error too. */
static void test_all_errors_reported(void)
{
    compress_config c;
    diag d = {0};
    const char *msgs;
    write_text("multi.xml",
               HEAD                                                                   /* 1 */
               "<quantization calibration=\"mse\" percentile=\"99\"/>\n"              /* 2 */
               "<layer name=\"x\" precision=\"int8\"/>\n"                             /* 3 */
               "<layer name=\"y\" precision=\"int8\"/>\n"                             /* 4 */
               "<layer name=\"x\" precision=\"int8\"/>\n"                             /* 5 */
               "<layer name=\"y\" precision=\"int16\"/>\n"                            /* 6 */
               "<layer name=\"x\" precision=\"float32\"/>\n"                          /* 7 */
               "</compression>\n");
    cap_begin();
    CU_ASSERT_EQUAL(config_load(path, &c, &d), -1);
    msgs = cap_end();
    CU_ASSERT_EQUAL(d.errors, 4);
    CU_ASSERT(has_diag(msgs, 2, "percentile"));
    CU_ASSERT(has_diag(msgs, 5, "duplicate layer 'x' (first given on line 3)"));
    CU_ASSERT(has_diag(msgs, 6, "duplicate layer 'y' (first given on line 4)"));
    CU_ASSERT(has_diag(msgs, 7, "duplicate layer 'x' (first given on line 3)"));
    CU_ASSERT(!has_diag(msgs, 3, NULL));
    CU_ASSERT(!has_diag(msgs, 4, NULL));
}

static void test_unsafe_input(void)
{
    compress_config c;
    diag d = {0};
    const char *msgs;
    char big[600];
    FILE *f;
    /* a DOCTYPE, even harmless, is refused at its line */
    FAILS("<?xml version=\"1.0\"?>\n<!DOCTYPE compression>\n" HEAD "</compression>\n", 2,
          "DOCTYPE is not allowed");
    /* the classic external entity: refused, and the file's content never shown */
    write_text("xxe.xml", "<?xml version=\"1.0\"?>\n\n"
                          "<!DOCTYPE c [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
                          HEAD "<layer name=\"&x;\" precision=\"int8\"/>\n</compression>\n");
    cap_begin();
    CU_ASSERT_EQUAL(config_load(path, &c, &d), -1);
    msgs = cap_end();
    CU_ASSERT(has_diag(msgs, 3, "DOCTYPE is not allowed"));
    CU_ASSERT_PTR_NULL(strstr(msgs, "root:"));
    CU_ASSERT_EQUAL(d.io_errors, 0);
    /* internal entity expansion ("billion laughs") never starts */
    FAILS("<!DOCTYPE c [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>\n"
          HEAD "<layer name=\"&b;\" precision=\"int8\"/>\n</compression>\n",
          1, "DOCTYPE");
    /* XInclude is not processed: an xi:include is just an unknown element */
    FAILS(HEAD "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\"/>\n"
               "</compression>\n",
          2, NULL);
    /* a missing file: an input error without a line */
    snprintf(path, sizeof path, "%s/does-not-exist.xml", tmpdir);
    memset(&d, 0, sizeof d);
    cap_begin();
    CU_ASSERT_EQUAL(config_load(path, &c, &d), -1);
    msgs = cap_end();
    CU_ASSERT_EQUAL(d.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "cannot read the compression policy"));
    /* larger than the cap (a sparse file) */
    snprintf(big, sizeof big, "%s/big.xml", tmpdir);
    f = fopen(big, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fputs(HEAD, f) >= 0, 1);
    CU_ASSERT_EQUAL(fseek(f, CONFIG_MAX_BYTES, SEEK_SET), 0);
    CU_ASSERT_EQUAL(fputc(' ', f), ' ');
    CU_ASSERT_EQUAL(fclose(f), 0);
    memset(&d, 0, sizeof d);
    cap_begin();
    CU_ASSERT_EQUAL(config_load(big, &c, &d), -1);
    msgs = cap_end();
    CU_ASSERT_EQUAL(d.errors, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(msgs, "larger than"));
    unlink(big);
}

static void test_compression_settings(void)
{
    static const char text[] =
        HEAD
        "  <quantization precision=\"int8\"/>\n"
        "  <pruning sparsity=\"0.75\" channels=\"0.25\" norm=\"l1\"/>\n"
        "  <lowrank energy=\"0.95\"/>\n"
        "  <budget max_drop=\"0.01\" minimize=\"macs\"/>\n"
        "  <layer name=\"fc1\" sparsity=\"0.9\" rank=\"16\"/>\n"
        "  <layer name=\"fc3\" precision=\"int16\" sparsity=\"0\" channels=\"0\"/>\n"
        "</compression>\n";
    compress_config c;
    diag d = {0};
    write_text("compress.xml", text);
    CU_ASSERT_EQUAL_FATAL(config_load(path, &c, &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(c.defaults.sparsity, 0.75, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(c.defaults.channels, 0.25, 0.0);
    CU_ASSERT_EQUAL(c.defaults.norm, 1);
    CU_ASSERT_DOUBLE_EQUAL(c.defaults.energy, 0.95, 0.0);
    CU_ASSERT_EQUAL(c.defaults.rank, -1);
    CU_ASSERT_DOUBLE_EQUAL(c.max_drop, 0.01, 0.0);
    CU_ASSERT_EQUAL(c.metric_mse, 0);
    CU_ASSERT_EQUAL(c.minimize_macs, 1);
    CU_ASSERT_EQUAL_FATAL(c.n_layers, 2);
    CU_ASSERT_EQUAL(c.layers[0].precision, CFG_PREC_UNSET);
    CU_ASSERT_DOUBLE_EQUAL(c.layers[0].c.sparsity, 0.9, 0.0);
    CU_ASSERT_EQUAL(c.layers[0].c.rank, 16);
    CU_ASSERT_DOUBLE_EQUAL(c.layers[0].c.channels, -1.0, 0.0);
    CU_ASSERT_EQUAL(c.layers[1].precision, CFG_PREC_INT16);
    CU_ASSERT_DOUBLE_EQUAL(c.layers[1].c.sparsity, 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(c.layers[1].c.channels, 0.0, 0.0);
    config_free(&c);
}

UNIT_SUITE(suite_config)
{
    CU_pSuite s = CU_add_suite("config", suite_init, suite_clean);
    CU_add_test(s, "precision and method names", test_names);
    CU_add_test(s, "a full policy", test_full);
    CU_add_test(s, "pruning, low-rank and budget settings", test_compression_settings);
    CU_add_test(s, "minimal policies and single attributes", test_minimal);
    CU_add_test(s, "20000 layers", test_many_layers);
    CU_add_test(s, "schema violations at their line", test_schema_errors);
    CU_add_test(s, "percentile and duplicate-layer errors at their line", test_semantic_errors);
    CU_add_test(s, "every error reported", test_all_errors_reported);
    CU_add_test(s, "DOCTYPE, entities, XInclude, missing and oversized files", test_unsafe_input);
}
