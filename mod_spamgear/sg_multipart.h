#ifndef SG_MULTIPART_H
#define SG_MULTIPART_H
/*
 * A strict streaming multipart/form-data parser for upload scanning.
 *
 * Fed a body in chunks of any size, it calls the host back for every part:
 * begin (headers parsed), data (any number of times), end.  It is strict
 * wherever a lenient reading could differ from PHP's (main/rfc1867.c) and so
 * let a file past the scanner that PHP still stores: such bodies are refused
 * with SG_MP_EREFUSED and a one-line reason, and the host answers 400.
 *
 * Refused: a Content-Type without exactly one valid boundary, data before
 * the first boundary, a boundary line with anything but CRLF or "--" after
 * it, "\n--BOUNDARY" not preceded by CR (PHP takes it as a delimiter), bare
 * CR or LF in part headers, folded or malformed header lines, duplicate
 * Content-Disposition/Content-Type/Content-Transfer-Encoding, a missing or
 * non-form-data Content-Disposition, unquoted or escaped parameter values,
 * unknown or duplicate parameters (filename*=, name*=), a nested
 * multipart/... part, a transfer encoding other than 7bit/8bit/binary,
 * anything after the final boundary but one CRLF, a body that ends before
 * the final boundary, and every cap below.
 */
#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_file_io.h>
#include "sg_result.h"

#define SG_MP_EREFUSED (APR_OS_START_USERERR + 4100) /* body refused: answer 400 */
#define SG_MP_MAX_BOUNDARY 70        /* RFC 2046 boundary length */
#define SG_MP_DEFAULT_MAX_PARTS 256  /* parts per body */
#define SG_MP_DEFAULT_MAX_HEADER 8192 /* bytes of one part's header block */
/* Bytes of one part header line, CRLF included.  PHP reads part headers in
 * lines of at most 5120 bytes (FILLUNIT in main/rfc1867.c) and takes the rest
 * of a longer line as a line of its own, where a second Content-Disposition
 * can hide; longer lines are refused, with room to spare. */
#define SG_MP_MAX_HEADER_LINE 4096

typedef struct sg_mp_t sg_mp_t;

/* One part, as the callbacks see it (strings live in the parser's pool). */
typedef struct sg_mp_part_t {
    int index;                 /* 0 for the first part */
    const char *name;          /* form field name */
    const char *filename;      /* client file name as sent; NULL: not a file part */
    const char *php_filename;  /* what PHP puts in $_FILES[..]['name'] (basename) */
    const char *content_type;  /* part Content-Type; NULL when absent */
    apr_off_t offset;          /* body offset of the part's first data byte */
} sg_mp_part_t;

typedef struct sg_mp_callbacks_t {
    apr_status_t (*begin)(void *baton, const sg_mp_part_t *part);   /* may be NULL */
    apr_status_t (*data)(void *baton, const sg_mp_part_t *part,
                         const char *buf, apr_size_t len);          /* may be NULL */
    apr_status_t (*end)(void *baton, const sg_mp_part_t *part);     /* may be NULL */
} sg_mp_callbacks_t;

typedef struct sg_mp_limits_t {
    int max_parts;             /* parts per body */
    apr_size_t max_header;     /* bytes of one part's header block */
} sg_mp_limits_t;

/* Finds the boundary in the request's CONTENT_TYPE (multipart/form-data);
 * sets *BOUNDARY (from P).  SG_MP_EREFUSED with RES set when it is missing,
 * repeated, empty, longer than SG_MP_MAX_BOUNDARY or has characters PHP
 * would read differently. */
apr_status_t sg_mp_boundary(const char *content_type, apr_pool_t *p, const char **boundary,
                            sg_result_t *res);

/* 1 when CONTENT_TYPE's media type is multipart/form-data (PHP parses it). */
int sg_mp_is_form_data(const char *content_type);

/* Creates a parser from P for BOUNDARY; LIMITS NULL: the defaults.  CB and
 * BATON are kept; a callback's non-success status stops the parser and is
 * returned by sg_mp_feed as is. */
sg_mp_t *sg_mp_create(apr_pool_t *p, const char *boundary, const sg_mp_limits_t *limits,
                      const sg_mp_callbacks_t *cb, void *baton);

/* Feeds BUF[0..LEN).  SG_MP_EREFUSED with RES set when the body is refused;
 * after any error the parser refuses everything. */
apr_status_t sg_mp_feed(sg_mp_t *mp, const char *buf, apr_size_t len, sg_result_t *res);

/* Ends the body: SG_MP_EREFUSED unless the final boundary was seen. */
apr_status_t sg_mp_finish(sg_mp_t *mp, sg_result_t *res);

/* Parts begun so far. */
int sg_mp_parts(const sg_mp_t *mp);

/* ---- application/x-www-form-urlencoded (SpamGearUploadBodies form) */

#define SG_FORM_DEFAULT_MAX_FIELDS 10000 /* fields per body (PHP keeps max_input_vars) */

/* Called per field: NAME and VALUE[0..LEN) decoded and NUL-ended, valid
 * only during the call. */
typedef apr_status_t (*sg_form_field_fn)(void *baton, const char *name, const char *value,
                                         apr_size_t len);

/* 1 when CONTENT_TYPE's media type is application/x-www-form-urlencoded. */
int sg_form_is_urlencoded(const char *content_type);

/* Splits BUF[0..LEN) at '&' into NAME=VALUE fields and decodes both as PHP
 * does ('+' a space, %XX a byte, any other '%' kept as is; no '=': an empty
 * value), calling FN for each non-empty field in order.  FN's non-success
 * status stops and is returned; SG_MP_EREFUSED with RES set when there are
 * more than MAX_FIELDS fields (0: the default).  One buffer of LEN + 2 bytes
 * from P. */
apr_status_t sg_form_parse(const char *buf, apr_size_t len, int max_fields, sg_form_field_fn fn,
                           void *baton, apr_pool_t *p, sg_result_t *res);

#endif /* SG_MULTIPART_H */
