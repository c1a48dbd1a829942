/* The unit tests' one assertion: CHECK(cond, fmt, ...) prints file:line and the message when cond is false. */
#ifndef JCLUSTER_CHECK_H
#define JCLUSTER_CHECK_H

#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        check_count++;                                                             \
        if (!(cond)) {                                                             \
            check_failures++;                                                      \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);      \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
        }                                                                          \
    } while (0)

/* main's return: 0 when every check held; else 1, and the tally on stderr. Quiet on success. */
static inline int check_done(const char *name) {
    if (check_failures == 0) return 0;
    fprintf(stderr, "%s: %d checks, %d failed\n", name, check_count, check_failures);
    return 1;
}

#endif
