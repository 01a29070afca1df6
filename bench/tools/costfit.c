/*
 * bench/tools/costfit.c: writes generator/cost_table.c, the generator's
 * cost table (generator/cost.h), from measurements (make bench-fit,
 * bench/fit.sh). Reads tab-separated lines on stdin:
 *
 *   row KERNEL CORE W1..W8 LDST BRANCH MUL OTHER DIV MEM TAKEN
 *       one layer of one kernel: its 8 trip counts (cost.h COST_W order)
 *       and its measured counts (cost.h COST_C order)
 *   frame CORE LDST BRANCH MUL OTHER DIV MEM TAKEN
 *       what a model's NAME_run executed outside its calls
 *   stack FUNCTION CORE BYTES          worst-case stack with callees
 *
 * usage: costfit TOOLCHAIN RUNTIME_SHA256 < rows > cost_table.c
 *
 * Per kernel, core and class, the coefficients are the least-squares fit
 * of the counts on the trip counts (modified Gram-Schmidt QR; a trip
 * count that is a linear combination of those before it in the order
 * calls, outputs, inner, taps, pixels, kernel rows, group pixels, rows,
 * e.g. taps == outputs for a dense layer, gets coefficient 0). The fit
 * residual is written as a comment per kernel. A key with fewer than
 * MARGIN layers more than its independent trip counts is written with
 * fitted = 0 (the generator gives no estimate): a fit through every point
 * predicts nothing. The frame is the mean of the frames. Deterministic:
 * the same input gives the same bytes.
 *
 * Exit status: 0; 1 bad input; 2 usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NW 8
#define NC 7
#define NCORES 2
#define MAXK 256
#define MAXR 1024
/* a key is used only when its fit is overdetermined by this many layers:
 * with fewer, a fit through every point says nothing about other sizes */
#define MARGIN 2

typedef struct {
    char name[64];
    int n[NCORES];
    double w[NCORES][MAXR][NW];
    double y[NCORES][MAXR][NC];
    long stack[NCORES];
    double coef[NCORES][NC][NW];
    double maxrel[NCORES]; /* largest |fit - measured| / measured of the instruction total */
    int rank[NCORES];      /* independent trip counts (the largest over the classes) */
    int usable;            /* enough layers on both cores: n >= rank + MARGIN */
} kern;

static kern *g_k[MAXK];
static int g_nk;
static double g_frame[NCORES][NC];
static int g_nframe[NCORES];

/* the fitting order of the trip counts (cost.h COST_W indices) */
static const int g_order[NW] = { 0, 4, 7, 6, 2, 5, 3, 1 };

static int core_index(const char *s)
{
    return strcmp(s, "m4") == 0 ? 0 : (strcmp(s, "m7") == 0 ? 1 : -1);
}

static kern *find(const char *name)
{
    int i;
    for (i = 0; i < g_nk; i++) {
        if (strcmp(g_k[i]->name, name) == 0) {
            return g_k[i];
        }
    }
    if (g_nk == MAXK || strlen(name) >= sizeof g_k[0]->name) {
        return NULL;
    }
    g_k[g_nk] = calloc(1, sizeof(kern));
    if (g_k[g_nk] == NULL) {
        return NULL;
    }
    strcpy(g_k[g_nk]->name, name);
    g_k[g_nk]->stack[0] = g_k[g_nk]->stack[1] = -1;
    return g_k[g_nk++];
}

/* least squares y ~ X b over n rows, columns taken in g_order, dependent
 * columns dropped (b = 0) */
