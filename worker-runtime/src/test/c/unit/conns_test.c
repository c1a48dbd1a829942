/* conns.c: tracking, phases, counts, close, and the drain's idle scan. */
#include "../../../main/c/conns.h"

#include "check.h"

#include <errno.h>
#include <pthread.h>

static int closed[64], shut[64];

static int fake_close(int fd) {
    closed[fd]++;
    errno = EIO;
    return -1;
}

static void fake_shut(int fd) {
    shut[fd]++;
    errno = EPIPE; /* conn_scan keeps errno */
}

static void tracks_phases_and_counts(void) {
    CHECK(conn_get(5) == 0, "nothing tracked before accept");
    conn_saw(5, PHASE_REQUEST);
    CHECK(conn_get(5) == 0, "a read of an untracked fd does not track it");
    conn_track(5);
    CHECK(conn_get(5) == (PHASE_NEW | TOUCHED), "%#x", conn_get(5));
    CHECK(conn_open_count() == 1 && conn_accepted_count() == 1, "open %ld accepted %ld", conn_open_count(), conn_accepted_count());
    conn_saw(5, PHASE_REQUEST);
    CHECK((conn_get(5) & PHASE_MASK) == PHASE_REQUEST, "read");
    conn_saw(5, PHASE_RESPONSE);
    CHECK((conn_get(5) & PHASE_MASK) == PHASE_RESPONSE, "written");
    conn_mark_closing(5);
    conn_saw(5, PHASE_REQUEST);
    CHECK((conn_get(5) & PHASE_MASK) == PHASE_CLOSING, "closing stays closing");
    conn_track(5);
    CHECK(conn_open_count() == 1 && conn_accepted_count() == 2, "an fd accepted again is one open connection");
    errno = 0;
    CHECK(conn_close(5, fake_close) == -1 && errno == EIO && closed[5] == 1, "close's result and errno");
    CHECK(conn_get(5) == 0 && conn_open_count() == 0, "forgotten");
    CHECK(conn_close(6, fake_close) == -1 && closed[6] == 1 && conn_open_count() == 0, "an untracked fd is only closed");
}

static void ignores_fds_outside_the_table(void) {
    conn_track(-1);
    conn_track(64);
    conn_saw(64, PHASE_REQUEST);
    CHECK(conn_get(64) == 0 && conn_get(-1) == 0 && conn_entry(64) == NULL, "out of the table");
    CHECK(conn_open_count() == 0, "%ld", conn_open_count());
}

static void forgets_a_pending_header_with_its_connection(void) {
    conn_track(7);
    struct conn *c = conn_entry(7);
    c->close_before = 17;
    c->close_header = 19;
    conn_close(7, fake_close);
    CHECK(c->close_before == 0 && c->close_header == 0, "cleared at close");
    c->close_header = 3; /* a close this library did not see */
    conn_track(7);
    CHECK(c->close_header == 0, "a fresh connection starts clean");
    conn_close(7, fake_close);
}

/* Scans until fd is shut or `max` scans passed; how many it took. */
static int scans_to_shut(int fd, int max) {
    int before = shut[fd];
    for (int i = 1; i <= max; i++) {
        conn_scan(100, 300, fake_shut);
        if (shut[fd] != before) return i;
    }
    return 0;
}

static void shuts_idle_connections_after_the_grace(void) {
    conn_track(10); /* accepted, nothing read */
    conn_track(11);
    conn_saw(11, PHASE_REQUEST); /* being served */
    conn_track(12);
    conn_saw(12, PHASE_REQUEST);
    conn_saw(12, PHASE_RESPONSE); /* answered, idle */
    errno = 0;
    int n = scans_to_shut(10, 10);
    CHECK(n == 4, "one scan clears the touch, three more reach 300 ms: %d", n);
    CHECK(errno == 0, "errno kept");
    CHECK(shut[12] == 1, "the answered one too");
    CHECK(scans_to_shut(11, 50) == 0 && shut[11] == 0, "a request being served is never touched");
    CHECK(scans_to_shut(10, 10) == 0 && shut[10] == 1, "shut once");
    CHECK(conn_get(10) & SHUT, "marked shut");

    conn_track(13);
    conn_scan(100, 300, fake_shut);
    conn_scan(100, 300, fake_shut);
    conn_saw(13, PHASE_REQUEST);
    conn_saw(13, PHASE_RESPONSE); /* a new request before the grace: fresh again */
    CHECK(scans_to_shut(13, 10) == 4, "counted from the last touch");
    conn_track(14);
    conn_close(14, fake_close);
    CHECK(scans_to_shut(14, 10) == 0, "a closed fd is never shut");
    for (int fd = 10; fd <= 13; fd++) conn_close(fd, fake_close);
    CHECK(conn_open_count() == 0, "%ld", conn_open_count());
}

static void *churn(void *arg) {
    int base = (int) (long) arg;
    for (int i = 0; i < 20000; i++) {
        int fd = base + i % 8;
        conn_track(fd);
        conn_saw(fd, PHASE_REQUEST);
        conn_saw(fd, PHASE_RESPONSE);
        conn_close(fd, fake_close);
    }
    return NULL;
}

static void counts_right_under_threads(void) {
    long accepted = conn_accepted_count();
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, (void *) (long) (20 + 8 * i));
    for (int i = 0; i < 50; i++) conn_scan(1, 1, fake_shut);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    CHECK(conn_open_count() == 0, "%ld open after every close", conn_open_count());
    CHECK(conn_accepted_count() - accepted == 80000, "%ld accepted", conn_accepted_count() - accepted);
}

int main(void) {
    CHECK(conn_get(3) == 0 && conn_entry(3) == NULL, "no table yet");
    conn_track(3);
    CHECK(conn_accepted_count() == 0, "nothing tracked without a table");
    CHECK(conn_table_init(64) == 0, "a table of 64");
    tracks_phases_and_counts();
    ignores_fds_outside_the_table();
    forgets_a_pending_header_with_its_connection();
    shuts_idle_connections_after_the_grace();
    counts_right_under_threads();
    return check_done("conns_test");
}
