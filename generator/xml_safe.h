/* Safe reading of the XML inputs (the model description, the compression
 * policy): one place for the parser settings and the schema check.
 *
 * The file is read whole with a size cap, parsed by libxml2 with
 * XML_PARSE_NONET | XML_PARSE_BIG_LINES only (no entity substitution, no DTD
 * loading or default attributes, no XInclude, no huge-document
 * relaxations), external entity loading is denied, and a document with a
 * DOCTYPE is refused (a SAX hook stops the parser at the DOCTYPE). The root
 * element must be the expected one in the expected namespace; the document
 * is then validated against the schema compiled into the binary
 * (generator/embedded.h). Every problem is reported through diag as
 * "file:line: error: ..." (file as given); running out of memory and a
 * missing or broken embedded schema are I/O (internal) errors. */
#ifndef STOIC_XML_SAFE_H
#define STOIC_XML_SAFE_H

#include <libxml/tree.h>

#include "diag.h"

typedef struct {
    const char *schema;   /* basename of the embedded schema, e.g. "model.xsd" */
    const char *ns;       /* namespace URI of the root element */
    const char *root;     /* local name of the root element, e.g. "model" */
    const char *what;     /* for messages: "model description" */
    const char *label;    /* for messages: "model" in "... the model schema" */
    long max_bytes;       /* size cap of the file */
} xml_safe_spec;

/* Reads, parses and validates path. Returns the document (free it with
 * xmlFreeDoc), or NULL after reporting through d. When sha256 is not NULL it
 * receives the SHA-256 of the file's bytes (64 hex digits and a NUL) when the
 * file could be read. */
xmlDocPtr xml_safe_parse(const char *path, const xml_safe_spec *spec, char sha256[65], diag *d);

/* The line of an element (1 when libxml2 does not know it). */
long xml_safe_line(const xmlNode *n);

/* 1 when n is an element in namespace ns, named name (any name when NULL). */
int xml_safe_is_el(const xmlNode *n, const char *ns, const char *name);

#endif
