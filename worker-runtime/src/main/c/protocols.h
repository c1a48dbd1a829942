/*
 * What a tracked connection carries, and where its bytes are, so that the drain can end each
 * protocol the way it allows, at one of its boundaries: HTTP/2 frames the app writes, WebSocket
 * frames the app reads, server-sent events the app writes. Pure: no system calls, no locks.
 */
#ifndef JCLUSTER_PROTOCOLS_H
#define JCLUSTER_PROTOCOLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* What a connection carries (struct conn's kind). */
enum {
    KIND_UNKNOWN = 0, /* nothing read yet */
    KIND_HTTP1 = 1,   /* HTTP/1.x requests: the drain adds Connection: close to the next response */
    KIND_TLS = 2,     /* a TLS handshake came first: ciphertext from then on */
    KIND_H2 = 3,      /* HTTP/2 with prior knowledge (h2c): the client's preface came first */
    KIND_WS = 4,      /* a WebSocket, after the app's 101 response */
    KIND_SSE = 5,     /* an HTTP/1.x response of server-sent events (text/event-stream), under way */
    KIND_OTHER = 6,   /* anything else: a binary protocol, a 101 to another protocol */
};

/* Copies up to cap of the first n bytes of the cnt buffers of iov into out; returns how many. */
size_t proto_gather(const struct iovec *iov, int cnt, size_t n, unsigned char *out, size_t cap);

/* The kind a connection's first read says (n > 0 bytes of b): TLS, H2, HTTP1 or OTHER. */
int proto_first_read(const unsigned char *b, size_t n);

/*
 * The kind an HTTP/1.x response the app starts to write turns its connection into, from the first
 * bytes of the write (cnt buffers of iov, up to PROTO_HEAD_LOOK of them): KIND_WS for a 101 with
 * Upgrade: websocket, KIND_OTHER for another 101, KIND_SSE for a 2xx of Content-Type:
 * text/event-stream, else KIND_HTTP1 (also when the head does not end within those bytes). For SSE,
 * *chunked says whether its body is chunked, and *head_len is the head's length with its empty line.
 */
int proto_response(const struct iovec *iov, int cnt, int *chunked, size_t *head_len);
#define PROTO_HEAD_LOOK 2048

/* The HTTP/2 frames the app writes: where the next frame begins. */
struct h2_cursor {
    uint32_t left;        /* payload bytes of the current frame still to come */
    unsigned char have;   /* bytes of the next frame's 9-byte header seen */
    unsigned char len[3]; /* its length field */
    unsigned char frames; /* whole frame headers seen, up to 255: the first is the server's SETTINGS */
};

/* n more bytes the app wrote. */
void h2_feed(struct h2_cursor *c, const unsigned char *b, size_t n);

/* Whether the app's next byte begins a frame, after at least its first frame. */
int h2_at_boundary(const struct h2_cursor *c);

/* GOAWAY with the highest stream id (2^31-1) and NO_ERROR: no new streams, those under way go on (RFC 9113 6.8). */
extern const unsigned char H2_GOAWAY[17];

/* WebSocket frames, masked (the client's) or not (the app's): where the next frame begins. */
struct ws_cursor {
    uint64_t left;          /* payload bytes of the current frame still to come */
    unsigned char have;     /* bytes of the next frame's header seen */
    unsigned char head[14]; /* the header so far (2 to 14 bytes) */
    unsigned char op;       /* the opcode of the last frame whose header was whole (WS_OP_CLOSE: a Close) */
};

/* A WebSocket's frames both ways: those the app reads, and those it writes. */
struct ws_cursors {
    struct ws_cursor client;
    struct ws_cursor app;
};

enum { WS_OP_CLOSE = 0x8 };

void ws_feed(struct ws_cursor *c, const unsigned char *b, size_t n);

/* Whether the next byte begins a frame. */
int ws_at_boundary(const struct ws_cursor *c);

/* A client's Close frame, code 1001 ("going away"), masked as a client's frames are (RFC 6455 5.5.1). */
extern const unsigned char WS_CLOSE_1001[18];

/* A server's Close frame, code 1001 ("going away"), unmasked as a server's frames are. */
extern const unsigned char WS_SERVER_CLOSE_1001[14];

/* The body of a server-sent-event response the app writes: where the current event ends. */
struct sse_cursor {
    uint32_t left;        /* bytes of the current chunk's data still to come */
    unsigned char state;  /* where in the chunked framing (sse.c) */
    unsigned char chunked;
    unsigned char any;    /* some event data went out */
    unsigned char tail[4]; /* the last four bytes of event data */
    uint32_t head_left;   /* bytes of the response head still to come */
};

/* The body starts after head_len more bytes of head; chunked or not. */
void sse_start(struct sse_cursor *c, int chunked, size_t head_len);

void sse_feed(struct sse_cursor *c, const unsigned char *b, size_t n);

/* Whether the stream is between two events (or before the first), where it can end. */
int sse_at_event_boundary(const struct sse_cursor *c);

/* Whether the app ended the chunked body itself (its last chunk). */
int sse_ended(const struct sse_cursor *c);

/* The last chunk, with no trailer: the end of a chunked body. */
extern const unsigned char SSE_LAST_CHUNK[5];

#endif
