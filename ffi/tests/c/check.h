/* check.h - tiny assertion helpers of the C API tests. */
#ifndef PPPP_TEST_CHECK_H
#define PPPP_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                        \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                  \
    do {                                                                                \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                 \
        if (check_a_ != check_b_) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, \
                    __LINE__, #a, #b, check_a_, check_b_);                              \
            check_failures++;                                                           \
        }                                                                               \
    } while (0)

#define CHECK_DONE(name)                                                  \
    do {                                                                  \
        if (check_failures) {                                             \
            fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures); \
            return 1;                                                     \
        }                                                                 \
        printf("%s: all checks passed\n", name);                          \
        return 0;                                                         \
    } while (0)

#endif
