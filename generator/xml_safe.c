#include "xml_safe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "embedded.h"
#include "fileio.h"
#include "sha256.h"

/* libxml2 2.12 made the structured error argument const. */
#if LIBXML_VERSION >= 21200
#define XERR_CONST const
#else
#define XERR_CONST
#endif

typedef struct {
    const char *path; /* as given */
    const xml_safe_spec *spec;
    diag *d;
    long doctype_line;
    int oom;
} safe_ctx;

static void on_xml_error(void *ud, XERR_CONST xmlError *e)
{
    safe_ctx *S = ud;
    char msg[512];
    size_t n;
    if (e == NULL || e->level == XML_ERR_WARNING) {
        return;
    }
    snprintf(msg, sizeof msg, "%s", e->message != NULL ? e->message : "malformed XML");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
        msg[--n] = '\0';
    }
    diag_error(S->d, S->path, e->line > 0 ? (long)e->line : 1L, "%s", msg);
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    safe_ctx *S = ctxt->_private;
    (void)name;
    (void)ext_id;
    (void)sys_id;
    S->doctype_line = ctxt->input != NULL ? (long)ctxt->input->line : 1L;
    xmlStopParser(ctxt);
}

static xmlParserInputPtr deny_entity_loader(const char *url, const char *id,
                                            xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

long xml_safe_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? l : 1L;
}

int xml_safe_is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, ns) == 0 &&
           (name == NULL || strcmp((const char *)n->name, name) == 0);
}

static xmlDocPtr parse_xml(safe_ctx *S, const char *buf, size_t len)
{
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    xmlSetExternalEntityLoader(deny_entity_loader);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        S->oom = 1;
        return NULL;
    }
    ctxt->_private = S;
    ctxt->sax->internalSubset = on_doctype;
    xmlSetStructuredErrorFunc(S, on_xml_error);
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, S->path, NULL,
                            XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (S->doctype_line > 0) {
        diag_error(S->d, S->path, S->doctype_line,
                   "a DOCTYPE is not allowed in a %s (refused for safety)", S->spec->what);
        if (doc != NULL) {
            xmlFreeDoc(doc);
            doc = NULL;
        }
    } else if (doc == NULL && S->d->errors == 0) {
        diag_error(S->d, S->path, 1, "not a well-formed XML document");
    } else if (doc != NULL && !ctxt->wellFormed) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

static int validate_schema(safe_ctx *S, xmlDocPtr doc)
{
    const stoic_embedded_file *xsd = stoic_embedded_find(S->spec->schema);
    xmlSchemaParserCtxtPtr pctxt;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt;
    xmlNode *root;
    int rc = -1;
    if (xsd == NULL) {
        diag_io(S->d, NULL, "internal error: schema not compiled in");
        return -1;
    }
    pctxt = xmlSchemaNewMemParserCtxt((const char *)xsd->data, (int)xsd->len);
    if (pctxt != NULL) {
        schema = xmlSchemaParse(pctxt);
        xmlSchemaFreeParserCtxt(pctxt);
    }
    if (schema == NULL) {
        diag_io(S->d, NULL, "internal error: the compiled-in schema does not parse");
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !xml_safe_is_el(root, S->spec->ns, S->spec->root)) {
        diag_error(S->d, S->path, root != NULL ? xml_safe_line(root) : 1L,
                   "the root element must be <%s> in the namespace \"%s\"", S->spec->root,
                   S->spec->ns);
        xmlSchemaFree(schema);
        return -1;
    }
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt != NULL) {
        xmlSchemaSetValidStructuredErrors(vctxt, on_xml_error, S);
        rc = xmlSchemaValidateDoc(vctxt, doc);
        xmlSchemaFreeValidCtxt(vctxt);
    }
    xmlSchemaFree(schema);
    if (rc != 0 && S->d->errors == 0) {
        diag_error(S->d, S->path, 1, "the document does not match the %s schema",
                   S->spec->label);
    }
    return rc == 0 ? 0 : -1;
}

xmlDocPtr xml_safe_parse(const char *path, const xml_safe_spec *spec, char sha256[65], diag *d)
{
    safe_ctx S;
    char *buf = NULL;
    size_t len = 0;
    int rc;
    xmlDocPtr doc;

    memset(&S, 0, sizeof S);
    S.path = path;
    S.spec = spec;
    S.d = d;
    rc = fileio_read_all(path, (size_t)spec->max_bytes, &buf, &len);
    if (rc == -1) {
        diag_error(d, path, 0, "cannot read the %s: %s", spec->what, strerror(errno));
        return NULL;
    }
    if (rc == -2) {
        diag_error(d, path, 0, "%s larger than %ld bytes", spec->what, spec->max_bytes);
        return NULL;
    }
    if (sha256 != NULL) {
        sha256_hex(buf, len, sha256);
    }
    LIBXML_TEST_VERSION
    doc = parse_xml(&S, buf, len);
    free(buf);
    if (S.oom) {
        diag_io(d, path, "out of memory");
        return NULL;
    }
    if (doc != NULL && validate_schema(&S, doc) != 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}
