/*
 * bind() and listen() of the app's ports. When the app bind()s a TCP socket (AF_INET or AF_INET6,
 * any address) to one of the app's ports, the library asks the primary for the slot's socket,
 * receives its fd (SCM_RIGHTS) and dup3()s it onto the app's fd: same number, same close-on-exec
 * flag. The app's listen() on it is a no-op that tells the primary, once per port (readiness).
 *
 * Failures never fall back to a real bind, which would race the other workers for the port: the
 * bind fails, with one stderr line that starts "jcluster: ", and errno set as bind() documents
 * below. On success errno is what it was before the call.
 *
 * The adopted fds and the announced ports are small tables under one mutex, never held while
 * talking to the primary.
 */
#include "adopt.h"

#include "preload.h"
#include "primary.h"
#include "session.h"
#include "training.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

enum { MAX_ADOPTED = 64 };

/* One fd the app bound to an app port and now holds the slot's socket. */
struct adopted {
    int fd;
    dev_t dev;
    ino_t ino;     /* the slot socket's identity: an fd number the app closed and reused is not it */
    int port;
    int nonblock;  /* the app's view of O_NONBLOCK; the shared socket itself stays non-blocking */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct adopted adopted[MAX_ADOPTED];
static int adopted_count; /* read without the lock as a fast path: 0 until the first adoption */
static int announced[MAX_PORTS];
static int announced_count;

/*
 * The index of fd's entry, or -1. An entry whose fd no longer holds the slot socket (the app closed
 * it and the number was reused) is dropped. Call with the lock held.
 */
static int find_locked(int fd) {
    for (int i = 0; i < adopted_count; i++) {
        if (adopted[i].fd != fd) continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == adopted[i].dev && st.st_ino == adopted[i].ino) return i;
        adopted[i] = adopted[--adopted_count];
        return -1;
    }
    return -1;
}

int adopted_lookup(int fd, int *port, int *nonblock) {
    if (__atomic_load_n(&adopted_count, __ATOMIC_ACQUIRE) == 0) return 0;
    int saved = errno;
    pthread_mutex_lock(&lock);
    int i = find_locked(fd);
    if (i >= 0) {
        if (port != NULL) *port = adopted[i].port;
        if (nonblock != NULL) *nonblock = adopted[i].nonblock;
    }
    pthread_mutex_unlock(&lock);
    errno = saved;
    return i >= 0;
}

void adopted_set_nonblock(int fd, int nonblock) {
    pthread_mutex_lock(&lock);
    int i = find_locked(fd);
    if (i >= 0) adopted[i].nonblock = nonblock;
    pthread_mutex_unlock(&lock);
}

/* The app port this bind is for, or 0 when the call is not ours to adopt. errno is kept. */
static int app_port_of(int fd, const struct sockaddr *addr, socklen_t len, const char **family) {
    if ((worker_socket == NULL && !training) || addr == NULL) return 0;
    int port;
    if (addr->sa_family == AF_INET && len >= (socklen_t) sizeof(struct sockaddr_in)) {
        port = ntohs(((const struct sockaddr_in *) addr)->sin_port);
        *family = "inet";
    } else if (addr->sa_family == AF_INET6 && len >= (socklen_t) sizeof(struct sockaddr_in6)) {
        port = ntohs(((const struct sockaddr_in6 *) addr)->sin6_port);
        *family = "inet6";
    } else {
        return 0;
    }
    if (!is_app_port(port)) return 0;
    int saved = errno;
    int type = 0, protocol = 0;
    socklen_t size = sizeof type;
    int ours = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_STREAM;
    size = sizeof protocol;
    ours = ours && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &size) == 0 && protocol == IPPROTO_TCP;
    errno = saved;
    return ours ? port : 0;
}

/* Asks the primary for the slot socket of port: its fd, or -1 with errno and the stderr line. */
static int ask_primary(int port, const char *family) {
    char payload[96];
    snprintf(payload, sizeof payload, "bind\nport=%d\nfamily=%s\n", port, family);
    const char *why = NULL;
    int s = primary_send(payload, &why);
    if (s < 0) {
        say("cannot bind port %d: %s at %s: %s; jcluster never binds an app port itself, so the bind fails",
                port, why, worker_socket, strerror(errno));
        errno = EADDRNOTAVAIL;
        return -1;
    }
    if (__atomic_exchange_n(&spare, 0, __ATOMIC_ACQ_REL)) {
        /* Only the first bind waits: later ones (another port, IPv6) come after the slot is given.
         * The primary answers once it gives this spare a slot; it closes the connection if it ends. */
        struct timeval forever = {.tv_sec = 0, .tv_usec = 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof forever);
        say("warm spare: bind of port %d waits for a slot", port);
    }
    char refusal[MAX_MESSAGE];
    int got = primary_receive_fd(s, refusal, &why);
    int e = errno;
    close(s);
    if (got == -1) {
        say("cannot bind port %d: the primary refused: %s", port, refusal);
        errno = EADDRINUSE;
        return -1;
    }
    if (got < 0) {
        say("cannot bind port %d: %s (%s, %s)", port, why, worker_socket, strerror(e));
        errno = EADDRNOTAVAIL;
        return -1;
    }
    return got;
}

