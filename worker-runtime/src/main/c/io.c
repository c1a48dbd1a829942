/*
 * read, write, sendfile and close of the connections accepted from adopted fds. A read notes a
 * request, a write a response (conns.c), and both feed the request figures (measure.c): the read
 * that starts a request is made with recvmsg, which brings the kernel's stamp of when its bytes
 * arrived. While draining, the first HTTP/1.x response on each connection gets Connection: close
 * after its status line (docs/preload.md); the count a write returns is of the app's bytes only.
 * Every other fd goes straight to libc.
 *
 * Not interposed: splice (bytes sent with it are not seen, so the figures of a connection that sent
 * a body with it would be wrong from there on), dup2/dup3 onto a tracked fd (it is forgotten at its
 * close).
 */
#include "conns.h"
#include "http1.h"
#include "measure.h"
#include "preload.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>

enum { MAX_IOV = 1000 };

/* Whether this write of a tracked connection must carry (the rest of) Connection: close. */
static int wants_header(int fd, const struct iovec *iov, int cnt) {
    if (!draining() || cnt > MAX_IOV) return 0;
    struct conn *c = conn_entry(fd);
    if (c == NULL) return 0;
    pthread_mutex_lock(&conn_fields_lock);
    int found = c->close_header > 0;
    if (!found && (conn_get(fd) & PHASE_MASK) != PHASE_CLOSING) {
        int end = http1_status_line_end(iov, cnt);
        if (end > 0) {
            c->close_before = (unsigned short) end;
            c->close_header = HTTP1_CLOSE_HEADER_LEN;
            conn_mark_closing(fd);
            found = 1;
        }
    }
    pthread_mutex_unlock(&conn_fields_lock);
    return found;
}

static ssize_t put(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send) {
    if (!as_send) return next_writev(fd, iov, cnt);
    struct msghdr m;
    if (msg != NULL) m = *msg;
    else memset(&m, 0, sizeof m);
    m.msg_iov = (struct iovec *) iov;
    m.msg_iovlen = (size_t) cnt;
    return next_sendmsg(fd, &m, flags);
}

/*
 * Writes the app's bytes with Connection: close after the status line, and returns how many of the
 * app's bytes went out (the header's never count), so the app's accounting stays right across
 * partial writes: what is left of the status line or the header goes out with its next write. When
 * only header bytes went out, a non-blocking fd says EAGAIN (the app retries when writable) and a
 * blocking one writes on, as a blocking write would.
 */
static ssize_t write_with_header(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send) {
    struct conn *c = conn_entry(fd);
    size_t total = 0;
    for (int j = 0; j < cnt; j++) total += iov[j].iov_len;
    for (;;) {
        pthread_mutex_lock(&conn_fields_lock);
        int before = c->close_before, header = c->close_header;
        pthread_mutex_unlock(&conn_fields_lock);
        if (header == 0 || total == 0) return put(fd, iov, cnt, flags, msg, as_send);
        struct iovec stack[64 + 2];
        struct iovec *v = cnt <= 64 ? stack : malloc(sizeof *v * (size_t) (cnt + 2));
        if (v == NULL) {
            errno = ENOMEM;
            return -1;
        }
        int n = http1_splice_close(iov, cnt, before, header, v);
        ssize_t w = put(fd, v, n, flags, msg, as_send);
        int e = errno;
        if (v != stack) free(v);
        if (w < 0) {
            errno = e;
            return -1;
        }
        size_t app = http1_close_written((size_t) w, &before, &header);
        pthread_mutex_lock(&conn_fields_lock);
        if (c->close_header != 0) { /* else the app closed it meanwhile */
            c->close_before = (unsigned short) before;
            c->close_header = (unsigned char) header;
        }
        pthread_mutex_unlock(&conn_fields_lock);
        if (app > 0 || w == 0) return (ssize_t) app;
        int fl = next_fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK)) {
            errno = EAGAIN;
            return -1;
        }
    }
}

/*
 * While draining, a write of a tracked connection that must carry (the rest of) Connection: close:
 * writes it and sets *result; false when this write needs no header (the caller writes as usual).
 */
