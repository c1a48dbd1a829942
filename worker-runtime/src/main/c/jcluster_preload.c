/*
 * libjcluster-preload.so: lets an unmodified server in a jcluster worker serve its slot's listening
 * socket, which the primary owns (docs/preload.md; the frames: docs/worker-protocol.md).
 *
 * The primary starts every worker of a handoff app with LD_PRELOAD naming this library. When the
 * app bind()s a TCP socket (AF_INET or AF_INET6, any address) to one of the app's ports
 * (JCLUSTER_PORTS, else JCLUSTER_PORT), the library asks the primary for the slot's socket over
 * JCLUSTER_WORKER_SOCKET, receives its fd (SCM_RIGHTS) and dup3()s it onto the app's fd: same
 * number, same close-on-exec flag. The app then listens (a no-op here), accepts and closes as on its
 * own socket, while the socket and its accept queue stay with the primary across crashes and
 * reloads. Every other call goes straight to libc. A process without JCLUSTER_WORKER_SOCKET is
 * never touched.
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
 * Drain. Connections accepted from adopted fds are tracked (accept, read, write, close). The
 * library keeps a session connection to the primary, read by a thread of its own, which reports
 * the open and accepted counts (conns, every second) and receives drain. While draining, the
 * adopted listeners accept nothing more (the slot's next worker takes the queue), the next
 * HTTP/1.x response on each connection gets "Connection: close" after its status line, so the
 * client closes it after that response, and connections idle for three seconds are shut for reading, so
 * the app closes them. The primary ends the worker once no connection is left.
 *
 * Failures never fall back to a real bind, which would race the other workers for the port: the
 * bind fails, with one stderr line that starts "jcluster: ", and errno set as below. On success
 * errno is what it was before the call.
 *
 * Thread-safe: the adopted fds, announced ports and half-written headers are in small tables under
 * one mutex, never held while talking to the primary; the connections are a byte per fd, changed
 * atomically, and close() of one is serialized with the drain's shutdown() of it. Not interposed:
 * sendfile (body bytes; a response's head is written first), dup2/dup3 onto a tracked fd (it is
 * forgotten at its close). libc, libdl and pthreads only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

enum {
    MAX_PORTS = 32,
    MAX_ADOPTED = 64,
    /* How long a bind waits for the primary's answer (SlotListener waits as long). */
    ANSWER_TIMEOUT_SECONDS = 60, /* a gone primary closes the connection at once: this bounds a slow one */
    MAX_MESSAGE = 1024,
};

/* The next definitions of what this library interposes: libc's, or another preloaded library's. */
static int (*next_bind)(int, const struct sockaddr *, socklen_t);
static int (*next_listen)(int, int);
static int (*next_accept)(int, struct sockaddr *, socklen_t *);
static int (*next_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*next_fcntl)(int, int, ...);
static int (*next_fcntl64)(int, int, ...);
static int (*next_ioctl)(int, unsigned long, ...);
static int (*next_close)(int);
static int (*next_epoll_ctl)(int, int, int, struct epoll_event *);
static ssize_t (*next_read)(int, void *, size_t);
static ssize_t (*next_readv)(int, const struct iovec *, int);
static ssize_t (*next_recv)(int, void *, size_t, int);
static ssize_t (*next_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*next_recvmsg)(int, struct msghdr *, int);
static ssize_t (*next_write)(int, const void *, size_t);
static ssize_t (*next_writev)(int, const struct iovec *, int);
static ssize_t (*next_send)(int, const void *, size_t, int);
static ssize_t (*next_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*next_sendmsg)(int, const struct msghdr *, int);

/* From the environment, read once: is this a worker, where is the primary, which ports are the app's. */
static const char *worker_socket;
/* JCLUSTER_SPARE=1: a warm spare, whose first bind waits without a time limit until it gets a slot. */
static int spare;
static int ports[MAX_PORTS];
static int port_count;

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

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, "jcluster: " first; errno is kept. */
static void say(const char *fmt, ...) {
    int saved = errno;
    char line[MAX_MESSAGE + 256];
    int n = snprintf(line, sizeof line, "jcluster: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t) n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    n += m;
    if (n > (int) sizeof line - 2) n = (int) sizeof line - 2;
    line[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = syscall(SYS_write, STDERR_FILENO, line + off, (size_t) (n - off)); /* not our write() */
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (int) w;
    }
    errno = saved;
}

static void *next(const char *name) {
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL && strcmp(name, "fcntl64") != 0) say("cannot find %s in libc: %s", name, dlerror());
    return f;
}

