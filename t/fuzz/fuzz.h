/* fuzz.h: shared setup of the libFuzzer harnesses in t/fuzz.
 *
 * Each fuzz_*.c defines LLVMFuzzerTestOneInput.  Built with --enable-fuzzing
 * (clang, -fsanitize=fuzzer) it is a libFuzzer binary; otherwise replay.c
 * supplies main() and the same harness replays corpus files in make check.
 */
#ifndef SG_FUZZ_H
#define SG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <apr_pools.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Initialises APR once; returns the process-wide parent pool. */
apr_pool_t *fuzz_root_pool(void);

/* A fresh scratch pool for one input (destroy it at the end). */
apr_pool_t *fuzz_pool(void);

/* Writes DATA[0..SIZE) to a file named NAME in this process's private temp
 * directory and returns its path (from P); NULL when writing failed. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size, apr_pool_t *p);

/* DATA[0..SIZE) as a NUL-terminated copy from P. */
char *fuzz_strdup(const uint8_t *data, size_t size, apr_pool_t *p);

/* Stops the run (a crash libFuzzer keeps) when COND is false, saying which
 * check failed and where. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));

#endif /* SG_FUZZ_H */
