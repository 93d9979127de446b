/* The tests' one assertion: counts passes and failures, and says what failed and where. Each test
 * program prints "NAME: N passed, N failed" at the end and exits non-zero on any failure. */
#ifndef TOKENKIT_TEST_CHECK_H
#define TOKENKIT_TEST_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (cond) {                                                          \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

#endif
