/*
 * accept, fcntl, ioctl and epoll_ctl on adopted fds: what makes a shared, non-blocking slot socket
 * look to the app like the socket it bound.
 *
 * Blocking mode. O_NONBLOCK belongs to the open file description, which the primary, this worker
 * and (during a reload) the slot's next worker all share. If an app made it blocking, a netty
 * worker of the same slot could block in accept() after another process took the connection it
 * was woken for. So the shared socket stays non-blocking, as the primary made it, and each adopted
 * fd keeps the app's own view: fcntl(F_GETFL/F_SETFL) and ioctl(FIONBIO) read and set that view,
 * and accept()/accept4() on an fd the app sees as blocking wait in poll() for a connection (and
 * SO_RCVTIMEO, when set) instead of failing with EAGAIN.
 *
 * Event loops. netty registers a socket with its epoll set before it binds it; the dup3 closes the
 * app's socket, and the kernel drops that registration with it. So epoll_ctl(EPOLL_CTL_MOD) of an
 * adopted fd that says ENOENT registers the slot socket instead (EPOLL_CTL_ADD, same events), and a
 * EPOLL_CTL_DEL of it that says ENOENT succeeds.
 *
 * Draining, an adopted fd accepts nothing more: the slot's next worker takes the queue.
 */
#include "adopt.h"
#include "conns.h"
#include "preload.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

/* accept()/accept4() on an adopted fd the app sees as blocking: wait for a connection, as it would. */
static int accept_common(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four) {
    int nonblock = 1;
    int adopted_fd = adopted_lookup(fd, NULL, &nonblock);
    for (;;) {
        if (adopted_fd && draining()) {
            /* Draining: the slot's next worker takes the queue. A blocking accept waits for a signal
             * (the JDK's close of the socket sends one); a non-blocking one says EAGAIN a little later,
             * so that a level-triggered selector that sees the shared socket readable does not spin. */
            if (!nonblock) {
                poll(NULL, 0, -1);
                return -1; /* EINTR */
            }
            usleep(1000);
            errno = EAGAIN;
            return -1;
        }
        int r = four ? next_accept4(fd, addr, len, flags) : next_accept(fd, addr, len);
        if (r >= 0 && adopted_fd) conn_track(r);
        if (r >= 0 || !adopted_fd || nonblock || (errno != EAGAIN && errno != EWOULDBLOCK)) return r;
        int timeout = -1;
        struct timeval tv;
        socklen_t size = sizeof tv;
        if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &size) == 0 && (tv.tv_sec > 0 || tv.tv_usec > 0)) {
            timeout = (int) (tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
        }
        struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
        int n = poll(&p, 1, timeout);
        if (n < 0) return -1; /* EINTR: as a blocking accept interrupted by a signal */
        if (n == 0) {
            errno = EAGAIN; /* SO_RCVTIMEO passed */
            return -1;
        }
        /* another worker of the slot may take it first: then accept says EAGAIN and we wait again */
    }
}

/**
 * accept(2). On an adopted fd that the app sees as blocking, blocks until a connection comes (EAGAIN
 * when its SO_RCVTIMEO passes, EINTR on a signal). The connection is tracked (conns.c). Draining,
 * an adopted fd says EAGAIN after 1 ms, or, seen as blocking, waits for a signal (EINTR).
 */
EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    ensure_init();
    return accept_common(fd, addr, len, 0, 0);
}

/** accept4(2). As {@code accept}; the flags apply to the accepted socket only, as in libc. */
EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    ensure_init();
    return accept_common(fd, addr, len, flags, 1);
}

/* F_GETFL and F_SETFL on an adopted fd read and set the app's view of O_NONBLOCK; the rest pass. */
static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, void *arg) {
    int nonblock;
    if ((cmd != F_GETFL && cmd != F_SETFL) || !adopted_lookup(fd, NULL, &nonblock)) return real(fd, cmd, arg);
    if (cmd == F_GETFL) {
        int r = real(fd, F_GETFL);
        return r < 0 ? r : (r & ~O_NONBLOCK) | (nonblock ? O_NONBLOCK : 0);
    }
    int flags = (int) (intptr_t) arg;
    int r = real(fd, F_SETFL, flags | O_NONBLOCK);
    if (r == 0) adopted_set_nonblock(fd, (flags & O_NONBLOCK) != 0);
    return r;
}

/**
 * fcntl(2). F_GETFL/F_SETFL on an adopted fd report and change only the app's view of O_NONBLOCK
 * (the socket it shares stays non-blocking); every other call passes through unchanged.
 */
EXPORT int fcntl(int fd, int cmd, ...) {
    ensure_init();
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *); /* the ABI passes an int or a pointer the same way */
    va_end(ap);
    return fcntl_common(next_fcntl, fd, cmd, arg);
}

#ifdef __GLIBC__
/** fcntl64, the name glibc 2.28+ headers may give fcntl: as {@code fcntl}. (musl has no such symbol.) */
EXPORT int fcntl64(int fd, int cmd, ...) {
    ensure_init();
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl_common(next_fcntl64, fd, cmd, arg);
}
#endif

/** ioctl(2). FIONBIO on an adopted fd sets the app's view of O_NONBLOCK only; the rest pass. */
EXPORT int ioctl(int fd, unsigned long request, ...) {
    ensure_init();
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (request == FIONBIO && arg != NULL && adopted_lookup(fd, NULL, NULL)) {
        adopted_set_nonblock(fd, *(int *) arg != 0);
        return 0;
    }
    return next_ioctl(fd, request, arg);
}

/**
 * epoll_ctl(2). On an adopted fd, a MOD that finds no registration (the app registered its own
 * socket before the bind, and the dup3 closed it) adds the slot socket with the same events, and a
 * DEL that finds none succeeds; everything else passes through.
 */
EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
    ensure_init();
    int saved = errno;
    int r = next_epoll_ctl(epfd, op, fd, event);
    if (r == 0 || errno != ENOENT || (op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) || !adopted_lookup(fd, NULL, NULL)) return r;
    if (op == EPOLL_CTL_DEL) {
        errno = saved;
        return 0;
    }
    r = next_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, event);
    if (r == 0) errno = saved;
    return r;
}
