/*
 * The table of connections accepted from adopted fds: an entry per fd number, allocated at the first
 * adoption (untouched pages cost no memory). The state byte of an entry changes atomically, with no
 * lock: accept, read and write pay a few atomic operations. close() of a tracked fd is serialized
 * with the drain's shutdown() of it.
 */
#include "conns.h"

#include "ends.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

pthread_mutex_t conn_fields_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn *conn_table;
int conn_cap;
static int max_fd = -1;
static long open_count;
static long accepted_count;
/* Serializes close() of a tracked fd with the drain's shutdown() of it. */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

int conn_table_init(long size) {
    if (size > MAX_CONN_FDS) size = MAX_CONN_FDS;
    struct conn *t = calloc((size_t) size, sizeof *t);
    if (t == NULL) return -1;
    conn_cap = (int) size;
    __atomic_store_n(&conn_table, t, __ATOMIC_RELEASE);
    return 0;
}

void conn_saw(int fd, int phase) {
    struct conn *c = conn_entry(fd);
    if (c == NULL) return;
    unsigned char old = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
    unsigned char neu;
    do {
        if (old == 0) return;
        int p = (old & PHASE_MASK) == PHASE_CLOSING ? PHASE_CLOSING : phase;
        neu = (unsigned char) ((old & ~PHASE_MASK) | p | TOUCHED);
        if (neu == old) return;
    } while (!__atomic_compare_exchange_n(&c->state, &old, neu, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

void conn_mark_closing(int fd) {
    struct conn *c = conn_entry(fd);
    if (c == NULL) return;
    unsigned char old = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
    while (old != 0 && !__atomic_compare_exchange_n(&c->state, &old,
            (unsigned char) ((old & ~PHASE_MASK) | PHASE_CLOSING | TOUCHED), 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

/* Nothing of a protocol is kept: a fresh connection, or a closed one. */
static void forget_protocol(struct conn *c) {
    c->kind = KIND_UNKNOWN;
    __atomic_store_n(&c->end, END_NONE, __ATOMIC_RELAXED);
    c->end_off = 0;
    memset(&c->at, 0, sizeof c->at);
    __atomic_store_n(&c->lock, 0, __ATOMIC_RELEASE);
}

void conn_track(int fd) {
    struct conn *c = conn_entry(fd);
    if (c == NULL) return;
    /* A fresh connection: nothing of a connection that had this number before (closed by a call
     * this library did not see) is kept. No other thread uses an fd that accept() just returned. */
    __atomic_store_n(&c->close_before, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&c->close_header, 0, __ATOMIC_RELAXED);
    forget_protocol(c);
    if (__atomic_exchange_n(&c->state, (unsigned char) (PHASE_NEW | TOUCHED), __ATOMIC_RELAXED) == 0) {
        __atomic_add_fetch(&open_count, 1, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&accepted_count, 1, __ATOMIC_RELAXED);
    int max = __atomic_load_n(&max_fd, __ATOMIC_RELAXED);
    while (fd > max && !__atomic_compare_exchange_n(&max_fd, &max, fd, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

int conn_close(int fd, int (*really_close)(int)) {
    struct conn *c = conn_entry(fd);
    if (c == NULL) return really_close(fd);
    pthread_mutex_lock(&close_lock);
    if (__atomic_exchange_n(&c->state, (unsigned char) 0, __ATOMIC_RELAXED) != 0) {
        __atomic_sub_fetch(&open_count, 1, __ATOMIC_RELAXED);
        pthread_mutex_lock(&conn_fields_lock);
        c->close_before = 0;
        c->close_header = 0;
        pthread_mutex_unlock(&conn_fields_lock);
        forget_protocol(c);
    }
    int r = really_close(fd);
    int e = errno;
    pthread_mutex_unlock(&close_lock);
    errno = e;
    return r;
}

void conn_scan(int scan_millis, int grace_millis, void (*shut)(int fd)) {
    struct conn *t = __atomic_load_n(&conn_table, __ATOMIC_ACQUIRE);
    if (t == NULL) return;
    int max = __atomic_load_n(&max_fd, __ATOMIC_RELAXED);
    for (int fd = 0; fd <= max && fd < conn_cap; fd++) {
        struct conn *c = &t[fd];
        unsigned char st = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
        if (st == 0) {
            c->quiet = 0;
            continue;
        }
        if (st & TOUCHED) {
            __atomic_and_fetch(&c->state, (unsigned char) ~TOUCHED, __ATOMIC_RELAXED);
            c->quiet = 0;
            continue;
        }
        if (c->quiet < 255) c->quiet++;
        int phase = st & PHASE_MASK;
        if ((phase != PHASE_NEW && phase != PHASE_RESPONSE) || (st & SHUT) || c->quiet * scan_millis < grace_millis
                || !ends_idle_shut_allowed(c)) continue;
        pthread_mutex_lock(&close_lock);
        if (__atomic_load_n(&c->state, __ATOMIC_RELAXED) != 0) {
            int e = errno;
            shut(fd); /* the app reads the end and closes it; nothing it writes is cut */
            errno = e;
            __atomic_or_fetch(&c->state, (unsigned char) SHUT, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&close_lock);
    }
}

void conn_each(void (*f)(int fd, struct conn *c)) {
    struct conn *t = __atomic_load_n(&conn_table, __ATOMIC_ACQUIRE);
    if (t == NULL) return;
    int max = __atomic_load_n(&max_fd, __ATOMIC_RELAXED);
    pthread_mutex_lock(&close_lock);
    for (int fd = 0; fd <= max && fd < conn_cap; fd++) {
        if (__atomic_load_n(&t[fd].state, __ATOMIC_RELAXED) != 0) {
            int e = errno;
            f(fd, &t[fd]);
            errno = e;
        }
    }
    pthread_mutex_unlock(&close_lock);
}

int conn_max_fd(void) {
    return __atomic_load_n(&max_fd, __ATOMIC_RELAXED);
}

long conn_open_count(void) {
    return __atomic_load_n(&open_count, __ATOMIC_RELAXED);
}

long conn_accepted_count(void) {
    return __atomic_load_n(&accepted_count, __ATOMIC_RELAXED);
}
