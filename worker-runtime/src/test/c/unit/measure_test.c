/* measure.c and figures.c: a connection's reads and writes become the process's request figures. */
#include "../../../main/c/figures.h"
#include "../../../main/c/measure.h"

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct iovec of(const char *s) {
    return (struct iovec){.iov_base = (void *) s, .iov_len = strlen(s)};
}

/* A read, as io.c makes it: what the connection carries comes from its first read (ends.c), then the figures. */
static void got(struct conn *c, const char *bytes) {
    struct iovec v = of(bytes);
    if (c->kind == KIND_UNKNOWN) c->kind = (unsigned char) proto_first_read((const unsigned char *) bytes, v.iov_len);
    measure_read(c, &v, 1, v.iov_len, NULL);
}

/* A write, as io.c makes it: the clock before it, then the figures. */
static void put(struct conn *c, const char *bytes) {
    struct iovec v = of(bytes);
    measure_written(c, &v, 1, v.iov_len, measure_writing(c));
}

/* The value of key in the figures now, or -1. */
static long figure(const char *key) {
    static char out[65536];
    int n = figures_put(out, sizeof out, 0);
    if (n < 0) return -2;
    char want[64];
    snprintf(want, sizeof want, "%s=", key);
    for (char *line = out; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, want, strlen(want)) == 0) return atol(line + strlen(want));
    }
    return -1;
}

static void buckets_as_the_agent_has_them(void) {
    /* io.jcluster.runtime.metrics.Histogram.bucketOf of the same values */
    const unsigned long long v[] = {0, 1, 15, 16, 17, 31, 32, 33, 34, 63, 64, 100, 1000, 123456, 1ull << 40, (1ull << 63) - 1};
    const int b[] = {0, 1, 15, 16, 17, 31, 32, 32, 33, 47, 48, 57, 111, 222, 592, 959};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        CHECK(figures_bucket_of(v[i]) == b[i], "%llu: %d, not %d", v[i], figures_bucket_of(v[i]), b[i]);
    }
    CHECK(FIGURES_BUCKETS == 960, "%d", FIGURES_BUCKETS);
}

static void counts_a_request_and_its_latency(void) {
    struct conn c = {0};
    CHECK(!figures_any() && figure("http.requests") == 0, "nothing yet");
    got(&c, "GET / HTTP/1.1\r\nHost: x\r\n");
    usleep(2000);
    got(&c, "\r\n"); /* the rest of the same request */
    put(&c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    CHECK(figures_any() && figure("http.requests") == 1 && figure("http.status.2xx") == 1, "one 2xx");
    long sum = figure("http.latency.sum");
    CHECK(sum >= 2000 && sum < 1000000, "from the first read: %ld us", sum);
    CHECK(figure("http.latency.max") == -1, "the maximum was taken by the previous call");
}

static void times_a_response_to_the_beginning_of_its_write(void) {
    struct conn c = {0};
    CHECK(measure_writing(&c) == 0, "no request waits: no clock read");
    got(&c, "GET / HTTP/1.1\r\n\r\n");
    uint64_t began = measure_writing(&c);
    CHECK(began != 0, "a request waits: the clock before the write");
    usleep(20000); /* a write that returns late: on loopback, after the peer was given the bytes */
    long before = figure("http.latency.sum");
    struct iovec v = of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    measure_written(&c, &v, 1, v.iov_len, began);
    long took = figure("http.latency.sum") - before;
    CHECK(took >= 0 && took < 20000, "to the write's beginning, not its return: %ld us", took);
    CHECK(measure_writing(&c) == 0, "answered: no request waits");
}

static void times_a_request_from_its_arrival(void) {
    struct conn c = {0};
    struct timespec arrived;
    clock_gettime(CLOCK_REALTIME, &arrived);
    arrived.tv_sec -= 1; /* it waited a second in the socket before the app read it */
    struct iovec v = of("GET / HTTP/1.1\r\n\r\n");
    long before = figure("http.latency.sum");
    CHECK(measure_starts_request(&c), "a fresh connection's first read starts a request");
    c.kind = KIND_HTTP1;
    measure_read(&c, &v, 1, v.iov_len, &arrived);
    CHECK(!measure_starts_request(&c), "read, not answered: the next read is more of it");
    put(&c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    long took = figure("http.latency.sum") - before;
    CHECK(took >= 1000000 && took < 60000000, "from the arrival: %ld us", took);
    CHECK(measure_starts_request(&c), "answered: the next read starts a request");
}

static void counts_each_pipelined_response(void) {
    struct conn c = {0};
    long before = figure("http.requests");
    got(&c, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nHEAD /c HTTP/1.1\r\n\r\n");
    put(&c, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
    put(&c, "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nbHTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n");
    CHECK(figure("http.requests") - before == 3, "%ld", figure("http.requests") - before);
    CHECK(figure("http.status.5xx") == 1 && figure("http.status.4xx") == 1, "by class");
    got(&c, "HEAD / HTTP/1.1\r\n\r\n");
    put(&c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
    got(&c, "GET / HTTP/1.1\r\n\r\n");
    put(&c, "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
    CHECK(figure("http.status.3xx") == 1, "the response after a HEAD's counts");
}

static void counts_an_abort(void) {
    struct conn c = {0};
    got(&c, "POST /slow HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    measure_closing(&c);
    CHECK(figure("http.aborts") == 1, "closed before its response");
    struct conn d = {0};
    got(&d, "GET / HTTP/1.1\r\n\r\n");
    put(&d, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    measure_closing(&d);
    struct conn idle = {0};
    measure_closing(&idle);
    CHECK(figure("http.aborts") == 1, "an answered or idle connection is no abort");
}

static void leaves_other_protocols_alone(void) {
    long before = figure("http.requests");
    struct conn tls = {0};
    got(&tls, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    put(&tls, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    measure_closing(&tls);
    struct conn h2 = {0};
    got(&h2, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    put(&h2, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    struct conn greeting = {0};
    put(&greeting, "220 ready\r\n");
    got(&greeting, "HELO x\r\n");
    put(&greeting, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    measure_closing(&greeting);
    CHECK(figure("http.requests") == before && figure("http.aborts") == 1, "TLS, HTTP/2 and a greeting count nothing");
}

static void fits_its_frame(void) {
    for (long us = 1; us < (1L << 40); us = us * 3 + 1) figures_response(200, us);
    char small[64];
    CHECK(figures_put(small, sizeof small, 0) == -1 && small[0] == '\0', "too small: -1, nothing half-written");
    CHECK(figure("http.latency.max") > 0, "the maximum is still there after a put that did not fit");
    figures_response(199, 5);
    figures_response(600, 5);
    figures_response(200, -1);
    CHECK(figure("http.status.2xx") >= 2, "a response without a known latency counts");
}

int main(void) {
    buckets_as_the_agent_has_them();
    counts_a_request_and_its_latency();
    times_a_response_to_the_beginning_of_its_write();
    times_a_request_from_its_arrival();
    counts_each_pipelined_response();
    counts_an_abort();
    leaves_other_protocols_alone();
    fits_its_frame();
    return check_done("measure_test");
}
