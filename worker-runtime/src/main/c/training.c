/*
 * A training run of the start cache (JCLUSTER_TRAINING=1, no primary): the app starts as a worker
 * would, but its bind of an app port goes to the loopback's port 0 instead (127.0.0.1 or ::1, any
 * free port), so that it never takes the app's port nor its traffic. Once it listens there, one
 * line on stderr says where ("jcluster: training run: listening on port N"): the primary sends it a
 * few requests, so that what serving loads is in the cache too, and then stops it with SIGTERM, when
 * the JVM writes the cache.
 */
#include "training.h"

#include "preload.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

enum { MAX_TRAINING_FDS = 16 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fds[MAX_TRAINING_FDS];
static int fd_count;

int training_bind(int fd, const struct sockaddr *addr, int port) {
    int r;
    if (addr->sa_family == AF_INET6) {
        struct sockaddr_in6 loop;
        memset(&loop, 0, sizeof loop);
        loop.sin6_family = AF_INET6;
        loop.sin6_addr = in6addr_loopback;
        r = next_bind(fd, (const struct sockaddr *) &loop, sizeof loop);
    } else {
        struct sockaddr_in loop;
        memset(&loop, 0, sizeof loop);
        loop.sin_family = AF_INET;
        loop.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r = next_bind(fd, (const struct sockaddr *) &loop, sizeof loop);
    }
    if (r != 0) {
        int e = errno;
        say("training run: cannot bind the loopback instead of port %d: %s", port, strerror(e));
        errno = e;
        return r;
    }
    pthread_mutex_lock(&lock);
    if (fd_count < MAX_TRAINING_FDS) fds[fd_count++] = fd;
    pthread_mutex_unlock(&lock);
    return 0;
}

void training_listened(int fd) {
    int saved = errno;
    int ours = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < fd_count; i++) {
        if (fds[i] == fd) {
            fds[i] = fds[--fd_count];
            ours = 1;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (ours) {
        struct sockaddr_storage a;
        socklen_t len = sizeof a;
        if (getsockname(fd, (struct sockaddr *) &a, &len) == 0) {
            int port = a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *) &a)->sin6_port)
                                               : ntohs(((struct sockaddr_in *) &a)->sin_port);
            say("training run: listening on port %d", port);
        }
    }
    errno = saved;
}
