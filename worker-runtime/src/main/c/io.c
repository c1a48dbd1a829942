/*
 * read, write, sendfile and close of the connections accepted from adopted fds. A read notes a
 * request, a write a response (conns.c); both tell what the connection carries and where its
 * protocol's boundaries are (ends.c), and feed the request figures (measure.c): the read that starts
 * a request is made with recvmsg, which brings the kernel's stamp of when its bytes arrived. While
 * draining, and on a connection handed over, the first HTTP/1.x response gets Connection: close after
 * its status line (docs/preload.md); draining, HTTP/2, WebSocket and event-stream connections get
 * their protocol's end (ends.c). The count a write returns is of the app's bytes only. Every other fd
 * goes straight to libc.
 *
 * Not interposed: splice (bytes sent with it are not seen, so the figures of a connection that sent
 * a body with it would be wrong from there on), dup2/dup3 onto a tracked fd (it is forgotten at its
 * close).
 */
#include "conns.h"
#include "ends.h"
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
    if ((!draining() && !(conn_get(fd) & HANDED)) || cnt > MAX_IOV) return 0;
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

ssize_t io_put(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send) {
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
        if (header == 0 || total == 0) return io_put(fd, iov, cnt, flags, msg, as_send);
        struct iovec stack[64 + 2];
        struct iovec *v = cnt <= 64 ? stack : malloc(sizeof *v * (size_t) (cnt + 2));
        if (v == NULL) {
            errno = ENOMEM;
            return -1;
        }
        int n = http1_splice_close(iov, cnt, before, header, v);
        ssize_t w = io_put(fd, v, n, flags, msg, as_send);
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

/* fd's entry when it is a tracked connection, else NULL. */
static struct conn *tracked(int fd) {
    return conn_get(fd) == 0 ? NULL : conn_entry(fd);
}

/* A write of a tracked connection, written here; false when it is not one (the caller writes as usual). */
static int tracked_write(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send, ssize_t *result) {
    struct conn *c = tracked(fd);
    if (c == NULL) return 0;
    int kind = c->kind;
    uint64_t began = kind <= KIND_HTTP1 ? measure_writing(c) : 0;
    ssize_t r;
    if (kind == KIND_H2 || kind == KIND_SSE || kind == KIND_WS) r = ends_write(c, fd, iov, cnt, flags, msg, as_send);
    else if (kind <= KIND_HTTP1 && wants_header(fd, iov, cnt)) r = write_with_header(fd, iov, cnt, flags, msg, as_send);
    else r = io_put(fd, iov, cnt, flags, msg, as_send);
    int e = errno;
    conn_saw(fd, PHASE_RESPONSE);
    if (kind <= KIND_HTTP1 && r > 0) measure_written(c, iov, cnt, (size_t) r, began);
    if (kind <= KIND_HTTP1) ends_written(c, iov, cnt, r);
    errno = e;
    *result = r;
    return 1;
}

/* A read the library may make as recvmsg, to get the arrival stamp: its flags, and where the peer's address goes. */
struct recv_call {
    int flags;
    struct sockaddr *addr;
    socklen_t *len;
};

/*
 * The read of fd that starts a request, made with recvmsg so that the kernel's stamp of the bytes'
 * arrival comes along: the same bytes, result and errno as the app's call. Returns 0 (and reads
 * nothing) when fd is no socket after all, else 1 with *result, and *arrived when stamped.
 */
static int stamped(int fd, const struct iovec *iov, int cnt, const struct recv_call *call, ssize_t *result, struct timespec *arrived) {
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct timespec))];
    } control;
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = call->addr;
    m.msg_namelen = call->len != NULL ? *call->len : 0;
    m.msg_iov = (struct iovec *) iov;
    m.msg_iovlen = (size_t) cnt;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    ssize_t r = next_recvmsg(fd, &m, call->flags);
    if (r < 0 && errno == ENOTSOCK) return 0;
    if (call->len != NULL) *call->len = m.msg_namelen;
    for (struct cmsghdr *h = r > 0 ? CMSG_FIRSTHDR(&m) : NULL; h != NULL; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS && h->cmsg_len >= CMSG_LEN(sizeof *arrived)) {
            memcpy(arrived, CMSG_DATA(h), sizeof *arrived);
        }
    }
    *result = r;
    return 1;
}

