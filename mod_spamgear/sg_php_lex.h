#ifndef SG_PHP_LEX_H
#define SG_PHP_LEX_H
/*
 * A PHP lexer for the analyser: linear time, no allocation, tolerant of
 * broken and truncated code.
 *
 * It reads every PHP 5-8 token form: inline HTML, open tags (<?php, <?=,
 * the short tag <? and PHP 5's <script language="php">), close tags, single-
 * and double-quoted strings, backticks, heredoc and nowdoc (PHP 7.3 flexible
 * closing labels), line comments (which end at ?>), block and doc comments,
 * casts, numbers in every base with '_' separators, names (qualified and
 * fully qualified, as PHP 8 does) and every operator.
 *
 * Token boundaries follow PHP 8's token_get_all() (short_open_tag on), with
 * three documented differences (t/unit/php_lex_diff.sh lists and tests them):
 * a double-quoted string, backtick string, heredoc or nowdoc is one token
 * here (PHP splits it into parts), nested strings inside {$...} included;
 * "<?" followed by "xml" is inline HTML here (PHP would take it as a short
 * tag; no real server runs XML declarations as code); and PHP 5's
 * <script language="php"> opens code here (PHP 7+ reads it as HTML).  As in
 * PHP, line comments end before their newline, a name after -> or ?-> is a
 * plain label, "yield from" is one token, and the bytes after
 * __halt_compiler and the three tokens that follow it are one HTML token.
 *
 * The lexer is an iterator over the caller's buffer: tokens point into it.
 * An unterminated string, comment or heredoc ends at the end of the buffer
 * with SG_TK_UNTERMINATED set in its flags.
 */
#include <apr.h>

typedef enum {
    SG_TK_END = 0,        /* no more tokens */
    SG_TK_HTML,           /* text outside PHP */
    SG_TK_OPEN,           /* <?php, <?, <script language="php"> */
    SG_TK_OPEN_ECHO,      /* <?= */
    SG_TK_CLOSE,          /* ?> (with its newline), </script> after a script tag */
    SG_TK_WS,             /* blanks */
    SG_TK_COMMENT,        /* //, #, block comment */
    SG_TK_DOC_COMMENT,    /* doc comment */
    SG_TK_VAR,            /* $name */
    SG_TK_NAME,           /* identifier, keyword or qualified name */
    SG_TK_NUM,            /* integer or float literal */
    SG_TK_SQ,             /* '...' */
    SG_TK_DQ,             /* "..." (may interpolate) */
    SG_TK_BACKTICK,       /* `...` */
    SG_TK_HEREDOC,        /* <<<ID ... ID (may interpolate) */
    SG_TK_NOWDOC,         /* <<<'ID' ... ID */
    SG_TK_CAST,           /* (int), ( string ), ... */
    SG_TK_OP,             /* operator or punctuation */
    SG_TK_ATTR            /* #[ (PHP 8 attribute start) */
} sg_tk_kind_t;

#define SG_TK_UNTERMINATED 1   /* the string/comment/heredoc ran to the end */
#define SG_TK_INTERP 2         /* a DQ/backtick/heredoc with $ or {$ inside */

/* An operator's bytes (up to three) packed into an integer, so that
 * comparing a token with an operator is one integer compare:
 * tok->op == SG_OP("->").  S must be a string literal. */
#define SG_OP(s) ((unsigned)(unsigned char)(s)[0] \
    | (sizeof(s) > 2 ? (unsigned)(unsigned char)(s)[sizeof(s) > 2 ? 1 : 0] << 8 : 0u) \
    | (sizeof(s) > 3 ? (unsigned)(unsigned char)(s)[sizeof(s) > 3 ? 2 : 0] << 16 : 0u))

typedef struct sg_tok_t {
    sg_tk_kind_t kind;       /* what it is */
    unsigned flags;          /* SG_TK_UNTERMINATED, SG_TK_INTERP */
    unsigned op;             /* SG_TK_OP: its bytes as SG_OP() packs them; else 0 */
    const char *text;        /* first byte, in the lexed buffer */
    apr_size_t len;          /* bytes */
    apr_size_t line;         /* 1-based line of its first byte */
} sg_tok_t;

typedef struct sg_php_lexer_t {
    const char *buf;         /* the input */
    apr_size_t len;          /* its bytes */
    apr_size_t pos;          /* next byte to read */
    apr_size_t line;         /* line at pos */
    int in_php;              /* 1: inside PHP code */
    int script_tag;          /* 1: opened by <script language="php"> */
    int property;            /* 1: after -> or ?->, a name is a plain label */
    int halt;                /* tokens to read after __halt_compiler, 0: none */
    int halted;              /* 1: the rest of the buffer is data (HTML) */
    unsigned long junk;      /* control bytes (not blanks) read as code: PHP 8
                              * refuses to compile a file with one */
    apr_size_t junk_line;    /* line of the first of them */
} sg_php_lexer_t;

/* Starts LX over BUF[0..LEN), outside PHP (as a file starts). */
void sg_php_lex_init(sg_php_lexer_t *lx, const char *buf, apr_size_t len);

/* Starts LX over BUF[0..LEN) inside PHP code (eval'd strings, payloads). */
void sg_php_lex_init_code(sg_php_lexer_t *lx, const char *buf, apr_size_t len);

/* Inside PHP code, moves LX past the blanks at its position, as reading
 * their whitespace token would (no other state changes); else does nothing.
 * For readers that drop whitespace: a call instead of a token each. */
void sg_php_lex_skip_blanks(sg_php_lexer_t *lx);

/* Reads the next token into *TOK; returns its kind (SG_TK_END at the end). */
sg_tk_kind_t sg_php_lex_next(sg_php_lexer_t *lx, sg_tok_t *tok);

/* The offset of the first PHP open tag in BUF[0..LEN) that starts code, or
 * -1.  "<?php" and "<?=" always count; the short tag "<?" counts when it is
 * not "<?xml" and is followed by PHP-looking text (printable, a variable, a
 * call or a statement end within 64 bytes), so that the random "<? " in
 * compressed image data is not taken for code. */
apr_ssize_t sg_php_find_open_tag(const char *buf, apr_size_t len);

/* 1 when TOK is the operator or punctuation OP (a NUL-terminated string). */
int sg_tok_is_op(const sg_tok_t *tok, const char *op);

#endif /* SG_PHP_LEX_H */
