/* php_lex_dump.c: prints sg_php_lex's tokens of PHP files, for the
 * differential test against PHP's token_get_all (t/unit/php_lex_diff.sh)
 * and the throughput benchmark (t/bench/php-lex.sh).
 *
 *   php_lex_dump [-c] FILE...      tokens of each FILE
 *   php_lex_dump [-c] -l           the same, file names read from stdin
 *   php_lex_dump -b [-l] [FILE...] no tokens: files, bytes, tokens, MB/s
 *
 * -c lexes from inside PHP code (sg_php_lex_init_code).  Per file it prints
 * "F PATH", one "OFFSET LENGTH KIND LINE" line per token, then "E".  The
 * format is shared with t/unit/php_lex_tokens.php, so one file's two dumps
 * can be compared with diff(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sg_php_lex.h"

static const char *const kind_names[] = {
    "END", "HTML", "OPEN", "OPEN_ECHO", "CLOSE", "WS", "COMMENT", "DOC_COMMENT", "VAR", "NAME",
    "NUM", "SQ", "DQ", "BACKTICK", "HEREDOC", "NOWDOC", "CAST", "OP", "ATTR"
};

typedef struct {
    int code;                  /* -c: start inside PHP */
    int bench;                 /* -b: count and time only */
    unsigned long files;       /* files lexed */
    unsigned long long bytes;  /* their bytes */
    unsigned long long tokens; /* their tokens */
    double seconds;            /* time spent in the lexer */
} dump_t;

/* Reads PATH whole into a malloc'd buffer; NULL on error. */
static char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t)n + 1)) != NULL) {
        *size = fread(buf, 1, (size_t)n, f);
        if (*size != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lexes one buffer: prints its tokens, or (bench) only counts them. */
static void lex_buffer(dump_t *d, const char *buf, size_t len)
{
    sg_php_lexer_t lx;
    sg_tok_t tok;
    double t0 = now();

    if (d->code) sg_php_lex_init_code(&lx, buf, len);
    else sg_php_lex_init(&lx, buf, len);
    while (sg_php_lex_next(&lx, &tok) != SG_TK_END) {
        d->tokens++;
        if (!d->bench) {
            printf("%lu %lu %s %lu\n", (unsigned long)(tok.text - buf), (unsigned long)tok.len,
                   kind_names[tok.kind], (unsigned long)tok.line);
        }
    }
    d->seconds += now() - t0;
    d->bytes += len;
    d->files++;
}

static int dump_file(dump_t *d, const char *path)
{
    size_t len = 0;
    char *buf = slurp(path, &len);

    if (!buf) {
        fprintf(stderr, "php_lex_dump: cannot read %s\n", path);
        return 1;
    }
    if (!d->bench) printf("F %s\n", path);
    lex_buffer(d, buf, len);
    if (!d->bench) printf("E\n");
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    dump_t d;
    int i, from_stdin = 0, failed = 0;
    char line[4096];

    memset(&d, 0, sizeof(d));
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "-c")) d.code = 1;
        else if (!strcmp(argv[i], "-b")) d.bench = 1;
        else if (!strcmp(argv[i], "-l")) from_stdin = 1;
        else {
            fprintf(stderr, "usage: php_lex_dump [-b] [-c] [-l] [FILE...]\n");
            return 2;
        }
    }
    for (; i < argc; i++) failed |= dump_file(&d, argv[i]);
    while (from_stdin && fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0]) failed |= dump_file(&d, line);
    }
    if (d.bench) {
        printf("%lu files, %llu bytes, %llu tokens, %.3f s in the lexer, %.1f MB/s\n", d.files,
               d.bytes, d.tokens, d.seconds,
               d.seconds > 0 ? (double)d.bytes / 1e6 / d.seconds : 0.0);
    }
    return failed ? 2 : 0;
}