static void parse_ports(const char *list, const char *name) {
    const char *p = list;
    while (*p != '\0' && port_count < MAX_PORTS) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65535 || (*end != ',' && *end != '\0')) {
            say("%s=%s is not a comma-separated list of ports: no bind will be adopted", name, list);
            port_count = 0;
            return;
        }
        ports[port_count++] = (int) v;
        p = *end == ',' ? end + 1 : end;
    }
}

static void init(void) {
    int saved = errno;
    next_bind = (int (*)(int, const struct sockaddr *, socklen_t)) next("bind");
    next_listen = (int (*)(int, int)) next("listen");
    next_accept = (int (*)(int, struct sockaddr *, socklen_t *)) next("accept");
    next_accept4 = (int (*)(int, struct sockaddr *, socklen_t *, int)) next("accept4");
    next_fcntl = (int (*)(int, int, ...)) next("fcntl");
    next_fcntl64 = (int (*)(int, int, ...)) next("fcntl64"); /* glibc 2.28+ */
    if (next_fcntl64 == NULL) next_fcntl64 = next_fcntl;
    next_ioctl = (int (*)(int, unsigned long, ...)) next("ioctl");
    next_close = (int (*)(int)) next("close");
    next_epoll_ctl = (int (*)(int, int, int, struct epoll_event *)) next("epoll_ctl");
    next_read = (ssize_t (*)(int, void *, size_t)) next("read");
    next_readv = (ssize_t (*)(int, const struct iovec *, int)) next("readv");
    next_recv = (ssize_t (*)(int, void *, size_t, int)) next("recv");
    next_recvfrom = (ssize_t (*)(int, void *, size_t, int, struct sockaddr *, socklen_t *)) next("recvfrom");
    next_recvmsg = (ssize_t (*)(int, struct msghdr *, int)) next("recvmsg");
    next_write = (ssize_t (*)(int, const void *, size_t)) next("write");
    next_writev = (ssize_t (*)(int, const struct iovec *, int)) next("writev");
    next_send = (ssize_t (*)(int, const void *, size_t, int)) next("send");
    next_sendto = (ssize_t (*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t)) next("sendto");
    next_sendmsg = (ssize_t (*)(int, const struct msghdr *, int)) next("sendmsg");
    const char *sock = getenv("JCLUSTER_WORKER_SOCKET");
    if (sock != NULL && *sock != '\0') {
        worker_socket = sock;
        const char *sp = getenv("JCLUSTER_SPARE");
        spare = sp != NULL && strcmp(sp, "1") == 0;
        const char *list = getenv("JCLUSTER_PORTS");
        if (list != NULL && *list != '\0') {
            parse_ports(list, "JCLUSTER_PORTS");
        } else if ((list = getenv("JCLUSTER_PORT")) != NULL && *list != '\0') {
            parse_ports(list, "JCLUSTER_PORT");
        }
    }
    errno = saved;
}

static void ensure_init(void) {
    pthread_once(&once, init);
}

/* At load, while the process has one thread: no first call of a wrapper pays for it, or races. */
__attribute__((constructor)) static void init_at_load(void) {
    ensure_init();
}

static int is_app_port(int port) {
    for (int i = 0; i < port_count; i++) {
        if (ports[i] == port) return 1;
    }
    return 0;
}

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

