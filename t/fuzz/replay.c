/* replay.c: main() for a harness built without libFuzzer: runs it once on
 * each file named on the command line (the committed corpora, in make check),
 * as libFuzzer itself does when given files. */
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"

/* Reads PATH whole into a malloc'd buffer of exactly its size (so ASan sees
 * any read past the end); NULL on error. */
static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t)n + (n == 0))) != NULL) {
        *size = fread(buf, 1, (size_t)n, f);
        if (*size != (size_t)n) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        size_t size = 0;
        unsigned char *buf = slurp(argv[i], &size);

        if (!buf) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 2;
        }
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
    }
    printf("replay: %d inputs ran\n", argc - 1);
    return 0;
}