/* Binds fd by adopting the slot's socket for port; the return value and errno of bind(). */
static int adopt(int fd, int port, const char *family, int saved_errno) {
    int known_port;
    if (adopted_lookup(fd, &known_port, NULL)) {
        say("bind of fd %d to port %d: the fd already holds the slot socket of port %d (a second bind is an error)",
                fd, port, known_port);
        errno = EINVAL;
        return -1;
    }
    int fd_flags = next_fcntl(fd, F_GETFD);
    int fl_flags = next_fcntl(fd, F_GETFL);
    if (fd_flags < 0 || fl_flags < 0) return -1; /* EBADF: as bind would say */

    int got = ask_primary(port, family);
    if (got < 0) return -1;
    struct stat st;
    if (fstat(got, &st) != 0 || dup3(got, fd, (fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
        int e = errno;
        say("cannot bind port %d: cannot put the slot socket on fd %d: %s", port, fd, strerror(e));
        close(got);
        errno = e;
        return -1;
    }
    close(got);
    /* The primary's socket is non-blocking; keep it so for every process that shares it. */
    int now = next_fcntl(fd, F_GETFL);
    if (now >= 0 && !(now & O_NONBLOCK)) next_fcntl(fd, F_SETFL, now | O_NONBLOCK);

    pthread_mutex_lock(&lock);
    int i = find_locked(fd);
    if (i < 0 && adopted_count < MAX_ADOPTED) i = adopted_count;
    if (i >= 0) {
        adopted[i] = (struct adopted){.fd = fd, .dev = st.st_dev, .ino = st.st_ino, .port = port,
                .nonblock = (fl_flags & O_NONBLOCK) != 0};
        if (i == adopted_count) __atomic_store_n(&adopted_count, adopted_count + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&lock);
    if (i < 0) {
        say("cannot bind port %d: more than %d adopted sockets", port, MAX_ADOPTED);
        close(fd); /* the slot socket must not stay on an fd this library no longer tracks */
        errno = ENOBUFS;
        return -1;
    }
    session_start();
    errno = saved_errno;
    return 0;
}

/* Tells the primary, once per port, that the app listens on it. */
static void announce(int port) {
    pthread_mutex_lock(&lock);
    int first = 1;
    for (int i = 0; i < announced_count; i++) {
        if (announced[i] == port) first = 0;
    }
    if (first && announced_count < MAX_PORTS) announced[announced_count++] = port;
    pthread_mutex_unlock(&lock);
    if (!first) return;
    char payload[64];
    snprintf(payload, sizeof payload, "listening\nport=%d\n", port);
    const char *why = NULL;
    int s = primary_send(payload, &why);
    if (s < 0) {
        say("could not tell the primary that port %d listens: %s at %s: %s", port, why, worker_socket, strerror(errno));
        return;
    }
    close(s);
}

/**
 * bind(2). In a jcluster worker, a bind of a TCP socket (AF_INET or AF_INET6, any address) to one of
 * the app's ports puts the slot's listening socket on fd instead and returns 0. Errors besides
 * bind's own: EADDRINUSE when the primary refuses (this process is not one of its workers, or the
 * slot has no socket), EADDRNOTAVAIL when the primary cannot be reached or does not answer, EINVAL
 * for a second bind of an adopted fd, ENOBUFS past 64 adopted fds; each with a "jcluster: " line on
 * stderr.
 */
EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    ensure_init();
    int saved = errno;
    const char *family = NULL;
    int port = app_port_of(fd, addr, len, &family);
    if (port == 0) return next_bind(fd, addr, len);
    if (training) return training_bind(fd, addr, port);
    return adopt(fd, port, family, saved);
}

/**
 * listen(2). On an adopted fd: returns 0 and leaves the slot socket, already listening with the
 * primary's backlog, alone; the first listen of each app port tells the primary (readiness).
 */
EXPORT int listen(int fd, int backlog) {
    ensure_init();
    int port;
    if (!adopted_lookup(fd, &port, NULL)) {
        int r = next_listen(fd, backlog);
        if (r == 0 && training) training_listened(fd);
        return r;
    }
    announce(port);
    return 0;
}
