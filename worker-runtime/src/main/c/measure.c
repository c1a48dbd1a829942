/*
 * Request figures of one tracked connection. The first read of a request stamps its start: when its
 * bytes arrived, as the kernel stamped them (SO_TIMESTAMPNS, asked for at accept), so the time the
 * request waited in the socket before the app read it counts too, else when it was read; it ends when
 * the write that carries its response's status line began. Writes go
 * through the connection's response reader (http1.c), which finds each response's status line
 * however the app cuts its writes. Nothing here blocks, allocates or takes a lock. The times are
 * CLOCK_REALTIME, the kernel's stamps' clock; a latency that would come out negative (the clock set
 * back) is 0.
 *
 * A connection is measured while it carries HTTP/1.x (KIND_HTTP1, protocols.c: its first read began
 * with a method); TLS, HTTP/2 and other protocols are left alone, and so is a WebSocket or an event
 * stream from the response that starts it on.
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
    return c->kind <= KIND_HTTP1 && __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) == 0;
}

void measure_read(struct conn *c, const struct iovec *iov, int cnt, size_t n, const struct timespec *arrived) {
    if (c->kind != KIND_HTTP1 || __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) != 0) return;
    /* the first read of a request: its start (and the one clock reading a read may cost) */
    unsigned char head[5] = {0};
    size_t have = proto_gather(iov, cnt, n, head, sizeof head);
    __atomic_store_n(&c->head, (unsigned char) (have == 5 && memcmp(head, "HEAD ", 5) == 0), __ATOMIC_RELAXED);
    uint64_t at = arrived != NULL && arrived->tv_sec > 0 ? nanos(arrived) : now_nanos();
    __atomic_store_n(&c->request_at, at, __ATOMIC_RELAXED);
}

uint64_t measure_writing(const struct conn *c) {
    return c->kind == KIND_HTTP1 && __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) != 0 ? now_nanos() : 0;
}

/* A write being read for its responses: its connection, and when it began (0: not known). */
struct write {
    struct conn *c;
    uint64_t began;
};

/*
 * A final response's status line: counted, with the time from its request's first read to the
 * beginning of the write that carries it. With no read since the previous response, its request came
 * with an earlier one (pipelined) and was read before that response: timed from that response, a
 * time it is known to have waited at least.
 */
static int responded(void *ctx, int status) {
    struct write *w = ctx;
    struct conn *c = w->c;
    uint64_t now = w->began != 0 ? w->began : now_nanos();
    uint64_t since = __atomic_exchange_n(&c->request_at, 0, __ATOMIC_RELAXED);
    if (since == 0) since = __atomic_load_n(&c->answered_at, __ATOMIC_RELAXED);
    __atomic_store_n(&c->answered_at, now, __ATOMIC_RELAXED);
    figures_response(status, since == 0 ? -1 : now > since ? (int64_t) ((now - since) / 1000) : 0);
    return __atomic_exchange_n(&c->head, 0, __ATOMIC_RELAXED);
}

void measure_written(struct conn *c, const struct iovec *iov, int cnt, size_t n, uint64_t began) {
    if (c->kind > KIND_HTTP1 || http1_off(&c->reader)) return; /* before any read too: a greeting puts the reader off */
    struct write w = {c, began};
    for (int i = 0; i < cnt && n > 0; i++) {
        size_t take = iov[i].iov_len < n ? iov[i].iov_len : n;
        http1_read(&c->reader, iov[i].iov_base, take, responded, &w);
        n -= take;
    }
}

void measure_sent_file(struct conn *c, size_t n) {
    if (c->kind == KIND_HTTP1) http1_skip(&c->reader, n);
}

void measure_closing(struct conn *c) {
    if (c->kind == KIND_HTTP1 && !http1_off(&c->reader) && __atomic_load_n(&c->request_at, __ATOMIC_RELAXED) != 0) {
        figures_abort();
    }
}
