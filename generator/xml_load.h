/* Reads a model description (README "The model description") into the IR.
 *
 * Safe parsing: the file is capped at XML_LOAD_MAX_BYTES, parsed by libxml2
 * with XML_PARSE_NONET only (no entity substitution, no DTD loading or
 * default attributes, no XInclude, no huge-document relaxations), external
 * entity loading is denied, and a document with a DOCTYPE is refused. It is
 * then validated against the schema compiled into the binary, and its
 * weights are decoded and checked (counts, SHA-256 of external files,
 * finite values). Names are resolved; shapes are inferred later by
 * pass_shape. */
#ifndef STOIC_XML_LOAD_H
#define STOIC_XML_LOAD_H

#include "diag.h"
#include "ir.h"

#define XML_LOAD_MAX_BYTES (256L * 1024L * 1024L)
#define XML_LOAD_MAX_WEIGHT_FILE (2047L * 1024L * 1024L)

/* Weight files (src="...") must lie in the model's directory tree, or,
 * after this call, in dir's (NULL: back to the model's). -1 when dir is
 * not a directory. */
int xml_load_set_weights_root(const char *dir);

/* Returns the graph, or NULL after reporting errors through d. */
ir_graph *xml_load(const char *path, diag *d);

#endif
