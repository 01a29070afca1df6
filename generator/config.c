#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "xml_safe.h"

#define NS "urn:stoic:compression:1"

static const xml_safe_spec config_spec = {
    "compression.xsd", NS, "compression", "compression policy", "compression",
    CONFIG_MAX_BYTES
};

int cfg_precision_parse(const char *s)
{
    if (s == NULL) {
        return -1;
    }
    if (strcmp(s, "int8") == 0) {
        return CFG_PREC_INT8;
    }
    if (strcmp(s, "int16") == 0) {
        return CFG_PREC_INT16;
    }
    if (strcmp(s, "int4") == 0) {
        return CFG_PREC_INT4;
    }
    if (strcmp(s, "float32") == 0) {
        return CFG_PREC_F32;
    }
    return -1;
}

int cfg_bias_parse(const char *s)
{
    if (s != NULL && strcmp(s, "int32") == 0) {
        return CFG_BIAS_INT32;
    }
    if (s != NULL && strcmp(s, "int16") == 0) {
        return CFG_BIAS_INT16;
    }
    return -1;
}

const char *cfg_precision_name(cfg_precision p)
{
    switch (p) {
    case CFG_PREC_UNSET:
        return "unset";
    case CFG_PREC_F32:
        return "float32";
    case CFG_PREC_INT8:
        return "int8";
    case CFG_PREC_INT16:
        return "int16";
    case CFG_PREC_INT4:
        return "int4";
    default:
        return "unknown";
    }
}

void config_free(compress_config *c)
{
    int k;
    for (k = 0; k < c->n_layers; k++) {
        free(c->layers[k].name);
    }
    free(c->layers);
    free(c->path);
    memset(c, 0, sizeof *c);
    c->precision = CFG_PREC_UNSET;
    c->scales = CFG_SCALES_UNSET;
    c->bias = CFG_BIAS_UNSET;
    c->calib = CALIB_UNSET;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* The attribute's value (malloc'd), NULL when absent; *oom on failure. */
static char *attr(const xmlNode *n, const char *name, int *oom)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = NULL;
    if (v != NULL) {
        s = dup_str((const char *)v);
        xmlFree(v);
        if (s == NULL) {
            *oom = 1;
        }
    }
    return s;
}

/* The schema has checked the syntax (xs:decimal: sign, digits, one point);
 * the program never changes the C locale, so strtod reads it as written. */
static int read_quantization(const char *path, const xmlNode *q, compress_config *c, diag *d,
                             int *oom)
{
    char *prec = attr(q, "precision", oom), *cal = attr(q, "calibration", oom);
    char *pct = attr(q, "percentile", oom), *sc = attr(q, "scales", oom);
    char *bi = attr(q, "bias", oom);
    int rc = 0;
    c->line = xml_safe_line(q);
    if (prec != NULL) {
        c->precision = (cfg_precision)cfg_precision_parse(prec);
    }
    if (sc != NULL) {
        c->scales = strcmp(sc, "tensor") == 0 ? CFG_SCALES_TENSOR : CFG_SCALES_CHANNEL;
    }
    free(sc);
    if (bi != NULL) {
        c->bias = (cfg_bias)cfg_bias_parse(bi); /* the schema allows int32, int16 */
    }
    free(bi);
    if (cal != NULL) {
        c->calib = (calib_method)calib_method_parse(cal);
    }
    if (pct != NULL) {
        double p = strtod(pct, NULL);
        if (!(p > 50.0 && p < 100.0)) {
            diag_error(d, path, c->line,
                       "quantization: percentile=\"%s\" is outside (50, 100): the P-th and "
                       "(100 - P)-th percentiles bound the range",
                       pct);
            rc = -1;
        } else if (c->calib != CALIB_PERCENTILE) {
            diag_error(d, path, c->line,
                       "quantization: percentile is given, but calibration is not "
                       "\"percentile\" (add calibration=\"percentile\" or remove percentile)");
            rc = -1;
        } else {
            c->percentile = p;
        }
    }
    free(prec);
    free(cal);
    free(pct);
    return rc;
}

static const cfg_layer *sort_base;

static int cmp_layer(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    int r = strcmp(sort_base[i].name, sort_base[j].name);
    return r != 0 ? r : (i < j ? -1 : (i > j ? 1 : 0));
}

/* Duplicate layer names, reported in file order at the later <layer>
 * (sorted, so a hostile file with many layers is not quadratic). */
static int check_duplicates(const char *path, const compress_config *c, diag *d, int *oom)
{
    int *idx, *first, k, rc = 0;
    if (c->n_layers < 2) {
        return 0;
    }
    idx = malloc((size_t)c->n_layers * sizeof *idx);
    first = malloc((size_t)c->n_layers * sizeof *first);
    if (idx == NULL || first == NULL) {
        free(idx);
        free(first);
        *oom = 1;
        return -1;
    }
    for (k = 0; k < c->n_layers; k++) {
        idx[k] = k;
        first[k] = -1;
    }
    sort_base = c->layers;
    qsort(idx, (size_t)c->n_layers, sizeof *idx, cmp_layer);
    for (k = 1; k < c->n_layers; k++) {
        if (strcmp(c->layers[idx[k]].name, c->layers[idx[k - 1]].name) == 0) {
            first[idx[k]] = first[idx[k - 1]] >= 0 ? first[idx[k - 1]] : idx[k - 1];
        }
    }
    for (k = 0; k < c->n_layers; k++) {
        if (first[k] >= 0) {
            diag_error(d, path, c->layers[k].line,
                       "duplicate layer '%s' (first given on line %ld)", c->layers[k].name,
                       c->layers[first[k]].line);
            rc = -1;
        }
    }
    free(idx);
    free(first);
    return rc;
}