static int fit(int n, double (*x)[NW], const double *y, double *b)
{
    static double q[NW][MAXR];
    double r[NW][NW], qy[NW], norm0, s;
    int kept[NW], nk = 0, i, j, c, col;

    memset(r, 0, sizeof r);
    for (c = 0; c < NW; c++) {
        b[c] = 0.0;
    }
    for (c = 0; c < NW; c++) {
        col = g_order[c];
        norm0 = 0.0;
        for (i = 0; i < n; i++) {
            q[nk][i] = x[i][col];
            norm0 += x[i][col] * x[i][col];
        }
        norm0 = sqrt(norm0);
        for (j = 0; j < nk; j++) {
            s = 0.0;
            for (i = 0; i < n; i++) {
                s += q[j][i] * q[nk][i];
            }
            r[j][nk] = s;
            for (i = 0; i < n; i++) {
                q[nk][i] -= s * q[j][i];
            }
        }
        s = 0.0;
        for (i = 0; i < n; i++) {
            s += q[nk][i] * q[nk][i];
        }
        s = sqrt(s);
        if (norm0 == 0.0 || s <= 1e-9 * norm0) {
            continue; /* zero or dependent on the columns before it */
        }
        for (i = 0; i < n; i++) {
            q[nk][i] /= s;
        }
        r[nk][nk] = s;
        kept[nk++] = col;
    }
    for (j = 0; j < nk; j++) {
        s = 0.0;
        for (i = 0; i < n; i++) {
            s += q[j][i] * y[i];
        }
        qy[j] = s;
    }
    for (j = nk - 1; j >= 0; j--) {
        s = qy[j];
        for (c = j + 1; c < nk; c++) {
            s -= r[j][c] * b[kept[c]];
        }
        b[kept[j]] = s / r[j][j];
    }
    /* coefficients that are integers up to rounding noise, as integers */
    for (c = 0; c < NW; c++) {
        if (fabs(b[c] - floor(b[c] + 0.5)) < 1e-6) {
            b[c] = floor(b[c] + 0.5);
        }
        if (b[c] == 0.0) {
            b[c] = 0.0; /* no -0 */
        }
    }
    return nk;
}

static int cmp_kern(const void *a, const void *b)
{
    return strcmp((*(kern *const *)a)->name, (*(kern *const *)b)->name);
}

