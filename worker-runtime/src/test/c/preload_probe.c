/*
 * A server as C code writes it, for PreloadLibraryIT: it binds, listens and accepts on the port given,
 * with the preload library in LD_PRELOAD, and prints what each call returned, one key=value a line.
 *
 * usage: preload_probe adopt|bind|udp PORT
 *   adopt: an AF_INET6 TCP socket, blocking, close-on-exec: bind, listen, a second bind, then "ready";
 *          a blocking accept (the test connects), then a non-blocking one (nothing is queued)
 *   drain: bind and listen, accept two connections (blocking), read a request on the first, wait for a
 *          line on stdin (the test drains meanwhile), answer it with one writev whose status line is
 *          split over two iovecs, try a non-blocking accept, then read the second (idle) connection
 *   epoll: as netty does: a non-blocking socket registered with epoll (EPOLLET) before its bind, then
 *          bind, listen, EPOLL_CTL_MOD to EPOLLIN|EPOLLET, "ready", wait for a connection, accept it
 *   bind:  an AF_INET TCP socket: bind only
 *   udp:   an AF_INET UDP socket: bind only
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *name(int e) {
    switch (e) {
        case 0: return "0";
        case EINVAL: return "EINVAL";
        case EADDRINUSE: return "EADDRINUSE";
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
        case EAGAIN: return "EAGAIN";
        case EINTR: return "EINTR";
        default: return strerror(e);
    }
}

/* O_NONBLOCK of the open file description, as the kernel has it (not as fcntl reports it). */
static int shared_nonblock(int fd) {
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    int nb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "flags:", 6) == 0) nb = (strtol(line + 6, NULL, 8) & O_NONBLOCK) != 0;
    }
    if (f != NULL) fclose(f);
    return nb;
}

int main(int argc, char **argv) {
    if (argc < 3) return 64;
    int port = atoi(argv[2]);
    setvbuf(stdout, NULL, _IONBF, 0);
    if (strcmp(argv[1], "adopt") == 0) {
        int s = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short) port), .sin6_addr = in6addr_any};
        errno = 0;
        int r = bind(s, (struct sockaddr *) &a6, sizeof a6);
        printf("bind=%d errno=%s\n", r, name(r < 0 ? errno : 0));
        printf("cloexec=%d\n", (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
        printf("app_nonblock=%d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
        printf("shared_nonblock=%d\n", shared_nonblock(s));
        struct stat st;
        fstat(s, &st);
        printf("inode=%lu\n", (unsigned long) st.st_ino);
        struct sockaddr_storage local;
        socklen_t len = sizeof local;
        getsockname(s, (struct sockaddr *) &local, &len);
        printf("local_port=%d\n", ntohs(((struct sockaddr_in6 *) &local)->sin6_port));
        r = listen(s, 5);
        printf("listen=%d\n", r);
        errno = 0;
        r = bind(s, (struct sockaddr *) &a6, sizeof a6);
        printf("bind2=%d errno=%s\n", r, name(r < 0 ? errno : 0));
        printf("ready\n");
        int c = accept(s, NULL, NULL); /* blocking, in the app's view: waits for the test's connection */
        printf("accept=%s errno=%s\n", c >= 0 ? "ok" : "failed", name(c >= 0 ? 0 : errno));
        if (c >= 0) close(c);
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
        printf("app_nonblock=%d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
        c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        printf("accept_nonblocking=%d errno=%s\n", c, name(c >= 0 ? 0 : errno));
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
        printf("app_nonblock=%d shared_nonblock=%d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, shared_nonblock(s));
        return 0;
    }
    if (strcmp(argv[1], "drain") == 0) {
        int s = socket(AF_INET6, SOCK_STREAM, 0);
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short) port), .sin6_addr = in6addr_any};
        if (bind(s, (struct sockaddr *) &a6, sizeof a6) != 0 || listen(s, 5) != 0) return 1;
        printf("ready\n");
        int c1 = accept(s, NULL, NULL);
        int c2 = accept(s, NULL, NULL);
        char req[1024];
        size_t have = 0;
        while (have < sizeof req - 1) {
            ssize_t r = read(c1, req + have, sizeof req - 1 - have);
            if (r <= 0) break;
            have += (size_t) r;
            req[have] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) break;
        }
        printf("request\n");
        char line[16];
        if (fgets(line, sizeof line, stdin) == NULL) return 1;
        static char head[] = "HTTP/1.1 20";
        static char rest[] = "0 OK\r\nContent-Length: 2\r\n\r\nhi";
        struct iovec v[2] = {{head, sizeof head - 1}, {rest, sizeof rest - 1}};
        ssize_t w = writev(c1, v, 2);
        printf("wrote=%zd of %zu\n", w, sizeof head - 1 + sizeof rest - 1);
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
        int c3 = accept(s, NULL, NULL);
        printf("accept_draining=%d errno=%s\n", c3, name(c3 >= 0 ? 0 : errno));
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char b;
        ssize_t r = read(c2, &b, 1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("idle_read=%zd after_ms=%ld\n", r, (long) ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
        close(c1);
        close(c2);
        usleep(400 * 1000); /* the session reports the connections closed */
        return 0;
    }
    if (strcmp(argv[1], "epoll") == 0) {
        int s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLET, .data = {.fd = s}};
        printf("add=%d\n", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short) port), .sin6_addr = in6addr_any};
        printf("bind=%d\n", bind(s, (struct sockaddr *) &a6, sizeof a6));
        printf("listen=%d\n", listen(s, 5));
        ev.events = EPOLLIN | EPOLLET;
        errno = 0;
        int r = epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
        printf("mod=%d errno=%s\n", r, name(r < 0 ? errno : 0));
        printf("ready\n");
        struct epoll_event got;
        int n = epoll_wait(ep, &got, 1, 10000);
        printf("events=%d\n", n);
        int c = accept(s, NULL, NULL);
        printf("accept=%s\n", c >= 0 ? "ok" : name(errno));
        errno = 0;
        r = epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
        printf("del=%d errno=%s\n", r, name(r < 0 ? errno : 0));
        return 0;
    }
    int udp = strcmp(argv[1], "udp") == 0;
    int s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((unsigned short) port), .sin_addr = {htonl(INADDR_ANY)}};
    errno = 0;
    int r = bind(s, (struct sockaddr *) &a4, sizeof a4);
    printf("bind=%d errno=%s\n", r, name(r < 0 ? errno : 0));
    return 0;
}