void cfg_compress_unset(cfg_compress *c)
{
    c->sparsity = -1.0;
    c->channels = -1.0;
    c->norm = 0;
    c->rank = -1;
    c->energy = -1.0;
}

/* A number attribute (schema-checked syntax) into *v when present. */
static void num_attr(const xmlNode *n, const char *name, double *v, int *oom)
{
    char *s = attr(n, name, oom);
    if (s != NULL) {
        *v = strtod(s, NULL);
    }
    free(s);
}

static void read_compress(const xmlNode *n, cfg_compress *c, int *oom)
{
    char *norm = attr(n, "norm", oom);
    double rank = -1.0;
    num_attr(n, "sparsity", &c->sparsity, oom);
    num_attr(n, "channels", &c->channels, oom);
    num_attr(n, "energy", &c->energy, oom);
    num_attr(n, "rank", &rank, oom);
    if (rank >= 0.0) {
        c->rank = (int32_t)rank;
    }
    if (norm != NULL) {
        c->norm = strcmp(norm, "l1") == 0 ? 1 : 2;
    }
    free(norm);
}

int config_load(const char *path, compress_config *c, diag *d)
{
    xmlDocPtr doc;
    xmlNode *root, *n;
    int rc = 0, oom = 0, count = 0, unnamed = 0;

    memset(c, 0, sizeof *c);
    c->precision = CFG_PREC_UNSET;
    c->scales = CFG_SCALES_UNSET;
    c->bias = CFG_BIAS_UNSET;
    c->calib = CALIB_UNSET;
    cfg_compress_unset(&c->defaults);
    c->max_drop = -1.0;
    doc = xml_safe_parse(path, &config_spec, c->sha256, d);
    if (doc == NULL) {
        config_free(c);
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    c->path = dup_str(path);
    oom = c->path == NULL;
    c->line = xml_safe_line(root);
    for (n = root->children; n != NULL; n = n->next) {
        count += xml_safe_is_el(n, NS, "layer");
    }
    if (count > 0) {
        c->layers = calloc((size_t)count, sizeof *c->layers);
        oom |= c->layers == NULL;
    }
    for (n = root->children; n != NULL && !oom; n = n->next) {
        if (xml_safe_is_el(n, NS, "quantization")) {
            rc |= read_quantization(path, n, c, d, &oom);
        } else if (xml_safe_is_el(n, NS, "pruning") || xml_safe_is_el(n, NS, "lowrank")) {
            read_compress(n, &c->defaults, &oom);
        } else if (xml_safe_is_el(n, NS, "budget")) {
            char *m = attr(n, "metric", &oom), *z = attr(n, "minimize", &oom);
            num_attr(n, "max_drop", &c->max_drop, &oom);
            c->metric_mse = m != NULL && strcmp(m, "mse") == 0;
            c->minimize_macs = z != NULL && strcmp(z, "macs") == 0;
            c->budget_line = xml_safe_line(n);
            free(m);
            free(z);
        } else if (xml_safe_is_el(n, NS, "layer")) {
            cfg_layer *L = &c->layers[c->n_layers++];
            char *prec = attr(n, "precision", &oom), *sc = attr(n, "scales", &oom);
            char *bi = attr(n, "bias", &oom);
            L->name = attr(n, "name", &oom);
            L->line = xml_safe_line(n);
            L->precision = prec != NULL ? (cfg_precision)cfg_precision_parse(prec)
                                        : CFG_PREC_UNSET;
            L->scales = sc == NULL ? CFG_SCALES_UNSET
                                   : (strcmp(sc, "tensor") == 0 ? CFG_SCALES_TENSOR
                                                                : CFG_SCALES_CHANNEL);
            L->bias = bi == NULL ? CFG_BIAS_UNSET : (cfg_bias)cfg_bias_parse(bi);
            free(prec);
            free(sc);
            free(bi);
            cfg_compress_unset(&L->c);
            read_compress(n, &L->c, &oom);
            if (!oom && L->name == NULL) {
                /* the schema requires it: not reached with a valid schema */
                diag_error(d, path, L->line, "layer: a name is required");
                unnamed = 1;
                rc = -1;
            }
            if (!oom && L->c.energy == 0.0) {
                diag_error(d, path, L->line, "layer '%s': energy must be in (0, 1]", L->name);
                rc = -1;
            }
        }
    }
    if (!oom && !unnamed && check_duplicates(path, c, d, &oom) != 0) {
        rc = -1;
    }
    xmlFreeDoc(doc);
    if (oom) {
        diag_io(d, path, "out of memory");
        rc = -1;
    }
    if (rc != 0) {
        config_free(c);
        return -1;
    }
    return 0;
}