static void put_c_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\' || ch == '?') {
            printf("\\%c", ch);
        } else if (ch >= 0x20 && ch < 0x7f) {
            putchar(ch);
        } else {
            printf("\\%03o", ch);
        }
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    char line[4096], *f[32], *p;
    int nf, i, c, k, core, r;
    kern *kk;
    double y[MAXR];

    if (argc != 3) {
        fprintf(stderr, "usage: costfit TOOLCHAIN RUNTIME_SHA256 < rows > cost_table.c\n");
        return 2;
    }
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        nf = 0;
        for (p = strtok(line, "\t"); p != NULL && nf < 32; p = strtok(NULL, "\t")) {
            f[nf++] = p;
        }
        if (nf == 0) {
            continue;
        }
        if (strcmp(f[0], "row") == 0 && nf == 3 + NW + NC && (core = core_index(f[2])) >= 0) {
            kk = find(f[1]);
            if (kk == NULL || kk->n[core] == MAXR) {
                fprintf(stderr, "costfit: too many kernels or rows\n");
                return 1;
            }
            for (i = 0; i < NW; i++) {
                kk->w[core][kk->n[core]][i] = strtod(f[3 + i], NULL);
            }
            for (i = 0; i < NC; i++) {
                kk->y[core][kk->n[core]][i] = strtod(f[3 + NW + i], NULL);
            }
            kk->n[core]++;
        } else if (strcmp(f[0], "frame") == 0 && nf == 2 + NC && (core = core_index(f[1])) >= 0) {
            for (i = 0; i < NC; i++) {
                g_frame[core][i] += strtod(f[2 + i], NULL);
            }
            g_nframe[core]++;
        } else if (strcmp(f[0], "stack") == 0 && nf == 4 && (core = core_index(f[2])) >= 0) {
            kk = find(f[1]);
            if (kk == NULL) {
                fprintf(stderr, "costfit: too many kernels\n");
                return 1;
            }
            kk->stack[core] = strtol(f[3], NULL, 10);
        } else {
            fprintf(stderr, "costfit: bad line starting '%s' (%d fields)\n", f[0], nf);
            return 1;
        }
    }
    for (k = 0; k < g_nk; k++) {
        kk = g_k[k];
        for (core = 0; core < NCORES; core++) {
            if (kk->n[core] == 0) {
                continue;
            }
            for (c = 0; c < NC; c++) {
                int rk;
                for (r = 0; r < kk->n[core]; r++) {
                    y[r] = kk->y[core][r][c];
                }
                rk = fit(kk->n[core], kk->w[core], y, kk->coef[core][c]);
                kk->rank[core] = rk > kk->rank[core] ? rk : kk->rank[core];
            }
            for (r = 0; r < kk->n[core]; r++) {
                double est = 0.0, meas = 0.0;
                for (c = 0; c < 4; c++) {
                    meas += kk->y[core][r][c];
                    for (i = 0; i < NW; i++) {
                        est += kk->coef[core][c][i] * kk->w[core][r][i];
                    }
                }
                if (meas > 0.0 && fabs(est - meas) / meas > kk->maxrel[core]) {
                    kk->maxrel[core] = fabs(est - meas) / meas;
                }
            }
        }
    }
    for (k = 0; k < g_nk; k++) {
        kk = g_k[k];
        kk->usable = kk->n[0] >= kk->rank[0] + MARGIN && kk->n[1] >= kk->rank[1] + MARGIN &&
                     kk->n[0] > 0 && kk->n[1] > 0;
    }
    qsort(g_k, (size_t)g_nk, sizeof g_k[0], cmp_kern);

    printf("/* generator/cost_table.c -- written by bench/tools/costfit (make bench-fit);\n"
           " * do not edit. The generator's cost table (cost.h): per runtime kernel\n"
           " * and core, the instruction counts per class as linear forms of the\n"
           " * layer's trip counts, fitted on the tests/e2e cases measured under the\n"
           " * trace plugin, and the worst-case stack with callees. */\n"
           "#include \"cost.h\"\n\n");
    printf("const char cost_table_toolchain[] = ");
    put_c_string(argv[1]);
    printf(";\nconst char cost_table_runtime_sha256[] = ");
    put_c_string(argv[2]);
    printf(";\n\n/* COST_W order: calls, rows, pixels, group_pixels, outputs, kernel_rows,\n"
           " * taps, inner; COST_C order: ldst, branch, mul, other, div, mem, taken */\n");
    printf("const cost_kernel cost_kernels[] = {\n");
    for (k = 0; k < g_nk; k++) {
        kk = g_k[k];
        if (kk->n[0] + kk->n[1] == 0) {
            printf("    /* %s: not measured as a layer (stack only) */\n", kk->name);
        } else {
            printf("    /* %s: %d (M4) and %d (M7) layers, %d independent trip counts;\n"
                   "     * largest error of the fit in instructions: %.2f %% (M4), %.2f %% (M7)%s */\n",
                   kk->name, kk->n[0], kk->n[1], kk->rank[0], 100.0 * kk->maxrel[0],
                   100.0 * kk->maxrel[1],
                   kk->usable ? "" : ";\n     * too few layers for a fit: no estimate");
        }
        printf("    { \"%s\", %d, { %ld, %ld }, {\n", kk->name,
               kk->usable ? (kk->n[0] < kk->n[1] ? kk->n[0] : kk->n[1]) : 0, kk->stack[0],
               kk->stack[1]);
        for (core = 0; core < NCORES; core++) {
            printf("        {\n");
            for (c = 0; c < NC; c++) {
                printf("            {");
                for (i = 0; i < NW; i++) {
                    printf(i == 0 ? " %.10g" : ", %.10g", kk->coef[core][c][i]);
                }
                printf(" }%s\n", c + 1 < NC ? "," : "");
            }
            printf("        }%s\n", core + 1 < NCORES ? "," : "");
        }
        printf("    } }%s\n", k + 1 < g_nk ? "," : "");
    }
    if (g_nk == 0) {
        printf("    { \"\", 0, { -1, -1 }, { { { 0.0 } } } }\n");
    }
    printf("};\nconst int cost_n_kernels = %d;\n\n", g_nk);
    printf("/* NAME_run outside its calls (prologue, epilogue, the probe's call): the\n"
           " * mean over %d (M4) and %d (M7) models */\n", g_nframe[0], g_nframe[1]);
    printf("const double cost_frame[COST_NCORES][COST_NC] = {\n");
    for (core = 0; core < NCORES; core++) {
        printf("    {");
        for (c = 0; c < NC; c++) {
            double m = g_nframe[core] > 0 ? g_frame[core][c] / g_nframe[core] : 0.0;
            printf(c == 0 ? " %.10g" : ", %.10g", m);
        }
        printf(" }%s\n", core + 1 < NCORES ? "," : "");
    }
    printf("};\n");
    for (k = 0; k < g_nk; k++) {
        free(g_k[k]);
    }
    return 0;
}
