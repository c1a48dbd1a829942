/*
 * Request figures of one tracked connection. The first read of a request stamps its start: when its
 * bytes arrived, as the kernel stamped them (SO_TIMESTAMPNS, asked for at accept), so the time the
 * request waited in the socket before the app read it counts too, else when it was read. Writes go
 * through the connection's response reader (http1.c), which finds each response's status line
 * however the app cuts its writes. Nothing here blocks, allocates or takes a lock. The times are
 * CLOCK_REALTIME, the kernel's stamps' clock; a latency that would come out negative (the clock set
 * back) is 0.
 *
 * A connection is measured when its first read looks like an HTTP/1.x request (an upper-case method
 * token, not HTTP/2's "PRI * HTTP/2.0" preface); TLS and other protocols are left alone.
 */
#include "measure.h"

#include "figures.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static uint64_t nanos(const struct timespec *t) {
    return (uint64_t) t->tv_sec * 1000000000u + (uint64_t) t->tv_nsec;
}

static uint64_t now_nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return nanos(&t);
}

void measure_accepted(int fd) {
    int e = errno;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    errno = e;
}

int measure_starts_request(const struct conn *c) {
    return c->carries != CARRIES_OTHER && __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) == 0;
}

/* Up to cap of the first bytes of the cnt buffers of iov, of n read. */
static size_t first_bytes(const struct iovec *iov, int cnt, size_t n, char *out, size_t cap) {
    size_t have = 0;
    for (int i = 0; i < cnt && have < cap && have < n; i++) {
        size_t take = iov[i].iov_len;
        if (take > cap - have) take = cap - have;
        if (take > n - have) take = n - have;
        memcpy(out + have, iov[i].iov_base, take);
        have += take;
    }
    return have;
}

void measure_read(struct conn *c, const struct iovec *iov, int cnt, size_t n, const struct timespec *arrived) {
    if (c->carries == CARRIES_OTHER || __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) != 0) return;
    /* the first read of a request: its start (and the one clock reading a read may cost) */
    char head[5] = {0};
    size_t have = first_bytes(iov, cnt, n, head, sizeof head);
    if (c->carries == CARRIES_UNKNOWN) {
        int http1 = head[0] >= 'A' && head[0] <= 'Z' && !(have >= 4 && memcmp(head, "PRI ", 4) == 0);
        c->carries = http1 ? CARRIES_HTTP1 : CARRIES_OTHER;
        if (!http1) return;
    }
    __atomic_store_n(&c->head, (unsigned char) (have == 5 && memcmp(head, "HEAD ", 5) == 0), __ATOMIC_RELAXED);
    uint64_t at = arrived != NULL && arrived->tv_sec > 0 ? nanos(arrived) : now_nanos();
    __atomic_store_n(&c->request_at, at, __ATOMIC_RELAXED);
}

/*
 * A final response's status line: counted, with the time since its request's first read. With no
 * read since the previous response, its request came with an earlier one (pipelined) and was read
 * before that response: timed from that response, a time it is known to have waited at least.
 */
static int responded(void *ctx, int status) {
    struct conn *c = ctx;
    uint64_t now = now_nanos();
    uint64_t since = __atomic_exchange_n(&c->request_at, 0, __ATOMIC_RELAXED);
    if (since == 0) since = __atomic_load_n(&c->answered_at, __ATOMIC_RELAXED);
    __atomic_store_n(&c->answered_at, now, __ATOMIC_RELAXED);
    figures_response(status, since == 0 ? -1 : now > since ? (int64_t) ((now - since) / 1000) : 0);
    return __atomic_exchange_n(&c->head, 0, __ATOMIC_RELAXED);
}

void measure_written(struct conn *c, const struct iovec *iov, int cnt, size_t n) {
    if (c->carries == CARRIES_OTHER || http1_off(&c->reader)) return;
    for (int i = 0; i < cnt && n > 0; i++) {
        size_t take = iov[i].iov_len < n ? iov[i].iov_len : n;
        http1_read(&c->reader, iov[i].iov_base, take, responded, c);
        n -= take;
    }
}

void measure_sent_file(struct conn *c, size_t n) {
    if (c->carries != CARRIES_OTHER) http1_skip(&c->reader, n);
}

void measure_closing(struct conn *c) {
    if (c->carries == CARRIES_HTTP1 && !http1_off(&c->reader) && __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) != 0) {
        figures_abort();
    }
}
