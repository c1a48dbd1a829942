/*
 * The request figures the library measures at the socket, for the whole process: responses by
 * status class, their latency (the agent's histogram buckets, docs/worker-protocol.md), and aborts.
 * Lock-free: any thread records, the session thread reads.
 */
#ifndef JCLUSTER_FIGURES_H
#define JCLUSTER_FIGURES_H

#include <stddef.h>
#include <stdint.h>

enum {
    /* Sub-buckets per power of two, as bits, and the buckets of all of int64: as io.jcluster.runtime.metrics.Histogram. */
    FIGURES_SUB_BITS = 4,
    FIGURES_BUCKETS = (64 - FIGURES_SUB_BITS) << FIGURES_SUB_BITS,
};

/* The histogram bucket of a value (µs): 0..15 one each, then 16 per power of two. Pure. */
int figures_bucket_of(uint64_t value);

/* A final response (status 200..599) began; micros is its latency, or -1 when unknown (no request was read). */
void figures_response(int status, int64_t micros);

/* A connection closed with a request read and not answered. */
void figures_abort(void);

/* Whether any response or abort was counted since start: an HTTP/1.x connection was seen. */
int figures_any(void);

/*
 * Appends the figures as fields of a frame payload ("http.requests=N\n"...; docs/worker-protocol.md)
 * to out, which holds cap bytes and has len of them used. Counts are since start; the maximum is the
 * largest latency since the previous call (which resets it). Returns the new length, or -1 when they
 * do not fit (out is then as it was, up to len).
 */
int figures_put(char *out, size_t cap, size_t len);

#endif
