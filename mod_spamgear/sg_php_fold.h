#ifndef SG_PHP_FOLD_H
#define SG_PHP_FOLD_H
/*
 * Constant folding for the PHP analyser: the value of a literal token, and
 * the value of a builtin string function (decoders, transforms) or string
 * operator applied to constant operands.  Nothing is executed: each builtin
 * is reimplemented for the cases obfuscators use.
 *
 * Every result is at most MAX bytes (the caller's remaining budget); a
 * result that would be larger is not folded (the call returns 0).  Results
 * are NUL-terminated and allocated from P.
 */
#include <apr_pools.h>
#include "sg_php_lex.h"

/* A constant string (bytes may include NUL), or an array of them. */
typedef struct sg_php_str_t {
    const char *s;                     /* bytes */
    apr_size_t n;                      /* length */
} sg_php_str_t;

typedef struct sg_php_arg_t {
    sg_php_str_t v;                    /* the scalar value (arrays: unused) */
    const sg_php_str_t *items;         /* NULL, or the elements of a constant array */
    int nitems;                        /* number of items */
} sg_php_arg_t;

/* The value of the literal TOK (SQ, DQ, HEREDOC or NOWDOC without
 * interpolation; NUM as its decimal text) into *OUT.  Sets *ESCAPED when an
 * escape sequence (\x41, \101, \u{41}) produced a byte.  Returns 0 when the
 * token has no constant value (interpolation). */
int sg_php_literal(const sg_tok_t *tok, apr_pool_t *p, sg_php_str_t *out, int *escaped);

/* The bytes of LEN raw characters of a double-quoted string body (escape
 * sequences decoded, the quotes not included) into *OUT; sets *ESCAPED as
 * sg_php_literal() does.  For the text between interpolated variables. */
void sg_php_unescape_dq(const char *s, apr_size_t len, apr_pool_t *p, sg_php_str_t *out,
                        int *escaped);

/* Folds the builtin NAME (lower-case, NUL-terminated) over ARGS[0..NARGS).
 * Returns 1 with *OUT set, or 0 when NAME is not foldable here or its
 * arguments are not usable.  Sets *DECODER when NAME decodes data (base64,
 * inflate, hex, rot13, url...) rather than just reshaping it. */
int sg_php_fold_call(const char *name, const sg_php_arg_t *args, int nargs, apr_size_t max,
                     apr_pool_t *p, sg_php_str_t *out, int *decoder);

/* Folds A OP B for OP one of . ^ | & + - * / % << >> (strings or numbers as
 * PHP would treat them here); ~A when OP is '~' (B unused).  Returns 0 when
 * not foldable. */
int sg_php_fold_op(const char *op, apr_size_t oplen, const sg_php_str_t *a,
                   const sg_php_str_t *b, apr_size_t max, apr_pool_t *p, sg_php_str_t *out);

/* 1 when NAME is a builtin sg_php_fold_call() knows (so a call of a
 * non-constant argument still tells "this transforms data"). */
int sg_php_fold_known(const char *name);

#endif /* SG_PHP_FOLD_H */
