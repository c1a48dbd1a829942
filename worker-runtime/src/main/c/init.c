/*
 * The library's start: the next definitions of the calls it interposes, what the environment says
 * (is this a worker, where is the primary, which ports are the app's), and its one way to speak
 * (say). A process without JCLUSTER_WORKER_SOCKET is never touched.
 */
#include "preload.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int (*next_bind)(int, const struct sockaddr *, socklen_t);
int (*next_listen)(int, int);
int (*next_accept)(int, struct sockaddr *, socklen_t *);
int (*next_accept4)(int, struct sockaddr *, socklen_t *, int);
int (*next_fcntl)(int, int, ...);
int (*next_fcntl64)(int, int, ...);
int (*next_ioctl)(int, unsigned long, ...);
int (*next_close)(int);
int (*next_shutdown)(int, int);
int (*next_epoll_ctl)(int, int, int, struct epoll_event *);
ssize_t (*next_read)(int, void *, size_t);
ssize_t (*next_readv)(int, const struct iovec *, int);
ssize_t (*next_recv)(int, void *, size_t, int);
ssize_t (*next_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t (*next_recvmsg)(int, struct msghdr *, int);
ssize_t (*next_write)(int, const void *, size_t);
ssize_t (*next_writev)(int, const struct iovec *, int);
ssize_t (*next_send)(int, const void *, size_t, int);
ssize_t (*next_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t (*next_sendmsg)(int, const struct msghdr *, int);
ssize_t (*next_sendfile)(int, int, off_t *, size_t);
ssize_t (*next_sendfile64)(int, int, off64_t *, size_t);

const char *worker_socket;
int spare;
int training;
static int ports[MAX_PORTS];
static int port_count;

static pthread_once_t once = PTHREAD_ONCE_INIT;

void say(const char *fmt, ...) {
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
    if (f == NULL && strcmp(name, "fcntl64") != 0 && strcmp(name, "sendfile64") != 0) say("cannot find %s in libc: %s", name, dlerror());
    return f;
}

int parse_port_list(const char *list, int *out, int max) {
    int count = 0;
    const char *p = list;
    while (*p != '\0' && count < max) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65535 || (*end != ',' && *end != '\0')) return -1;
        out[count++] = (int) v;
        p = *end == ',' ? end + 1 : end;
    }
    return count;
}

static void parse_ports(const char *list, const char *name) {
    int n = parse_port_list(list, ports, MAX_PORTS);
    if (n < 0) {
        say("%s=%s is not a comma-separated list of ports: no bind will be adopted", name, list);
        n = 0;
    }
    port_count = n;
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
    next_shutdown = (int (*)(int, int)) next("shutdown");
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
    next_sendfile = (ssize_t (*)(int, int, off_t *, size_t)) next("sendfile");
    next_sendfile64 = (ssize_t (*)(int, int, off64_t *, size_t)) next("sendfile64");
    if (next_sendfile64 == NULL) next_sendfile64 = (ssize_t (*)(int, int, off64_t *, size_t)) next_sendfile;
    const char *sock = getenv("JCLUSTER_WORKER_SOCKET");
    const char *train = getenv("JCLUSTER_TRAINING");
    training = (sock == NULL || *sock == '\0') && train != NULL && strcmp(train, "1") == 0;
    if ((sock != NULL && *sock != '\0') || training) {
        if (!training) worker_socket = sock;
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

void ensure_init(void) {
    pthread_once(&once, init);
}

/* At load, while the process has one thread: no first call of a wrapper pays for it, or races. */
__attribute__((constructor)) static void init_at_load(void) {
    ensure_init();
}

int is_app_port(int port) {
    for (int i = 0; i < port_count; i++) {
        if (ports[i] == port) return 1;
    }
    return 0;
}
