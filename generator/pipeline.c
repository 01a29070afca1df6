#include "pipeline.h"

#include "pass.h"
#include "xml_load.h"

static const struct {
    const char *name;
    pass_fn fn;
} passes[] = {
    { "pass_order", pass_order },
    { "pass_shape", pass_shape },
    { "pass_convt", pass_convt },
    { "pass_simplify", pass_simplify },
    { "pass_permute", pass_permute },
    { "pass_fold", pass_fold },
    { "pass_fuse", pass_fuse },
    { "pass_plan", pass_plan },
};

ir_graph *pipeline_build(const char *model_path, diag *d)
{
    ir_graph *g = xml_load(model_path, d);
    size_t i;
    if (g == NULL) {
        return NULL;
    }
    for (i = 0; i < sizeof passes / sizeof passes[0]; i++) {
        if (passes[i].fn(g, d) != 0) {
            ir_free(g);
            return NULL;
        }
        /* shapes exist only from pass_shape on */
        if (i >= 1 && ir_verify(g, passes[i].name) != 0) {
            d->io_errors++;
            ir_free(g);
            return NULL;
        }
    }
    return g;
}
