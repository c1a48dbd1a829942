/* The request figures measured at the socket, as atomic counters: no lock on the write path. */
#include "figures.h"

#include <stdio.h>

static long responses[6];             /* by status class: [2] = 2xx ... [5] = 5xx */
static long aborts;
static long latency_sum;              /* µs, of the responses with a known latency */
static long latency_max = -1;         /* µs, since the last figures_put */
static long buckets[FIGURES_BUCKETS]; /* responses per latency bucket, since start */

int figures_bucket_of(uint64_t value) {
    if (value < (1u << FIGURES_SUB_BITS)) return (int) value;
    int exponent = 63 - __builtin_clzll(value);
    int sub = (int) (value >> (exponent - FIGURES_SUB_BITS)) - (1 << FIGURES_SUB_BITS);
    return ((exponent - FIGURES_SUB_BITS + 1) << FIGURES_SUB_BITS) + sub;
}

void figures_response(int status, int64_t micros) {
    int k = status / 100;
    if (k < 2 || k > 5) return;
    __atomic_add_fetch(&responses[k], 1, __ATOMIC_RELAXED);
    if (micros < 0) return;
    __atomic_add_fetch(&buckets[figures_bucket_of((uint64_t) micros)], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&latency_sum, (long) micros, __ATOMIC_RELAXED);
    long max = __atomic_load_n(&latency_max, __ATOMIC_RELAXED);
    while (micros > max && !__atomic_compare_exchange_n(&latency_max, &max, (long) micros, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void figures_abort(void) {
    __atomic_add_fetch(&aborts, 1, __ATOMIC_RELAXED);
}

int figures_any(void) {
    if (__atomic_load_n(&aborts, __ATOMIC_RELAXED) > 0) return 1;
    for (int k = 2; k <= 5; k++) {
        if (__atomic_load_n(&responses[k], __ATOMIC_RELAXED) > 0) return 1;
    }
    return 0;
}

/* Appends one key=value line; 0, or -1 when it does not fit. */
static int field(char *out, size_t cap, size_t *len, const char *key, long value) {
    int n = snprintf(out + *len, cap - *len, "%s=%ld\n", key, value);
    if (n < 0 || (size_t) n >= cap - *len) return -1;
    *len += (size_t) n;
    return 0;
}

int figures_put(char *out, size_t cap, size_t len) {
    size_t start = len;
    long by_class[6] = {0};
    long total = 0;
    for (int k = 2; k <= 5; k++) {
        by_class[k] = __atomic_load_n(&responses[k], __ATOMIC_RELAXED);
        total += by_class[k];
    }
    char key[32];
    int ok = field(out, cap, &len, "http.requests", total) == 0;
    for (int k = 2; k <= 5 && ok; k++) {
        snprintf(key, sizeof key, "http.status.%dxx", k);
        ok = field(out, cap, &len, key, by_class[k]) == 0;
    }
    ok = ok && field(out, cap, &len, "http.aborts", __atomic_load_n(&aborts, __ATOMIC_RELAXED)) == 0;
    ok = ok && field(out, cap, &len, "http.latency.sum", __atomic_load_n(&latency_sum, __ATOMIC_RELAXED)) == 0;
    for (int b = 0; b < FIGURES_BUCKETS && ok; b++) {
        long count = __atomic_load_n(&buckets[b], __ATOMIC_RELAXED);
        if (count == 0) continue;
        snprintf(key, sizeof key, "http.latency.b%d", b);
        ok = field(out, cap, &len, key, count) == 0;
    }
    if (!ok) {
        out[start] = '\0';
        return -1;
    }
    long max = __atomic_exchange_n(&latency_max, -1, __ATOMIC_RELAXED);
    if (max >= 0 && field(out, cap, &len, "http.latency.max", max) < 0) {
        __atomic_store_n(&latency_max, max, __ATOMIC_RELAXED);
        out[start] = '\0';
        return -1;
    }
    return (int) len;
}
