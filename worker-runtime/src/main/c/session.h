/* The library's session with the primary: the counts go out every second, drain comes in. */
#ifndef JCLUSTER_SESSION_H
#define JCLUSTER_SESSION_H

/*
 * At the first adoption, once (later calls return at once): the connection table, then the session
 * and its thread. Without memory or a primary, nothing is tracked and one "jcluster: " line says so.
 * errno is kept.
 */
void session_start(void);

/* 1 once the primary has drained this worker (for the worker's life); read it with draining(). */
extern int session_drain_flag;

/* Whether the primary has drained this worker. Lock-free: every write of a connection asks. */
static inline int draining(void) {
    return __atomic_load_n(&session_drain_flag, __ATOMIC_ACQUIRE);
}

#endif
