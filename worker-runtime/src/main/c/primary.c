/*
 * The one-shot connections to the primary: a bind (ask for the slot's socket, receive its fd or a
 * refusal) and listening (one-way). The session, which stays open, is session.c's.
 */
#include "primary.h"

#include "frame.h"
#include "preload.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int write_all(int s, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = send(s, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        buf += w;
        len -= (size_t) w;
    }
    return 0;
}

int primary_send(const char *payload, const char **why) {
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
    char frame[4 + 256];
    int n = frame_encode(payload, frame, sizeof frame);
    if (n < 0) {
        *why = "frame too long";
        close(s);
        errno = EMSGSIZE;
        return -1;
    }
    if (write_all(s, frame, (size_t) n) < 0) {
        *why = "cannot write to the primary";
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    return s;
}

int primary_receive_fd(int s, char *refusal, const char **why) {
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
            size_t len = frame_length(data);
            if (have - 4 >= len || have == sizeof data) break;
        }
    }
    size_t len = have > 4 ? have - 4 : 0;
    if (4 + len >= sizeof data) len = sizeof data - 5;
    data[4 + len] = '\0';
    frame_error_message(data + 4, len, refusal);
    return -1;
}
