/* fuzz_php_lex.c: the PHP lexer (sg_php_lex) from outside PHP (a file) and
 * from inside code (an eval'd string), and the open-tag finder.  Checks what
 * the analyser relies on: the tokens are contiguous and cover the input
 * exactly, every token but END has bytes, each kind is valid, and each line
 * number is 1 + the newlines before the token. */
#include <string.h>
#include "fuzz.h"
#include "sg_php_lex.h"

static void check_tokens(const char *buf, size_t size, int code)
{
    sg_php_lexer_t lx;
    sg_tok_t tok;
    size_t off = 0, line = 1, i;

    if (code) sg_php_lex_init_code(&lx, buf, size);
    else sg_php_lex_init(&lx, buf, size);
    for (;;) {
        sg_tk_kind_t kind = sg_php_lex_next(&lx, &tok);
        if (kind != tok.kind || (unsigned)kind > SG_TK_ATTR) __builtin_trap();
        if (tok.text != buf + off || tok.line != line) __builtin_trap();
        if (kind == SG_TK_END) break;
        if (tok.len == 0 || tok.len > size - off) __builtin_trap();
        if (tok.flags & ~(unsigned)(SG_TK_UNTERMINATED | SG_TK_INTERP)) __builtin_trap();
        for (i = 0; i < tok.len; i++) line += tok.text[i] == '\n';
        off += tok.len;
    }
    if (off != size || tok.len != 0) __builtin_trap();
    /* END stays END */
    if (sg_php_lex_next(&lx, &tok) != SG_TK_END) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    apr_ssize_t at;

    check_tokens(buf, size, 0);
    check_tokens(buf, size, 1);
    at = sg_php_find_open_tag(buf, size);
    if (at < -1 || (at >= 0 && ((size_t)at + 2 > size || buf[at] != '<'))) __builtin_trap();
    return 0;
}