/* Whether fd is adopted; if so, *port and *nonblock are its port and the app's blocking view. */
static int lookup(int fd, int *port, int *nonblock) {
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

static void set_nonblock_view(int fd, int nonblock) {
    pthread_mutex_lock(&lock);
    int i = find_locked(fd);
    if (i >= 0) adopted[i].nonblock = nonblock;
    pthread_mutex_unlock(&lock);
}

/* The app port this bind is for, or 0 when the call is not ours to adopt. errno is kept. */
static int app_port_of(int fd, const struct sockaddr *addr, socklen_t len, const char **family) {
    if (worker_socket == NULL || port_count == 0 || addr == NULL) return 0;
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

/* Writes all of buf; -1 with errno on failure. */
static int write_all(int s, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = send(s, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        buf += w;
        len -= (size_t) w;
    }
    return 0;
}

/*
 * Connects to the primary and sends one frame: 4-byte big-endian length, then the payload.
 * Returns the connection, or -1 with *why set.
 */
static int send_frame(const char *payload, const char **why) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(worker_socket) >= sizeof sa.sun_path) {
        *why = "the path in JCLUSTER_WORKER_SOCKET is too long for a Unix socket";
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, worker_socket);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        *why = "socket(AF_UNIX)";
        return -1;
    }
    struct timeval tv = {.tv_sec = ANSWER_TIMEOUT_SECONDS, .tv_usec = 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int r;
    do {
        r = connect(s, (struct sockaddr *) &sa, sizeof sa);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        *why = "cannot connect to the primary";
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    size_t len = strlen(payload);
    char frame[4 + 256];
    if (len > sizeof frame - 4) {
        *why = "frame too long";
        close(s);
        errno = EMSGSIZE;
        return -1;
    }
    frame[0] = (char) ((len >> 24) & 0xff);
    frame[1] = (char) ((len >> 16) & 0xff);
    frame[2] = (char) ((len >> 8) & 0xff);
    frame[3] = (char) (len & 0xff);
    memcpy(frame + 4, payload, len);
    if (write_all(s, frame, 4 + len) < 0) {
        *why = "cannot write to the primary";
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return s;
}

/* The message field of an error frame's payload, unescaped into out (at most MAX_MESSAGE bytes). */
static void error_message(const char *payload, size_t len, char *out) {
    static const char key[] = "\nmessage=";
    size_t o = 0;
    const char *end = payload + len;
    const char *p = NULL;
    for (const char *q = payload; q + sizeof key - 1 <= end; q++) {
        if (memcmp(q, key, sizeof key - 1) == 0) {
            p = q + sizeof key - 1;
            break;
        }
    }
    if (len < 6 || memcmp(payload, "error\n", 6) != 0 || p == NULL) {
        snprintf(out, MAX_MESSAGE, "an answer that is neither a descriptor nor an error (%.40s)", payload);
        for (char *c = out; *c; c++) if (*c == '\n') *c = ' ';
        return;
    }
    for (; p < end && *p != '\n' && o < MAX_MESSAGE - 1; p++) {
        char c = *p;
        if (c == '\\' && p + 1 < end) {
            c = *++p;
            c = c == 'n' ? ' ' : c == 'r' ? ' ' : c;
        }
        out[o++] = (char) ((unsigned char) c < 0x20 ? ' ' : c);
    }
    out[o] = '\0';
}

/*
 * Reads the primary's answer to a bind: the slot socket's fd (SCM_RIGHTS, with one byte), or an
 * error frame. Returns the fd (close-on-exec), -1 when refused (message in refusal), -2 on a
 * transport failure (*why and errno set).
 */
static int receive_fd(int s, char *refusal, const char **why) {
    char data[4 + MAX_MESSAGE + 64];
    size_t have = 0;
    for (;;) {
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(4 * sizeof(int))];
        } control;
        struct iovec iov = {.iov_base = data + have, .iov_len = sizeof data - have};
        struct msghdr msg;
        memset(&msg, 0, sizeof msg);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            *why = errno == EAGAIN || errno == EWOULDBLOCK
                    ? "no answer from the primary within 60 s" : "cannot read the primary's answer";
            if (errno == EAGAIN || errno == EWOULDBLOCK) errno = ETIMEDOUT;
            return -2;
        }
        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int *fds = (int *) CMSG_DATA(c);
            for (size_t i = 0; i < count; i++) {
                if (fd < 0) fd = fds[i];
                else close(fds[i]); /* one socket was asked for */
            }
        }
        if (fd >= 0) return fd;
        if (n == 0) {
            if (have == 0) {
                *why = "the primary closed the connection without an answer (its primary.log says why)";
                errno = ECONNRESET;
                return -2;
            }
            break; /* a truncated frame: parse what came */
        }
        have += (size_t) n;
        if (have >= 4) {
            size_t len = ((size_t) (unsigned char) data[0] << 24) | ((size_t) (unsigned char) data[1] << 16)
                    | ((size_t) (unsigned char) data[2] << 8) | (size_t) (unsigned char) data[3];
            if (have - 4 >= len || have == sizeof data) break;
        }
    }
    size_t len = have > 4 ? have - 4 : 0;
    if (4 + len >= sizeof data) len = sizeof data - 5;
    data[4 + len] = '\0';
    error_message(data + 4, len, refusal);
    return -1;
}