static int rewrite(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send, ssize_t *result) {
    if (!wants_header(fd, iov, cnt)) return 0;
    *result = write_with_header(fd, iov, cnt, flags, msg, as_send);
    return 1;
}

/* After a write of tracked connection c that returned r: its phase, and its figures. errno is kept. */
static void wrote(struct conn *c, int fd, const struct iovec *iov, int cnt, ssize_t r) {
    int e = errno;
    conn_saw(fd, PHASE_RESPONSE);
    if (r > 0) measure_written(c, iov, cnt, (size_t) r);
    errno = e;
}

/* After a read of tracked connection c that returned r > 0 (MSG_PEEK is no read). */
static void got(struct conn *c, int fd, const struct iovec *iov, int cnt, ssize_t r, const struct timespec *arrived) {
    conn_saw(fd, PHASE_REQUEST);
    measure_read(c, iov, cnt, (size_t) r, arrived);
}

/*
 * The read of tracked connection c that starts a request, made with recvmsg so that the kernel's
 * stamp of the bytes' arrival comes along: the same bytes, the same result and errno as the app's
 * call. Sets *result and returns 1; returns 0 when fd is no socket after all (the caller reads).
 */
static int stamped(struct conn *c, int fd, const struct iovec *iov, int cnt, int flags, struct sockaddr *addr,
                   socklen_t *addrlen, ssize_t *result) {
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct timespec))];
    } control;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = addr;
    m.msg_namelen = addrlen != NULL ? *addrlen : 0;
    m.msg_iov = (struct iovec *) iov;
    m.msg_iovlen = (size_t) cnt;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    ssize_t r = next_recvmsg(fd, &m, flags);
    if (r < 0 && errno == ENOTSOCK) return 0;
    if (addrlen != NULL) *addrlen = m.msg_namelen;
    if (r > 0) {
        struct timespec at;
        const struct timespec *arrived = NULL;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h)) {
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS && h->cmsg_len >= CMSG_LEN(sizeof at)) {
                memcpy(&at, CMSG_DATA(h), sizeof at);
                arrived = &at;
            }
        }
        got(c, fd, iov, cnt, r, arrived);
    }
    *result = r;
    return 1;
}

/** close(2). Forgets a tracked connection first (its count, its pending Connection: close, its figures). */
EXPORT int close(int fd) {
    ensure_init();
    struct conn *c = conn_tracked(fd);
    if (c == NULL) return next_close(fd);
    measure_closing(c);
    return conn_close(fd, next_close);
}

/** read(2). Notes a request on a tracked connection (read with recvmsg when it starts one: see stamped). */
EXPORT ssize_t read(int fd, void *buf, size_t n) {
    ensure_init();
    struct conn *c = conn_tracked(fd);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    ssize_t r;
    if (c != NULL && measure_starts_request(c) && stamped(c, fd, &v, 1, 0, NULL, NULL, &r)) return r;
    r = next_read(fd, buf, n);
    if (r > 0 && c != NULL) got(c, fd, &v, 1, r, NULL);
    return r;
}

/** readv(2). As {@code read}. */
EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
    ensure_init();
    struct conn *c = cnt >= 0 ? conn_tracked(fd) : NULL;
    ssize_t r;
    if (c != NULL && cnt <= IOV_MAX && measure_starts_request(c) && stamped(c, fd, iov, cnt, 0, NULL, NULL, &r)) return r;
    r = next_readv(fd, iov, cnt);
    if (r > 0 && c != NULL) got(c, fd, iov, cnt, r, NULL);
    return r;
}

/** recv(2). As {@code read}; a MSG_PEEK is no read. */
EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
    ensure_init();
    struct conn *c = flags & MSG_PEEK ? NULL : conn_tracked(fd);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    ssize_t r;
    if (c != NULL && measure_starts_request(c) && stamped(c, fd, &v, 1, flags, NULL, NULL, &r)) return r;
    r = next_recv(fd, buf, n, flags);
    if (r > 0 && c != NULL) got(c, fd, &v, 1, r, NULL);
    return r;
}