/*
 * A read of fd into cnt buffers of iov by really_read (a MSG_PEEK is not one: the caller reads it
 * plainly): a tracked connection may get the drain's bytes instead (a WebSocket's Close), and its
 * bytes tell what it carries and feed the request figures. call: how to make the read as recvmsg
 * when it starts a request (NULL: the app's own recvmsg, made as it is).
 */
static ssize_t tracked_read(int fd, const struct iovec *iov, int cnt, ssize_t (*really_read)(int, const struct iovec *, int, void *),
        void *arg, const struct recv_call *call) {
    struct conn *c = tracked(fd);
    ssize_t r;
    if (c != NULL && ends_instead_of_read(c, iov, cnt, 0, &r)) return r;
    struct timespec arrived = {0, 0};
    if (c == NULL || call == NULL || cnt > IOV_MAX || !measure_starts_request(c) || !stamped(fd, iov, cnt, call, &r, &arrived)) {
        r = really_read(fd, iov, cnt, arg);
    }
    if (c == NULL) return r;
    if (r == 0) {
        int e = errno;
        ssize_t instead;
        if (ends_instead_of_read(c, iov, cnt, 1, &instead)) r = instead;
        errno = e;
    } else if (r > 0) {
        int e = errno;
        conn_saw(fd, PHASE_REQUEST);
        ends_read(c, fd, iov, cnt, (size_t) r);
        measure_read(c, iov, cnt, (size_t) r, &arrived);
        errno = e;
    }
    return r;
}

static ssize_t do_read(int fd, const struct iovec *iov, int cnt, void *arg) {
    (void) cnt;
    (void) arg;
    return next_read(fd, iov[0].iov_base, iov[0].iov_len);
}

static ssize_t do_readv(int fd, const struct iovec *iov, int cnt, void *arg) {
    (void) arg;
    return next_readv(fd, iov, cnt);
}

static ssize_t do_recv(int fd, const struct iovec *iov, int cnt, void *arg) {
    (void) cnt;
    return next_recv(fd, iov[0].iov_base, iov[0].iov_len, *(int *) arg);
}

/* recvfrom: its flags, address and length. */
struct from {
    int flags;
    struct sockaddr *addr;
    socklen_t *len;
};

static ssize_t do_recvfrom(int fd, const struct iovec *iov, int cnt, void *arg) {
    (void) cnt;
    struct from *f = arg;
    return next_recvfrom(fd, iov[0].iov_base, iov[0].iov_len, f->flags, f->addr, f->len);
}

/* recvmsg: its message and flags. */
struct message {
    struct msghdr *msg;
    int flags;
};

static ssize_t do_recvmsg(int fd, const struct iovec *iov, int cnt, void *arg) {
    (void) iov;
    (void) cnt;
    struct message *m = arg;
    return next_recvmsg(fd, m->msg, m->flags);
}

/** close(2). Forgets a tracked connection first (its count, its pending Connection: close, its figures). */
EXPORT int close(int fd) {
    ensure_init();
    struct conn *c = conn_tracked(fd);
    if (c == NULL) return next_close(fd);
    int e = errno;
    ends_closing(c, fd);
    errno = e;
    measure_closing(c);
    return conn_close(fd, next_close);
}

/** shutdown(2). A WebSocket the drain is ending that the app shuts for writing gets its Close first (ends_closing). */
EXPORT int shutdown(int fd, int how) {
    ensure_init();
    struct conn *c;
    if ((how == SHUT_WR || how == SHUT_RDWR) && (c = conn_tracked(fd)) != NULL) {
        int e = errno;
        ends_closing(c, fd);
        errno = e;
    }
    return next_shutdown(fd, how);
}

