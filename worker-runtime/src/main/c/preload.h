/*
 * What the files of libjcluster-preload.so share (the library: docs/preload.md; its frames:
 * docs/worker-protocol.md).
 *
 *   init.c     the next definitions of the interposed calls, the environment, say()
 *   frame.c    frames and the primary's error answers, as bytes (pure)
 *   primary.c  the one-shot connections to the primary: bind, listening
 *   adopt.c    bind() and listen(): adopting the slot's socket, the table of adopted fds
 *   shims.c    accept(), accept4(), fcntl(), ioctl(), epoll_ctl() on adopted fds
 *   conns.c    the table of connections accepted from adopted fds, and its idle scan
 *   http1.c    HTTP/1.x responses: where Connection: close goes, where each response begins (pure)
 *   protocols.c  what a connection carries (TLS, h2c, WebSocket, event stream), and its boundaries (pure)
 *   ends.c     the drain's end of HTTP/2 (GOAWAY), WebSocket (Close 1001) and event streams
 *   io.c       read, write, sendfile and close of tracked connections (and the header while draining)
 *   measure.c  the request figures of one connection: request start, responses, aborts
 *   figures.c  the request figures of the process: counts by status class, latency histogram
 *   session.c  the session with the primary: counts and figures out, drain in
 *
 * Every call keeps errno as it was unless it fails, or unless the libc call it stands for sets it.
 */
#ifndef JCLUSTER_PRELOAD_H
#define JCLUSTER_PRELOAD_H

/* Built with -D_GNU_SOURCE (build.sh): every file sees the same declarations. */
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* What the library exports: the interposed libc calls, nothing else. */
#define EXPORT __attribute__((visibility("default")))

enum {
    MAX_PORTS = 32,
    /* The longest error message from the primary that is kept (bytes, with its terminating NUL). */
    MAX_MESSAGE = 1024,
    /* How long a bind waits for the primary's answer (SlotListener waits as long): a gone primary
     * closes the connection at once, so this bounds a slow one. */
    ANSWER_TIMEOUT_SECONDS = 60,
};

/* init.c: the next definitions of what this library interposes (libc's, or another preloaded library's). */
extern int (*next_bind)(int, const struct sockaddr *, socklen_t);
extern int (*next_listen)(int, int);
extern int (*next_accept)(int, struct sockaddr *, socklen_t *);
extern int (*next_accept4)(int, struct sockaddr *, socklen_t *, int);
extern int (*next_fcntl)(int, int, ...);
extern int (*next_fcntl64)(int, int, ...);
extern int (*next_ioctl)(int, unsigned long, ...);
extern int (*next_close)(int);
extern int (*next_shutdown)(int, int);
extern int (*next_epoll_ctl)(int, int, int, struct epoll_event *);
extern ssize_t (*next_read)(int, void *, size_t);
extern ssize_t (*next_readv)(int, const struct iovec *, int);
extern ssize_t (*next_recv)(int, void *, size_t, int);
extern ssize_t (*next_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
extern ssize_t (*next_recvmsg)(int, struct msghdr *, int);
extern ssize_t (*next_write)(int, const void *, size_t);
extern ssize_t (*next_writev)(int, const struct iovec *, int);
extern ssize_t (*next_send)(int, const void *, size_t, int);
extern ssize_t (*next_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
extern ssize_t (*next_sendmsg)(int, const struct msghdr *, int);
extern ssize_t (*next_sendfile)(int, int, off_t *, size_t);
extern ssize_t (*next_sendfile64)(int, int, off64_t *, size_t);

/* init.c: JCLUSTER_WORKER_SOCKET, or NULL when this process is not a jcluster worker (then nothing is adopted). */
extern const char *worker_socket;
/* init.c: JCLUSTER_SPARE=1: a warm spare, whose first bind waits without a time limit for a slot. */
extern int spare;
/* init.c: JCLUSTER_TRAINING=1: a training run of the app (no primary): its binds of app ports go to the loopback (training.c). */
extern int training;

/* init.c: loads the next definitions and reads the environment, once; every interposed call starts with it. */
void ensure_init(void);

/* init.c: whether port is one of the app's (JCLUSTER_PORTS, else JCLUSTER_PORT). */
int is_app_port(int port);

/*
 * init.c: parses a comma-separated list of ports (1..65535) into out (at most max of them; the rest
 * are ignored). Returns how many, or -1 when list is not such a list. Pure.
 */
int parse_port_list(const char *list, int *out, int max);

/* init.c: one line on stderr, "jcluster: " first, written with the write system call; errno is kept. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