/* ---- connections accepted from adopted fds: counts and drain ---- */

enum {
    PHASE_MASK = 0x07,
    PHASE_NEW = 1,      /* accepted, nothing read yet */
    PHASE_REQUEST = 2,  /* read since the last write: a request is being served */
    PHASE_RESPONSE = 3, /* written since the last read: a response went out, or is going out */
    PHASE_CLOSING = 4,  /* a response of it carries Connection: close: the client closes it */
    TOUCHED = 0x08,     /* read or written since the drain's last scan */
    SHUT = 0x10,        /* shut for reading by the drain, idle past the grace */
    MAX_CONN_FDS = 1 << 20,
    SCAN_MILLIS = 100,
    IDLE_GRACE_MILLIS = 3000, /* long beside a busy client's pause between two requests, even on a loaded machine */
    COUNT_MILLIS = 1000,
    MAX_INJECTING = 256,
    MAX_IOV = 1000,
};

static const char CLOSE_HEADER[] = "Connection: close\r\n";
#define CLOSE_HEADER_LEN ((int) sizeof CLOSE_HEADER - 1)

/* Per fd: 0 when not an accepted connection, else PHASE_* | TOUCHED | SHUT. Allocated at the first adoption. */
static unsigned char *conn_state;
static int conn_cap;
static int conn_max_fd = -1;
static long conns_open;
static long conns_accepted;
static int draining;
static unsigned char *quiet; /* per fd, while draining: scans since it was last touched (the session thread's) */
/* Serializes close() of a tracked fd with the drain's shutdown() of it, so a reused fd number is never shut. */
static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

/* A response whose Connection: close is not all written yet (under lock). */
struct injecting {
    int fd;
    int before; /* bytes of the status line still to write before the header */
    int header; /* bytes of the header still to write */
};
static struct injecting injecting[MAX_INJECTING];
static int injecting_count;

static unsigned char conn_get(int fd) {
    unsigned char *s = __atomic_load_n(&conn_state, __ATOMIC_ACQUIRE);
    if (s == NULL || fd < 0 || fd >= conn_cap) return 0;
    return __atomic_load_n(&s[fd], __ATOMIC_RELAXED);
}