/** recvfrom(2). As {@code recv}. */
EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len) {
    ensure_init();
    struct conn *c = flags & MSG_PEEK ? NULL : conn_tracked(fd);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    ssize_t r;
    if (c != NULL && measure_starts_request(c) && (addr == NULL || len != NULL) && stamped(c, fd, &v, 1, flags, addr, len, &r)) {
        return r;
    }
    r = next_recvfrom(fd, buf, n, flags, addr, len);
    if (r > 0 && c != NULL) got(c, fd, &v, 1, r, NULL);
    return r;
}

/** recvmsg(2). As {@code recv}, with the app's own message (no arrival stamp is taken from it). */
EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    ensure_init();
    ssize_t r = next_recvmsg(fd, msg, flags);
    struct conn *c;
    if (r > 0 && !(flags & MSG_PEEK) && (c = conn_tracked(fd)) != NULL) got(c, fd, msg->msg_iov, (int) msg->msg_iovlen, r, NULL);
    return r;
}

/**
 * write(2). While draining, the first HTTP/1.x response on each tracked connection gets
 * Connection: close after its status line; the count returned is of the caller's bytes only.
 */
EXPORT ssize_t write(int fd, const void *buf, size_t n) {
    ensure_init();
    struct conn *c = conn_tracked(fd);
    if (c == NULL) return next_write(fd, buf, n);
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (!rewrite(fd, &v, 1, 0, NULL, 0, &r)) r = next_write(fd, buf, n);
    wrote(c, fd, &v, 1, r);
    return r;
}

/** writev(2). As {@code write}. */
EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    ensure_init();
    struct conn *c = cnt >= 0 ? conn_tracked(fd) : NULL;
    if (c == NULL) return next_writev(fd, iov, cnt);
    ssize_t r;
    if (!rewrite(fd, iov, cnt, 0, NULL, 0, &r)) r = next_writev(fd, iov, cnt);
    wrote(c, fd, iov, cnt, r);
    return r;
}

/** send(2). As {@code write}. */
EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
    ensure_init();
    struct conn *c = conn_tracked(fd);
    if (c == NULL) return next_send(fd, buf, n, flags);
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (!rewrite(fd, &v, 1, flags, NULL, 1, &r)) r = next_send(fd, buf, n, flags);
    wrote(c, fd, &v, 1, r);
    return r;
}

/** sendto(2). As {@code write} when it names no address (a connected socket). */
EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len) {
    ensure_init();
    struct conn *c = addr == NULL ? conn_tracked(fd) : NULL;
    if (c == NULL) return next_sendto(fd, buf, n, flags, addr, len);
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (!rewrite(fd, &v, 1, flags, NULL, 1, &r)) r = next_sendto(fd, buf, n, flags, addr, len);
    wrote(c, fd, &v, 1, r);
    return r;
}

/** sendmsg(2). As {@code write} when it names no address. */
EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    ensure_init();
    struct conn *c = msg != NULL && msg->msg_name == NULL && msg->msg_iovlen <= MAX_IOV ? conn_tracked(fd) : NULL;
    if (c == NULL) return next_sendmsg(fd, msg, flags);
    ssize_t r;
    if (!rewrite(fd, msg->msg_iov, (int) msg->msg_iovlen, flags, msg, 1, &r)) r = next_sendmsg(fd, msg, flags);
    wrote(c, fd, msg->msg_iov, (int) msg->msg_iovlen, r);
    return r;
}

/* After a sendfile to out that returned r: its bytes are a response's (body) bytes. Returns r. */
static ssize_t sent_file(int out, ssize_t r) {
    struct conn *c;
    if (r > 0 && (c = conn_tracked(out)) != NULL) {
        int e = errno;
        conn_saw(out, PHASE_RESPONSE);
        measure_sent_file(c, (size_t) r);
        errno = e;
    }
    return r;
}

/** sendfile(2). Bytes of a file sent on a tracked connection count as body bytes of its response. */
EXPORT ssize_t sendfile(int out, int in, off_t *offset, size_t n) {
    ensure_init();
    return sent_file(out, next_sendfile(out, in, offset, n));
}

#ifdef __GLIBC__
/** sendfile64, the name glibc's headers give sendfile with 64-bit offsets: as {@code sendfile}. */
EXPORT ssize_t sendfile64(int out, int in, off64_t *offset, size_t n) {
    ensure_init();
    return sent_file(out, next_sendfile64(out, in, offset, n));
}
#endif
