/*
 * The drain's end of HTTP/2, WebSocket and server-sent-event connections (ends.h). The app's threads
 * feed each connection's cursor as they read or write it; the session thread makes the ends due when
 * the drain starts, and sends what it can at once (a connection the app does not write to). A
 * connection's writes of its end and of the app are serialized by its lock byte, which the session
 * thread only tries.
 */
#include "ends.h"

#include "preload.h"
#include "protocols.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>

static void lock(struct conn *c) {
    unsigned char free = 0;
    while (!__atomic_compare_exchange_n(&c->lock, &free, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        free = 0;
        sched_yield(); /* the session thread holds it for one non-blocking send */
    }
}

static int try_lock(struct conn *c) {
    unsigned char free = 0;
    return __atomic_compare_exchange_n(&c->lock, &free, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void unlock(struct conn *c) {
    __atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
}

static unsigned char end_of(const struct conn *c) {
    return __atomic_load_n(&c->end, __ATOMIC_ACQUIRE);
}

/* Feeds the first n bytes of iov to f, but for the first skip of them. */
static void feed(void (*f)(void *, const unsigned char *, size_t), void *cursor, const struct iovec *iov, int cnt, size_t n,
        size_t skip) {
    for (int i = 0; i < cnt && n > 0; i++) {
        size_t take = iov[i].iov_len < n ? iov[i].iov_len : n;
        if (take > skip) f(cursor, (const unsigned char *) iov[i].iov_base + skip, take - skip);
        skip = skip > take ? skip - take : 0;
        n -= take;
    }
}

static void feed_h2(void *c, const unsigned char *b, size_t n) { h2_feed(c, b, n); }
static void feed_ws(void *c, const unsigned char *b, size_t n) { ws_feed(c, b, n); }
static void feed_sse(void *c, const unsigned char *b, size_t n) { sse_feed(c, b, n); }

void ends_read(struct conn *c, int fd, const struct iovec *iov, int cnt, size_t r) {
    if (c->kind == KIND_UNKNOWN) {
        unsigned char first[16];
        size_t have = proto_gather(iov, cnt, r, first, sizeof first);
        c->kind = (unsigned char) proto_first_read(first, have);
        return;
    }
    if (c->kind != KIND_WS) return;
    feed(feed_ws, &c->at.ws.client, iov, cnt, r, 0);
    /* a frame just ended and the Close is due: wake the app's next read, which gets it */
    if (end_of(c) == END_DUE && ws_at_boundary(&c->at.ws.client)) next_shutdown(fd, SHUT_RD);
}

int ends_instead_of_read(struct conn *c, const struct iovec *iov, int cnt, int after_eof, ssize_t *result) {
    (void) after_eof;
    if (c->kind != KIND_WS) return 0;
    unsigned char end = end_of(c);
    if (end == END_EOF) {
        *result = 0;
        return 1;
    }
    if (end != END_DUE || !ws_at_boundary(&c->at.ws.client)) return 0;
    size_t off = c->end_off, put = 0;
    for (int i = 0; i < cnt && off < sizeof WS_CLOSE_1001; i++) {
        size_t take = sizeof WS_CLOSE_1001 - off;
        if (take > iov[i].iov_len) take = iov[i].iov_len;
        memcpy(iov[i].iov_base, WS_CLOSE_1001 + off, take);
        off += take;
        put += take;
    }
    if (put == 0) return 0; /* no room: the app's read of nothing */
    c->end_off = (unsigned char) off;
    if (off == sizeof WS_CLOSE_1001) __atomic_store_n(&c->end, END_EOF, __ATOMIC_RELEASE);
    *result = (ssize_t) put;
    return 1;
}

/* The bytes of c's end, and how many. */
static const unsigned char *end_bytes(const struct conn *c, size_t *len) {
    if (c->kind == KIND_H2) {
        *len = sizeof H2_GOAWAY;
        return H2_GOAWAY;
    }
    *len = c->at.sse.chunked ? sizeof SSE_LAST_CHUNK : 0;
    return SSE_LAST_CHUNK;
}

/*
 * Sends what is left of c's end, without blocking (under c's lock). Returns 1 once all of it is out
 * (an event stream is then shut for writing: the client sees its end), 0 when the socket takes no
 * more now.
 */
static int send_end(struct conn *c, int fd) {
    size_t len;
    const unsigned char *b = end_bytes(c, &len);
    while (c->end_off < len) {
        ssize_t w = next_send(fd, b + c->end_off, len - c->end_off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 0;
        c->end_off = (unsigned char) (c->end_off + w);
    }
    if (c->kind == KIND_SSE) next_shutdown(fd, SHUT_WR);
    __atomic_store_n(&c->end, END_SENT, __ATOMIC_RELEASE);
    return 1;
}

static int at_boundary(const struct conn *c) {
    return c->kind == KIND_H2 ? h2_at_boundary(&c->at.h2) : sse_at_event_boundary(&c->at.sse);
}

/*
 * Whether an h2c connection's first write is not an HTTP/2 server's: an HTTP/1.x answer to the preface
 * (a server that does not speak HTTP/2), or a first frame that is not SETTINGS. It is left alone then.
 */
static int not_h2(const struct conn *c, const struct iovec *iov, int cnt) {
    if (c->at.h2.frames > 0 || c->at.h2.have > 0 || cnt < 1 || iov[0].iov_len < 5) return 0;
    const unsigned char *b = iov[0].iov_base;
    return memcmp(b, "HTTP/", 5) == 0 || b[3] != 0x04;
}

ssize_t ends_write(struct conn *c, int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send) {
    lock(c);
    if (c->kind == KIND_WS) { /* the app's frames go out as they are: where they end is what ends_closing needs */
        ssize_t w = io_put(fd, iov, cnt, flags, msg, as_send);
        int e = errno;
        if (w > 0) feed(feed_ws, &c->at.ws.app, iov, cnt, (size_t) w, 0);
        unlock(c);
        errno = e;
        return w;
    }
    if (c->kind == KIND_H2 && not_h2(c, iov, cnt)) {
        c->kind = KIND_OTHER;
        __atomic_store_n(&c->end, END_NONE, __ATOMIC_RELEASE);
        unlock(c);
        return io_put(fd, iov, cnt, flags, msg, as_send);
    }
    unsigned char end = end_of(c);
    if (c->kind == KIND_SSE && end == END_SENT) {
        unlock(c);
        errno = EPIPE; /* the stream has ended: the client is gone, as far as the app can know */
        return -1;
    }
    if (end == END_DUE && c->end_off > 0 && !send_end(c, fd)) { /* the rest of a partly sent end goes first */
        unlock(c);
        errno = EAGAIN;
        return -1;
    }
    if (c->kind == KIND_SSE && end_of(c) == END_SENT) {
        unlock(c);
        errno = EPIPE;
        return -1;
    }
    ssize_t r = io_put(fd, iov, cnt, flags, msg, as_send);
    int e = errno;
    if (r > 0) {
        if (c->kind == KIND_H2) feed(feed_h2, &c->at.h2, iov, cnt, (size_t) r, 0);
        else feed(feed_sse, &c->at.sse, iov, cnt, (size_t) r, 0);
    }
    if (c->kind == KIND_SSE && sse_ended(&c->at.sse)) { /* the app ended its stream: HTTP/1.x again */
        c->kind = KIND_HTTP1;
        __atomic_store_n(&c->end, END_NONE, __ATOMIC_RELEASE);
    } else if (end_of(c) == END_DUE && at_boundary(c)) {
        send_end(c, fd);
    }
    unlock(c);
    errno = e;
    return r;
}

void ends_written(struct conn *c, const struct iovec *iov, int cnt, ssize_t r) {
    if (r <= 0 || cnt < 1 || iov[0].iov_len < 7 || memcmp(iov[0].iov_base, "HTTP/1.", 7) != 0) return;
    int chunked = 0;
    size_t head = 0;
    int kind = proto_response(iov, cnt, &chunked, &head);
    if (kind == KIND_HTTP1) return;
    lock(c);
    memset(&c->at, 0, sizeof c->at);
    c->end_off = 0;
    if (kind == KIND_WS) {
        /* the client's frames come after it reads the 101: every read from now on is frames; the app's follow its head */
        feed(feed_ws, &c->at.ws.app, iov, cnt, (size_t) r, head);
    } else if (kind == KIND_SSE) {
        sse_start(&c->at.sse, chunked, head);
        feed(feed_sse, &c->at.sse, iov, cnt, (size_t) r, 0);
    }
    c->kind = (unsigned char) kind;
    __atomic_store_n(&c->end, END_NONE, __ATOMIC_RELEASE); /* while draining, the next scan makes its end due */
    unlock(c);
}

/*
 * Sends b[0..len) on fd, a Close of a few bytes that the app's close is about to follow, without
 * blocking: nothing when the socket has no room (its client reads nothing), and when it took only a
 * part, the rest within at most 200 ms. Returns 1 when it went out whole.
 */
static int send_whole(int fd, const unsigned char *b, size_t len) {
    size_t off = 0;
    for (int waits = 0; off < len && waits < 4;) {
        ssize_t w = next_send(fd, b + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t) w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && off > 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 50);
            waits++;
        } else {
            return 0;
        }
    }
    return off == len;
}

void ends_closing(struct conn *c, int fd) {
    if (c->kind != KIND_WS) return;
    unsigned char end = end_of(c);
    if (end != END_DUE && end != END_EOF) return;
    /* a write under way holds the lock (a blocking one may wait on a client that reads nothing, and a JDK
     * shuts the socket to end it): then nothing is sent, since its frame may be cut */
    int tries = 0;
    while (!try_lock(c)) {
        if (++tries == 100) return;
        sched_yield();
    }
    const struct ws_cursor *app = &c->at.ws.app;
    end = end_of(c);
    int sent = 0;
    if ((end == END_DUE || end == END_EOF) && app->op != WS_OP_CLOSE && ws_at_boundary(app)) {
        sent = send_whole(fd, WS_SERVER_CLOSE_1001, sizeof WS_SERVER_CLOSE_1001);
        __atomic_store_n(&c->end, END_SENT, __ATOMIC_RELEASE);
    }
    unlock(c);
    static int said;
    if (sent && !__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED)) {
        say("the app ended a WebSocket (fd %d) without answering the drain's Close: the library sent its client Close 1001"
            " (said once)", fd);
    }
}

/* One connection, under the table's close lock (its fd is this connection's): its end is due, and goes out if it can. */
static void tick(int fd, struct conn *c) {
    int kind = c->kind;
    if (kind != KIND_H2 && kind != KIND_SSE && kind != KIND_WS) return;
    unsigned char none = END_NONE;
    int first = __atomic_compare_exchange_n(&c->end, &none, END_DUE, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    if (kind == KIND_WS) {
        if (first) next_shutdown(fd, SHUT_RD); /* the app's read wakes, and gets the Close (ends_instead_of_read) */
        return;
    }
    if (end_of(c) != END_DUE || !try_lock(c)) return; /* the app is writing: its write sends the end */
    if (end_of(c) == END_DUE && at_boundary(c)) send_end(c, fd);
    unlock(c);
}

void ends_drain(void) {
    conn_each(tick);
}

long ends_left_count(void) {
    struct conn *t = __atomic_load_n(&conn_table, __ATOMIC_ACQUIRE);
    if (t == NULL) return 0;
    long left = 0;
    int max = conn_max_fd();
    for (int fd = 0; fd <= max && fd < conn_cap; fd++) {
        struct conn *c = &t[fd];
        if (__atomic_load_n(&c->state, __ATOMIC_RELAXED) == 0) continue;
        int kind = c->kind;
        if (kind == KIND_TLS || kind == KIND_OTHER || (kind == KIND_H2 && end_of(c) == END_SENT)) left++;
    }
    return left;
}
