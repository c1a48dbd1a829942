/*
 * Request figures measured on one tracked connection (docs/preload.md, "Request figures"): a
 * response is counted when its status line has been written, with the time since the first read of
 * its request; a close with a request read and not answered is an abort.
 */
#ifndef JCLUSTER_MEASURE_H
#define JCLUSTER_MEASURE_H

#include "conns.h"

#include <stddef.h>
#include <sys/uio.h>

/* The app read n > 0 bytes into the cnt buffers of iov. */
void measure_read(struct conn *c, const struct iovec *iov, int cnt, size_t n);

/* The app's write of the cnt buffers of iov put out n > 0 of its bytes. */
void measure_written(struct conn *c, const struct iovec *iov, int cnt, size_t n);

/* n > 0 bytes went out with no copy through this library (sendfile). */
void measure_sent_file(struct conn *c, size_t n);

/* The app closes the connection. */
void measure_closing(struct conn *c);

#endif
