/*
 * The drain's end of each protocol, on the connections it can read (docs/preload.md): an HTTP/2
 * connection (h2c) gets GOAWAY between two of the app's frames, a WebSocket reads a client's Close
 * (1001, going away) between two of the client's frames, a server-sent-event stream ends between two
 * events. HTTP/1.x is http1.c's and io.c's (Connection: close); TLS and what it does not know, it
 * leaves to the app.
 */
#ifndef JCLUSTER_ENDS_H
#define JCLUSTER_ENDS_H

#include "conns.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Where a connection's end is (struct conn's end). */
enum {
    END_NONE = 0, /* not draining, or nothing to do for its kind */
    END_DUE = 1,  /* to go out (or, for a WebSocket, in) at the next boundary; end_off bytes of it are */
    END_SENT = 2, /* out: GOAWAY sent, the event stream ended */
    END_EOF = 3,  /* a WebSocket whose app has read the Close: its reads say end of stream from now on */
};

/* After a read of r > 0 bytes of tracked connection c (fd): its kind from its first bytes, and where its frames are. */
void ends_read(struct conn *c, int fd, const struct iovec *iov, int cnt, size_t r);

/*
 * Before a read of tracked connection c: when the drain has something for the app to read there (a
 * WebSocket's Close, or its end after it), puts it into iov and returns 1 with *result set; else 0
 * (the caller reads). after_eof: the real read said end of stream (a shutdown for reading woke it).
 */
int ends_instead_of_read(struct conn *c, const struct iovec *iov, int cnt, int after_eof, ssize_t *result);

/*
 * A write of tracked connection c (fd) of an HTTP/2 connection, an event stream or a WebSocket
 * (io_put's arguments): writes it as the app asked, then the protocol's end once due and at a boundary
 * (a WebSocket's frames are only followed). Returns the app's bytes written, or -1 with errno (EPIPE
 * once its event stream has ended).
 */
ssize_t ends_write(struct conn *c, int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send);

/* io.c: writes cnt buffers of iov on fd, with writev, or with sendmsg (as_send: flags, and msg's other fields). */
ssize_t io_put(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send);

/* After a write of r bytes of tracked connection c that ends_write did not take: a response may start a WebSocket or an event stream. */
void ends_written(struct conn *c, const struct iovec *iov, int cnt, ssize_t r);

/*
 * The app shuts tracked connection c (fd) for writing, or closes it. A WebSocket that the drain is
 * ending and whose app ends it without a Close of its own (a server that gives up on answering the
 * client's: Tomcat allows 50 ms to answer a code other than 1000) gets one here, 1001, between two of
 * the app's frames: the client sees the close, not a bare end of stream (1006).
 */
void ends_closing(struct conn *c, int fd);

/* The session thread, every scan while draining: each connection's end becomes due, and goes out where it can now. */
void ends_drain(void);

/* Open connections that only the app can end: TLS, what the library does not read, HTTP/2 after its GOAWAY. */
long ends_left_count(void);

/* Whether the drain's idle scan may shut c for reading: not a stream whose end is the drain's own. */
static inline int ends_idle_shut_allowed(const struct conn *c) {
    return c->kind != KIND_WS && c->kind != KIND_SSE;
}

#endif
