/* Lookup in the table that bin/embed generates (build/embedded.c). */
#include "embedded.h"

#include <string.h>

const stoic_embedded_file *stoic_embedded_find(const char *name)
{
    unsigned i;

    if (name == NULL) {
        return NULL;
    }
    for (i = 0; i < stoic_embedded_count; i++) {
        if (strcmp(stoic_embedded_files[i].name, name) == 0) {
            return &stoic_embedded_files[i];
        }
    }
    return NULL;
}
