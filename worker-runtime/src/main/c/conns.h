/*
 * The connections accepted from adopted fds: one entry per fd number, from accept() to close().
 *
 * Per-connection state lives in struct conn. Add a protocol's state as fields there: an entry is
 * all zero while its fd is not a tracked connection, conn_track() zeroes it at accept and
 * conn_close() at close, so nothing outlives its connection into a reused fd number.
 */
#ifndef JCLUSTER_CONNS_H
#define JCLUSTER_CONNS_H

#include "http1.h"
#include "protocols.h"

#include <pthread.h>
#include <stdint.h>

enum {
    PHASE_MASK = 0x07,
    PHASE_NEW = 1,      /* accepted, nothing read yet */
    PHASE_REQUEST = 2,  /* read since the last write: a request is being served */
    PHASE_RESPONSE = 3, /* written since the last read: a response went out, or is going out */
    PHASE_CLOSING = 4,  /* a response of it carries Connection: close: the client closes it */
    TOUCHED = 0x08,     /* read or written since the drain's last scan */
    SHUT = 0x10,        /* shut for reading by the drain, idle past the grace */
    HANDED = 0x20,      /* handed over: its next response carries Connection: close, as while draining */
    /* The most fds tracked (the table's size is the hard RLIMIT_NOFILE, up to this). */
    MAX_CONN_FDS = 1 << 20,
};

/* One tracked connection. */
struct conn {
    /* 0 when the fd is not a tracked connection, else PHASE_* | TOUCHED | SHUT | HANDED; changed atomically. */
    unsigned char state;
    /* While draining: the drain's scans since it was last touched (conn_scan's alone). */
    unsigned char quiet;
    /* Connection: close on its response while draining (io.c), under conn_fields_lock: the bytes
     * of the status line still to write before the header, and of the header still to write
     * (0: none pending). */
    unsigned short close_before;
    unsigned char close_header;
    /* What it carries (KIND_*, protocols.h): from its first read, or from a response of the app
     * that starts a WebSocket or an event stream. */
    unsigned char kind;
    /* The drain's end of its protocol (ends.c): END_*, changed atomically; how many bytes of it are
     * out (or, for a WebSocket, read); and the lock byte that serializes writing it with the app's writes. */
    unsigned char end;
    unsigned char end_off;
    unsigned char lock;
    /* Where its protocol's boundaries are: the app's HTTP/2 frames, the WebSocket frames both ways, the app's events. */
    union {
        struct h2_cursor h2;
        struct ws_cursors ws;
        struct sse_cursor sse;
    } at;
    /* Request figures (measure.c), of HTTP/1.x connections: the request being read is a HEAD (its
     * response has no body); where the app's response bytes are (the writing thread's); when the
     * bytes of the first read of the request not answered yet arrived (CLOCK_REALTIME ns, 0: none);
     * when the last response's status line was written (0: none yet). */
    unsigned char head;
    struct http1_reader reader;
    uint64_t request_at;
    uint64_t answered_at;
};

/*
 * Allocates the table for fds 0..cap-1 (at most MAX_CONN_FDS). 0, or -1 when there is no memory
 * (then nothing is tracked). Once, before any other call here.
 */
int conn_table_init(long cap);

/* The table (NULL until conn_table_init) and its size: read them with conn_entry. */
extern struct conn *conn_table;
extern int conn_cap;

/* fd's entry, or NULL when fd is out of the table. Its fields other than state: see struct conn. */
static inline struct conn *conn_entry(int fd) {
    struct conn *t = __atomic_load_n(&conn_table, __ATOMIC_ACQUIRE);
    if (t == NULL || fd < 0 || fd >= conn_cap) return NULL;
    return &t[fd];
}

/* fd's state byte: 0 when it is not a tracked connection (or there is no table). Lock-free: every
 * read, write and close asks. */
static inline unsigned char conn_get(int fd) {
    struct conn *c = conn_entry(fd);
    return c == NULL ? 0 : __atomic_load_n(&c->state, __ATOMIC_RELAXED);
}

/* A connection accepted from an adopted fd: tracked from now on, counted as open and accepted. */
void conn_track(int fd);

/*
 * A read (PHASE_REQUEST) or a write (PHASE_RESPONSE) on fd, when it is tracked: its phase becomes
 * that one, unless it is closing, and it is touched.
 */
void conn_saw(int fd, int phase);

/* fd's entry when fd is a tracked connection, else NULL. Lock-free. */
static inline struct conn *conn_tracked(int fd) {
    struct conn *c = conn_entry(fd);
    return c != NULL && __atomic_load_n(&c->state, __ATOMIC_RELAXED) != 0 ? c : NULL;
}

/* Makes tracked fd closing (its response carries Connection: close), touched. */
void conn_mark_closing(int fd);

/*
 * close() of a tracked fd: forgets it (and its entry), then calls really_close(fd), serialized with
 * the drain's shutdown() in conn_scan so that a reused fd number is never shut. Returns
 * really_close's result, with its errno.
 */
int conn_close(int fd, int (*really_close)(int));

/*
 * The drain's scan, every scan_millis: a connection that was touched since the previous scan is
 * fresh again; one idle for grace_millis whose last thing was a response (or nothing) gets
 * shut(fd), once, under the same lock as conn_close. From one thread only.
 */
void conn_scan(int scan_millis, int grace_millis, void (*shut)(int fd));

/* Calls f for every tracked connection, under the lock of conn_close (so fd is that connection). */
void conn_each(void (*f)(int fd, struct conn *c));

/* The highest fd tracked so far. */
int conn_max_fd(void);

/* Hands over up to n more tracked connections (HANDED), in the order of their fd numbers; how many it did. */
long conn_hand_over(long n);

/* Open tracked connections now. */
long conn_open_count(void);

/* Connections accepted from adopted fds since start. */
long conn_accepted_count(void);

/* Guards close_before and close_header of struct conn. */
extern pthread_mutex_t conn_fields_lock;

#endif
