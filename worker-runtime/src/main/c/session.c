/*
 * The session with the primary, opened at the first adoption and kept for the worker's life: its
 * first frame, conns, opens it; a thread of its own reports the open and accepted counts and the
 * request figures (conns, every second, and at each change of the open count while draining) and
 * takes handover and drain. Handing over (the slot's next worker warms up), it accepts nothing more
 * and marks the open connections for Connection: close one by one, evenly over the spread the
 * primary gives. While
 * draining, it scans the connections every 100 ms and shuts, for reading, those idle for 3 s after a
 * response (or before any request), so the app reads the end and closes them. It ends when the
 * primary goes (the agent ends the worker then).
 */
#include "session.h"

#include "conns.h"
#include "ends.h"
#include "figures.h"
#include "frame.h"
#include "preload.h"
#include "primary.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    SCAN_MILLIS = 100,
    IDLE_GRACE_MILLIS = 3000, /* long beside a busy client's pause between two requests, even on a loaded machine */
    COUNT_MILLIS = 1000,
};

int session_drain_flag;
int session_handover_flag;

/* A hand-over under way: when it began (monotonic ms), over how long, how many it moves and has moved. */
static struct {
    long began;
    long spread;
    long total;
    long handed;
} handover;
static pthread_once_t session_once = PTHREAD_ONCE_INIT;

/*
 * Sends conns: the connection counts (and, while draining, those only the app can end), and the
 * request figures once a response or an abort was counted (an app whose connections carry no
 * HTTP/1.x gets none). From the session thread only.
 */
static int report(int s, long open, int drain_now) {
    static char frame[4 + 32768];
    char *payload = frame + 4;
    size_t cap = sizeof frame - 4;
    int n = drain_now
            ? snprintf(payload, cap, "conns\nopen=%ld\naccepted=%ld\nleft=%ld\n", open, conn_accepted_count(), ends_left_count())
            : snprintf(payload, cap, "conns\nopen=%ld\naccepted=%ld\n", open, conn_accepted_count());
    if (n < 0 || (size_t) n >= cap) return -1;
    size_t len = (size_t) n;
    if (figures_any()) {
        int m = figures_put(payload, cap, len);
        if (m > 0) len = (size_t) m; /* else the counts go alone */
    }
    frame_put_length(frame, len);
    return write_all(s, frame, 4 + len);
}

static void start_drain(void) {
    if (draining()) return;
    __atomic_store_n(&session_drain_flag, 1, __ATOMIC_RELEASE);
    say("draining: %ld open connection(s): HTTP/1.x get Connection: close on their next response, HTTP/2 (h2c) GOAWAY,"
            " WebSockets a close (1001), event streams their end after the current event; idle ones close after %d ms",
            conn_open_count(), IDLE_GRACE_MILLIS);
}

static long now_millis(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The slot's next worker warms up: accept nothing more, and hand the open connections over one by one. */
static void start_handover(const char *payload, size_t len) {
    if (accepts_no_more()) return;
    char text[128];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, payload, n);
    text[n] = '\0';
    const char *field = strstr(text, "\nspreadMillis=");
    long spread = field == NULL ? 0 : strtol(field + 14, NULL, 10);
    handover.began = now_millis();
    handover.spread = spread > 0 ? spread : 0;
    handover.total = conn_open_count();
    handover.handed = 0;
    __atomic_store_n(&session_handover_flag, 1, __ATOMIC_RELEASE);
    say("handing over: no more accepts; %ld open connection(s) get Connection: close on their next response, one by one over %ld ms",
            handover.total, handover.spread);
}

/* Hands over the connections due by now: an even share of the spread, all of them once it is over. */
static void hand_over_due(void) {
    if (handover.handed >= handover.total) return;
    long elapsed = now_millis() - handover.began;
    long due = elapsed >= handover.spread ? handover.total : handover.total * elapsed / handover.spread + 1;
    if (due > handover.handed) handover.handed += conn_hand_over(due - handover.handed);
    if (elapsed >= handover.spread) handover.handed = handover.total; /* those left are closed or new: the drain sees to them */
}

static void shut_for_reading(int fd) {
    next_shutdown(fd, SHUT_RD);
}

/* The session thread: reports the counts, takes drain. */
static void *session_main(void *arg) {
    int s = (int) (intptr_t) arg;
    char buf[4096];
    size_t have = 0;
    long reported = -1;
    struct timespec last = {0, 0};
    for (;;) {
        int drain_now = draining();
        int handing_over = !drain_now && __atomic_load_n(&session_handover_flag, __ATOMIC_ACQUIRE);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long since = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
        long open = conn_open_count();
        if (since >= COUNT_MILLIS || (drain_now && open != reported)) {
            if (report(s, open, drain_now) < 0) break;
            reported = open;
            last = now;
        }
        struct pollfd p = {.fd = s, .events = POLLIN, .revents = 0};
        int n = poll(&p, 1, drain_now || handing_over ? SCAN_MILLIS : COUNT_MILLIS);
        if (n < 0 && errno != EINTR) break;
        if (n > 0) {
            ssize_t r = next_recv(s, buf + have, sizeof buf - have, 0);
            if (r <= 0) break;
            have += (size_t) r;
            while (have >= 4) {
                size_t len = frame_length(buf);
                if (len > sizeof buf - 4) goto done; /* nothing the primary sends here is that long */
                if (have < 4 + len) break;
                if (len >= 6 && memcmp(buf + 4, "drain\n", 6) == 0) start_drain();
                else if (len >= 9 && memcmp(buf + 4, "handover\n", 9) == 0) start_handover(buf + 4, len);
                memmove(buf, buf + 4 + len, have - 4 - len);
                have -= 4 + len;
            }
        }
        if (draining()) {
            ends_drain();
            conn_scan(SCAN_MILLIS, IDLE_GRACE_MILLIS, shut_for_reading);
        } else if (handing_over) {
            hand_over_due();
        }
    }
done:
    close(s);
    return NULL;
}

/* The connection table, then the session and its thread. */
static void start(void) {
    struct rlimit rl;
    long cap = MAX_CONN_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && (long) rl.rlim_max < cap) cap = (long) rl.rlim_max;
    if (conn_table_init(cap) < 0) {
        say("no memory to track connections: no counts, and no Connection: close at drain");
        return;
    }
    const char *why = NULL;
    int s = primary_send("conns\nopen=0\naccepted=0\n", &why);
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

static void start_once(void) {
    int e = errno;
    start();
    errno = e;
}

void session_start(void) {
    pthread_once(&session_once, start_once);
}
