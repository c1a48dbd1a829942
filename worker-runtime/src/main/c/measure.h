/*
 * Request figures measured on one tracked connection (docs/preload.md, "Request figures at the
 * socket"): a response is counted when its status line has been written, with the time since the
 * bytes of its request's first read arrived; a close with a request read and not answered is an abort.
 */
#ifndef JCLUSTER_MEASURE_H
#define JCLUSTER_MEASURE_H

#include "conns.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

/* A connection accepted from an adopted fd: asks the kernel to stamp its bytes' arrival (SO_TIMESTAMPNS). errno is kept. */
void measure_accepted(int fd);

/* Whether the next read of c starts a request: it is worth reading with the arrival stamp (measure_read's arrived). */
int measure_starts_request(const struct conn *c);

/*
 * The app read n > 0 bytes into the cnt buffers of iov; arrived is when the kernel received them
 * (CLOCK_REALTIME, from SO_TIMESTAMPNS), or NULL when not known (then: now).
 */
void measure_read(struct conn *c, const struct iovec *iov, int cnt, size_t n, const struct timespec *arrived);

/*
 * The clock before the app's write on c, when a request of c waits for its response (the response's
 * time is when its write began: on loopback a write returns only after the peer was given the bytes,
 * so the client may have its answer before the write returns); 0 when no request waits.
 */
uint64_t measure_writing(const struct conn *c);

/* The app's write of the cnt buffers of iov, begun at began (measure_writing), put out n > 0 of its bytes. */
void measure_written(struct conn *c, const struct iovec *iov, int cnt, size_t n, uint64_t began);

/* n > 0 bytes went out with no copy through this library (sendfile). */
void measure_sent_file(struct conn *c, size_t n);

/* The app closes the connection. */
void measure_closing(struct conn *c);

#endif
