/* stoic import: an ONNX model -> a stoic model description (XML) and its
 * weights file, the artifact that is reviewed and kept under configuration
 * management.
 *
 * Layout. ONNX tensors are channels-first (N C H W); stoic's convolutions
 * and pools work channels-last (H W C). The importer keeps every value in
 * the layout its consumers need and writes explicit `transpose` layers where
 * the layout changes, so the generated code takes its input and gives its
 * output in the ONNX model's own element order: a user's data works
 * unchanged. (A transpose that only moves a size-1 axis costs nothing: the
 * generator turns it into an alias.)
 *
 * Batch. The first axis of the input is the batch axis; it is dropped (one
 * call of NAME_run per sample) unless a node mixes samples (e.g. a softmax
 * or concat over axis 0), in which case the whole tensor is one sample.
 */
#ifndef STOIC_IMPORT_ONNX_H
#define STOIC_IMPORT_ONNX_H

#include "diag.h"

typedef struct {
    const char *onnx_path;
    const char *xml_path;   /* the weights file is written beside it, as NAME.bin */
    const char *name;       /* model name (C identifier), or NULL: from the file name */
    int n_freeze;           /* graph inputs replaced by constants (TensorProto files) */
    const char *const *freeze_names;
    const char *const *freeze_files;
} import_options;

/* Returns 0, or -1 after reporting through d; writes nothing on failure. */
int import_onnx(const import_options *o, diag *d);

#endif