/* A read (PHASE_REQUEST) or a write (PHASE_RESPONSE) on a tracked connection; a closing one stays closing. */
static void conn_saw(int fd, int phase) {
    unsigned char *s = __atomic_load_n(&conn_state, __ATOMIC_ACQUIRE);
    if (s == NULL || fd < 0 || fd >= conn_cap) return;
    unsigned char old = __atomic_load_n(&s[fd], __ATOMIC_RELAXED);
    unsigned char neu;
    do {
        if (old == 0) return;
        int p = (old & PHASE_MASK) == PHASE_CLOSING ? PHASE_CLOSING : phase;
        neu = (unsigned char) ((old & ~PHASE_MASK) | p | TOUCHED);
        if (neu == old) return;
    } while (!__atomic_compare_exchange_n(&s[fd], &old, neu, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

static void conn_track(int fd) {
    unsigned char *s = __atomic_load_n(&conn_state, __ATOMIC_ACQUIRE);
    if (s == NULL || fd < 0 || fd >= conn_cap) return;
    if (__atomic_exchange_n(&s[fd], (unsigned char) (PHASE_NEW | TOUCHED), __ATOMIC_RELAXED) == 0) {
        __atomic_add_fetch(&conns_open, 1, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&conns_accepted, 1, __ATOMIC_RELAXED);
    int max = __atomic_load_n(&conn_max_fd, __ATOMIC_RELAXED);
    while (fd > max && !__atomic_compare_exchange_n(&conn_max_fd, &max, fd, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

static int find_injecting_locked(int fd) {
    for (int i = 0; i < injecting_count; i++) {
        if (injecting[i].fd == fd) return i;
    }
    return -1;
}

/*
 * Where the status line of a response ends in iov (the byte after its CRLF), or 0 when these bytes
 * do not begin an HTTP/1.x response other than 1xx with its status line in the first 512 bytes.
 */
static int status_line_end(const struct iovec *iov, int cnt) {
    char head[512];
    size_t have = 0;
    for (int i = 0; i < cnt && have < sizeof head; i++) {
        size_t take = iov[i].iov_len < sizeof head - have ? iov[i].iov_len : sizeof head - have;
        memcpy(head + have, iov[i].iov_base, take);
        have += take;
    }
    if (have < 12 || memcmp(head, "HTTP/1.", 7) != 0 || head[9] == '1') return 0;
    for (size_t i = 8; i + 1 < have; i++) {
        if (head[i] == '\r' && head[i + 1] == '\n') return (int) i + 2;
    }
    return 0;
}

/* Whether this write of a tracked connection must carry (the rest of) Connection: close. */
static int wants_header(int fd, const struct iovec *iov, int cnt) {
    if (!__atomic_load_n(&draining, __ATOMIC_ACQUIRE) || cnt > MAX_IOV) return 0;
    pthread_mutex_lock(&lock);
    int found = find_injecting_locked(fd) >= 0;
    if (!found && (conn_get(fd) & PHASE_MASK) != PHASE_CLOSING && injecting_count < MAX_INJECTING) {
        int end = status_line_end(iov, cnt);
        if (end > 0) {
            injecting[injecting_count++] = (struct injecting){.fd = fd, .before = end, .header = CLOSE_HEADER_LEN};
            unsigned char old = __atomic_load_n(&conn_state[fd], __ATOMIC_RELAXED);
            while (old != 0 && !__atomic_compare_exchange_n(&conn_state[fd], &old,
                    (unsigned char) ((old & ~PHASE_MASK) | PHASE_CLOSING | TOUCHED), 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            }
            found = 1;
        }
    }
    pthread_mutex_unlock(&lock);
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
    size_t total = 0;
    for (int j = 0; j < cnt; j++) total += iov[j].iov_len;
    for (;;) {
        pthread_mutex_lock(&lock);
        int i = find_injecting_locked(fd);
        struct injecting st = i >= 0 ? injecting[i] : (struct injecting){.fd = fd, .before = 0, .header = 0};
        pthread_mutex_unlock(&lock);
        if (st.header == 0 || total == 0) return put(fd, iov, cnt, flags, msg, as_send);
        struct iovec stack[64 + 2];
        struct iovec *v = cnt <= 64 ? stack : malloc(sizeof *v * (size_t) (cnt + 2));
        if (v == NULL) {
            errno = ENOMEM;
            return -1;
        }
        struct iovec header = {.iov_base = (void *) (CLOSE_HEADER + CLOSE_HEADER_LEN - st.header), .iov_len = (size_t) st.header};
        int n = 0, placed = 0;
        size_t pos = 0;
        if (st.before == 0) {
            v[n++] = header;
            placed = 1;
        }
        for (int j = 0; j < cnt; j++) {
            char *base = iov[j].iov_base;
            size_t len = iov[j].iov_len;
            if (!placed && pos + len >= (size_t) st.before) {
                size_t cut = (size_t) st.before - pos;
                if (cut > 0) v[n++] = (struct iovec){.iov_base = base, .iov_len = cut};
                v[n++] = header;
                placed = 1;
                if (len > cut) v[n++] = (struct iovec){.iov_base = base + cut, .iov_len = len - cut};
            } else if (len > 0) {
                v[n++] = iov[j];
            }
            pos += len;
        }
        ssize_t w = put(fd, v, n, flags, msg, as_send);
        int e = errno;
        if (v != stack) free(v);
        if (w < 0) {
            errno = e;
            return -1;
        }
        size_t app;
        if ((size_t) w <= (size_t) st.before) {
            app = (size_t) w;
            st.before -= (int) w;
        } else {
            size_t after = (size_t) w - (size_t) st.before;
            size_t sent = after < (size_t) st.header ? after : (size_t) st.header;
            app = (size_t) st.before + after - sent;
            st.before = 0;
            st.header -= (int) sent;
        }
        pthread_mutex_lock(&lock);
        i = find_injecting_locked(fd);
        if (i >= 0) {
            if (st.header == 0) injecting[i] = injecting[--injecting_count];
            else injecting[i] = st;
        }
        pthread_mutex_unlock(&lock);
        if (app > 0 || w == 0) return (ssize_t) app;
        int fl = next_fcntl(fd, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK)) {
            errno = EAGAIN;
            return -1;
        }
    }
}

/* A write of a tracked connection; false when it is not one (the caller writes as usual). */
static int tracked_write(int fd, const struct iovec *iov, int cnt, int flags, const struct msghdr *msg, int as_send, ssize_t *result) {
    if (conn_get(fd) == 0) return 0;
    if (!wants_header(fd, iov, cnt)) {
        conn_saw(fd, PHASE_RESPONSE);
        return 0;
    }
    *result = write_with_header(fd, iov, cnt, flags, msg, as_send);
    int e = errno;
    conn_saw(fd, PHASE_RESPONSE);
    errno = e;
    return 1;
}

/* One frame on the session, from the session thread only. */
static int session_send(int s, const char *payload) {
    size_t len = strlen(payload);
    char frame[4 + 128];
    if (len > sizeof frame - 4) return -1;
    frame[0] = (char) ((len >> 24) & 0xff);
    frame[1] = (char) ((len >> 16) & 0xff);
    frame[2] = (char) ((len >> 8) & 0xff);
    frame[3] = (char) (len & 0xff);
    memcpy(frame + 4, payload, len);
    return write_all(s, frame, 4 + len);
}

static void start_drain(void) {
    if (__atomic_load_n(&draining, __ATOMIC_ACQUIRE)) return;
    quiet = calloc((size_t) conn_cap, 1);
    __atomic_store_n(&draining, 1, __ATOMIC_RELEASE);
    say("draining: %ld open connection(s) get Connection: close on their next response, and close when idle for %d ms",
            __atomic_load_n(&conns_open, __ATOMIC_RELAXED), IDLE_GRACE_MILLIS);
}

/* Every SCAN_MILLIS while draining: shuts, for reading, the connections idle past the grace between requests. */
static void scan(void) {
    if (quiet == NULL) return;
    int max = __atomic_load_n(&conn_max_fd, __ATOMIC_RELAXED);
    for (int fd = 0; fd <= max && fd < conn_cap; fd++) {
        unsigned char st = __atomic_load_n(&conn_state[fd], __ATOMIC_RELAXED);
        if (st == 0) {
            quiet[fd] = 0;
            continue;
        }
        if (st & TOUCHED) {
            __atomic_and_fetch(&conn_state[fd], (unsigned char) ~TOUCHED, __ATOMIC_RELAXED);
            quiet[fd] = 0;
            continue;
        }
        if (quiet[fd] < 255) quiet[fd]++;
        int phase = st & PHASE_MASK;
        if ((phase != PHASE_NEW && phase != PHASE_RESPONSE) || (st & SHUT) || quiet[fd] * SCAN_MILLIS < IDLE_GRACE_MILLIS) continue;
        pthread_mutex_lock(&conn_lock);
        if (__atomic_load_n(&conn_state[fd], __ATOMIC_RELAXED) != 0) {
            int e = errno;
            shutdown(fd, SHUT_RD); /* the app reads the end and closes it; nothing it writes is cut */
            errno = e;
            __atomic_or_fetch(&conn_state[fd], (unsigned char) SHUT, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&conn_lock);
    }
}

/* The session: reports the counts, takes drain. Ends when the primary goes (the agent ends the worker then). */
static void *session_main(void *arg) {
    int s = (int) (intptr_t) arg;
    char buf[4096];
    size_t have = 0;
    long reported = -1;
    struct timespec last = {0, 0};
    for (;;) {
        int drain_now = __atomic_load_n(&draining, __ATOMIC_ACQUIRE);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long since = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
        long open = __atomic_load_n(&conns_open, __ATOMIC_RELAXED);
        if (since >= COUNT_MILLIS || (drain_now && open != reported)) {
            char payload[128];
            snprintf(payload, sizeof payload, "conns\nopen=%ld\naccepted=%ld\n", open,
                    __atomic_load_n(&conns_accepted, __ATOMIC_RELAXED));
            if (session_send(s, payload) < 0) break;
            reported = open;
            last = now;
        }
        struct pollfd p = {.fd = s, .events = POLLIN, .revents = 0};
        int n = poll(&p, 1, drain_now ? SCAN_MILLIS : COUNT_MILLIS);
        if (n < 0 && errno != EINTR) break;
        if (n > 0) {
            ssize_t r = next_recv(s, buf + have, sizeof buf - have, 0);
            if (r <= 0) break;
            have += (size_t) r;
            while (have >= 4) {
                size_t len = ((size_t) (unsigned char) buf[0] << 24) | ((size_t) (unsigned char) buf[1] << 16)
                        | ((size_t) (unsigned char) buf[2] << 8) | (size_t) (unsigned char) buf[3];
                if (len > sizeof buf - 4) goto done; /* nothing the primary sends here is that long */
                if (have < 4 + len) break;
                if (len >= 6 && memcmp(buf + 4, "drain\n", 6) == 0) start_drain();
                memmove(buf, buf + 4 + len, have - 4 - len);
                have -= 4 + len;
            }
        }
        if (__atomic_load_n(&draining, __ATOMIC_ACQUIRE)) scan();
    }
done:
    close(s);
    return NULL;
}

/* At the first adoption: the connection table and the session with the primary. */
static void conn_start(void) {
    struct rlimit rl;
    long cap = MAX_CONN_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && (long) rl.rlim_max < cap) cap = (long) rl.rlim_max;
    unsigned char *table = calloc((size_t) cap, 1);
    if (table == NULL) {
        say("no memory to track connections: no counts, and no Connection: close at drain");
        return;
    }
    conn_cap = (int) cap;
    __atomic_store_n(&conn_state, table, __ATOMIC_RELEASE);
    const char *why = NULL;
    int s = send_frame("conns\nopen=0\naccepted=0\n", &why);
    if (s < 0) {
        say("no session with the primary (%s: %s): no counts, and no Connection: close at drain", why, strerror(errno));
        return;
    }
    /* JVM signals belong to JVM threads: the session thread blocks them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t t;
    int r = pthread_create(&t, &attr, session_main, (void *) (intptr_t) s);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        say("no session thread (%s): no counts, and no Connection: close at drain", strerror(r));
        close(s);
    }
}

static void conn_start_once(void) {
    int e = errno;
    conn_start();
    errno = e;
}

/* Binds fd by adopting the slot's socket for port; the return value and errno of bind(). */
static int adopt(int fd, int port, const char *family, int saved_errno) {
    int known_port;
    if (lookup(fd, &known_port, NULL)) {
        say("bind of fd %d to port %d: the fd already holds the slot socket of port %d (a second bind is an error)",
                fd, port, known_port);
        errno = EINVAL;
        return -1;
    }
    int fd_flags = next_fcntl(fd, F_GETFD);
    int fl_flags = next_fcntl(fd, F_GETFL);
    if (fd_flags < 0 || fl_flags < 0) return -1; /* EBADF: as bind would say */

    char payload[96];
    snprintf(payload, sizeof payload, "bind\nport=%d\nfamily=%s\n", port, family);
    const char *why = NULL;
    int s = send_frame(payload, &why);
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
    int got = receive_fd(s, refusal, &why);
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
    struct stat st;
    if (fstat(got, &st) != 0 || dup3(got, fd, (fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
        e = errno;
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
    pthread_once(&conn_once, conn_start_once);
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
    int s = send_frame(payload, &why);
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
 * for a second bind of an adopted fd; each with a "jcluster: " line on stderr.
 */
EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    ensure_init();
    int saved = errno;
    const char *family = NULL;
    int port = app_port_of(fd, addr, len, &family);
    if (port == 0) return next_bind(fd, addr, len);
    return adopt(fd, port, family, saved);
}

/**
 * listen(2). On an adopted fd: returns 0 and leaves the slot socket, already listening with the
 * primary's backlog, alone; the first listen of each app port tells the primary (readiness).
 */
EXPORT int listen(int fd, int backlog) {
    ensure_init();
    int port;
    if (!lookup(fd, &port, NULL)) return next_listen(fd, backlog);
    announce(port);
    return 0;
}

/* accept()/accept4() on an adopted fd the app sees as blocking: wait for a connection, as it would. */
static int accept_common(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four) {
    int nonblock = 1;
    int adopted_fd = lookup(fd, NULL, &nonblock);
    for (;;) {
        if (adopted_fd && __atomic_load_n(&draining, __ATOMIC_ACQUIRE)) {
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

/** accept(2). On an adopted fd that the app sees as blocking, blocks until a connection comes. */
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
    if ((cmd != F_GETFL && cmd != F_SETFL) || !lookup(fd, NULL, &nonblock)) return real(fd, cmd, arg);
    if (cmd == F_GETFL) {
        int r = real(fd, F_GETFL);
        return r < 0 ? r : (r & ~O_NONBLOCK) | (nonblock ? O_NONBLOCK : 0);
    }
    int flags = (int) (intptr_t) arg;
    int r = real(fd, F_SETFL, flags | O_NONBLOCK);
    if (r == 0) set_nonblock_view(fd, (flags & O_NONBLOCK) != 0);
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
    if (request == FIONBIO && arg != NULL && lookup(fd, NULL, NULL)) {
        set_nonblock_view(fd, *(int *) arg != 0);
        return 0;
    }
    return next_ioctl(fd, request, arg);
}

/** close(2). Forgets a tracked connection first (its count, its pending Connection: close). */
EXPORT int close(int fd) {
    ensure_init();
    if (conn_get(fd) == 0) return next_close(fd);
    pthread_mutex_lock(&conn_lock);
    if (__atomic_exchange_n(&conn_state[fd], (unsigned char) 0, __ATOMIC_RELAXED) != 0) {
        __atomic_sub_fetch(&conns_open, 1, __ATOMIC_RELAXED);
        pthread_mutex_lock(&lock);
        int i = find_injecting_locked(fd);
        if (i >= 0) injecting[i] = injecting[--injecting_count];
        pthread_mutex_unlock(&lock);
    }
    int r = next_close(fd);
    int e = errno;
    pthread_mutex_unlock(&conn_lock);
    errno = e;
    return r;
}

/** read(2). Notes a request on a tracked connection. */
EXPORT ssize_t read(int fd, void *buf, size_t n) {
    ensure_init();
    ssize_t r = next_read(fd, buf, n);
    if (r > 0) conn_saw(fd, PHASE_REQUEST);
    return r;
}

/** readv(2). As {@code read}. */
EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
    ensure_init();
    ssize_t r = next_readv(fd, iov, cnt);
    if (r > 0) conn_saw(fd, PHASE_REQUEST);
    return r;
}

/** recv(2). As {@code read}. */
EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
    ensure_init();
    ssize_t r = next_recv(fd, buf, n, flags);
    if (r > 0 && !(flags & MSG_PEEK)) conn_saw(fd, PHASE_REQUEST);
    return r;
}

/** recvfrom(2). As {@code read}. */
EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len) {
    ensure_init();
    ssize_t r = next_recvfrom(fd, buf, n, flags, addr, len);
    if (r > 0 && !(flags & MSG_PEEK)) conn_saw(fd, PHASE_REQUEST);
    return r;
}

/** recvmsg(2). As {@code read}. */
EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    ensure_init();
    ssize_t r = next_recvmsg(fd, msg, flags);
    if (r > 0 && !(flags & MSG_PEEK)) conn_saw(fd, PHASE_REQUEST);
    return r;
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

/**
 * epoll_ctl(2). On an adopted fd, a MOD that finds no registration (the app registered its own
 * socket before the bind, and the dup3 closed it) adds the slot socket with the same events, and a
 * DEL that finds none succeeds; everything else passes through.
 */
EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) {
    ensure_init();
    int saved = errno;
    int r = next_epoll_ctl(epfd, op, fd, event);
    if (r == 0 || errno != ENOENT || (op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) || !lookup(fd, NULL, NULL)) return r;
    if (op == EPOLL_CTL_DEL) {
        errno = saved;
        return 0;
    }
    r = next_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, event);
    if (r == 0) errno = saved;
    return r;
}
