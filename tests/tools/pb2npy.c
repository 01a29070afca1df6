/* pb2npy IN.pb OUT.npy: converts a serialized ONNX TensorProto (the ONNX
 * test suite's input_0.pb, output_0.pb, ...) to a float32 .npy of the same
 * shape, through generator/onnx_read.c. Integer and bool values are
 * converted to float (exact up to 2^24 in magnitude).
 * Exit codes: 0, 1 invalid or unsupported tensor, 2 usage, 3 cannot write. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fileio.h"
#include "npy.h"
#include "onnx_read.h"

int main(int argc, char **argv)
{
    diag d = {0};
    onnx_tensor t;
    uint8_t *buf;
    size_t len;

    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
        fprintf(stderr, "usage: pb2npy IN.pb OUT.npy\n");
        return STOIC_EXIT_USAGE;
    }
    if (onnx_read_tensor(argv[1], &t, &d) != 0) {
        return diag_exit_code(&d);
    }
    if (npy_encode_f32(t.dims, t.ndim, t.f32, &buf, &len) != 0) {
        onnx_tensor_free(&t);
        diag_io(&d, NULL, "out of memory");
        return STOIC_EXIT_IO;
    }
    onnx_tensor_free(&t);
    if (fileio_write_atomic(argv[2], buf, len) != 0) {
        diag_io(&d, argv[2], "cannot write: %s", strerror(errno));
        free(buf);
        return STOIC_EXIT_IO;
    }
    free(buf);
    return STOIC_EXIT_OK;
}