/** read(2). Notes a request on a tracked connection, and what it carries. */
EXPORT ssize_t read(int fd, void *buf, size_t n) {
    ensure_init();
    if (conn_get(fd) == 0) return next_read(fd, buf, n);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    struct recv_call call = {.flags = 0, .addr = NULL, .len = NULL};
    return tracked_read(fd, &v, 1, do_read, NULL, &call);
}

/** readv(2). As {@code read}. */
EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
    ensure_init();
    if (conn_get(fd) == 0 || cnt < 1) return next_readv(fd, iov, cnt);
    struct recv_call call = {.flags = 0, .addr = NULL, .len = NULL};
    return tracked_read(fd, iov, cnt, do_readv, NULL, &call);
}

/** recv(2). As {@code read}; a MSG_PEEK is no read. */
EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
    ensure_init();
    if (conn_get(fd) == 0 || (flags & MSG_PEEK)) return next_recv(fd, buf, n, flags);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    struct recv_call call = {.flags = flags, .addr = NULL, .len = NULL};
    return tracked_read(fd, &v, 1, do_recv, &flags, &call);
}

/** recvfrom(2). As {@code recv}. */
EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len) {
    ensure_init();
    if (conn_get(fd) == 0 || (flags & MSG_PEEK)) return next_recvfrom(fd, buf, n, flags, addr, len);
    struct iovec v = {.iov_base = buf, .iov_len = n};
    struct from f = {.flags = flags, .addr = addr, .len = len};
    struct recv_call call = {.flags = flags, .addr = addr, .len = len};
    return tracked_read(fd, &v, 1, do_recvfrom, &f, addr == NULL || len != NULL ? &call : NULL);
}

/** recvmsg(2). As {@code recv}. */
EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    ensure_init();
    if (conn_get(fd) == 0 || msg == NULL || (flags & MSG_PEEK) || msg->msg_iovlen < 1) return next_recvmsg(fd, msg, flags);
    struct message m = {.msg = msg, .flags = flags};
    return tracked_read(fd, msg->msg_iov, (int) msg->msg_iovlen, do_recvmsg, &m, NULL);
}

/**
 * write(2). While draining, the first HTTP/1.x response on each tracked connection gets
 * Connection: close after its status line; the count returned is of the caller's bytes only.
 */
EXPORT ssize_t write(int fd, const void *buf, size_t n) {
    ensure_init();
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (tracked_write(fd, &v, 1, 0, NULL, 0, &r)) return r;
    return next_write(fd, buf, n);
}

/** writev(2). As {@code write}. */
EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    ensure_init();
    ssize_t r;
    if (cnt >= 0 && tracked_write(fd, iov, cnt, 0, NULL, 0, &r)) return r;
    return next_writev(fd, iov, cnt);
}

/** send(2). As {@code write}. */
EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
    ensure_init();
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (tracked_write(fd, &v, 1, flags, NULL, 1, &r)) return r;
    return next_send(fd, buf, n, flags);
}

/** sendto(2). As {@code write} when it names no address (a connected socket). */
EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr, socklen_t len) {
    ensure_init();
    struct iovec v = {.iov_base = (void *) buf, .iov_len = n};
    ssize_t r;
    if (addr == NULL && tracked_write(fd, &v, 1, flags, NULL, 1, &r)) return r;
    return next_sendto(fd, buf, n, flags, addr, len);
}

/** sendmsg(2). As {@code write} when it names no address. */
EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    ensure_init();
    ssize_t r;
    if (msg != NULL && msg->msg_name == NULL && msg->msg_iovlen <= MAX_IOV
            && tracked_write(fd, msg->msg_iov, (int) msg->msg_iovlen, flags, msg, 1, &r)) return r;
    return next_sendmsg(fd, msg, flags);
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
