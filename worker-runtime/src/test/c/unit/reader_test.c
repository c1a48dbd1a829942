/* http1.c's response reader: each response counted once, however the app cuts its bytes. */
#include "../../../main/c/http1.h"

#include "check.h"

#include <string.h>

/* What the reader called back with. */
struct seen {
    int statuses[16];
    int count;
    int head; /* answer "a HEAD request" for the response with this index + 1 */
};

static int record(void *ctx, int status) {
    struct seen *s = ctx;
    if (s->count < 16) s->statuses[s->count] = status;
    s->count++;
    return s->head == s->count;
}

/* Feeds bytes to a fresh reader in pieces of `piece` bytes (0: all at once). */
static struct seen feed(const char *bytes, size_t piece, struct http1_reader *r) {
    struct seen s = {.count = 0};
    memset(r, 0, sizeof *r);
    size_t n = strlen(bytes);
    if (piece == 0) piece = n;
    for (size_t at = 0; at < n; at += piece) http1_read(r, bytes + at, at + piece <= n ? piece : n - at, record, &s);
    return s;
}

static const char ONE[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

static void counts_a_response_cut_at_any_byte(void) {
    struct http1_reader r;
    size_t n = strlen(ONE);
    for (size_t cut = 0; cut <= n; cut++) {
        struct seen s = {.count = 0};
        memset(&r, 0, sizeof r);
        http1_read(&r, ONE, cut, record, &s);
        http1_read(&r, ONE + cut, n - cut, record, &s);
        CHECK(s.count == 1 && s.statuses[0] == 200, "cut at %zu: %d responses", cut, s.count);
        CHECK(http1_between(&r), "cut at %zu: between responses after its body", cut);
    }
    struct seen s = feed(ONE, 1, &r);
    CHECK(s.count == 1 && http1_between(&r), "one byte at a time: %d", s.count);
}

static void counts_pipelined_responses_one_by_one(void) {
    const char *three =
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n"
            "HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n"
            "HTTP/1.1 503 Busy\r\ncontent-LENGTH:  0 \r\n\r\n";
    struct http1_reader r;
    for (size_t piece = 0; piece <= 7; piece++) {
        struct seen s = feed(three, piece, &r);
        CHECK(s.count == 4 && s.statuses[0] == 200 && s.statuses[1] == 404 && s.statuses[2] == 204 && s.statuses[3] == 503,
                "pieces of %zu: %d responses", piece, s.count);
        CHECK(http1_between(&r), "pieces of %zu: between", piece);
    }
}

static void follows_chunks_extensions_and_trailers(void) {
    const char *chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
                          "5;name=value\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"
                          "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n";
    struct http1_reader r;
    struct seen s = feed(chunked, 0, &r);
    CHECK(s.count == 2 && s.statuses[1] == 500, "%d", s.count);
    s = feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nHTTP/1.1 200 OK\r\n", 0, &r);
    CHECK(s.count == 1 && !http1_between(&r), "chunked not last: the body lasts until the close");
}

static void leaves_1xx_out(void) {
    struct http1_reader r;
    struct seen s = feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0, &r);
    CHECK(s.count == 1 && s.statuses[0] == 201, "100 Continue then 201: %d", s.count);
    s = feed("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3, &r);
    CHECK(s.count == 1 && s.statuses[0] == 200, "103 then 200: %d", s.count);
    s = feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello HTTP/1.1 200 OK\r\n", 0, &r);
    CHECK(s.count == 0 && http1_off(&r), "101: another protocol from there on");
}

static void reads_bodies_by_their_length(void) {
    struct http1_reader r;
    struct seen s = feed("HTTP/1.0 200 OK\r\n\r\nbody until the close HTTP/1.1 200 OK\r\n", 0, &r);
    CHECK(s.count == 1 && !http1_off(&r) && !http1_between(&r), "no length: until the close");
    s = feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 0, &r);
    CHECK(s.count == 2 && s.statuses[1] == 200, "304 has no body; a status line without a reason: %d", s.count);
    s = feed("HTTP/1.1 200 OK\nContent-Length: 2\n\nokHTTP/1.1 200 OK\nContent-Length: 0\n\n", 0, &r);
    CHECK(s.count == 2 && http1_between(&r), "bare LF line ends: %d", s.count);
    s = feed("HTTP/1.1 200 OK\r\nContent-Lengthy: 5\r\nX-Content-Length: 7\r\nContent-Length: 1\r\n\r\nx"
             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, &r);
    CHECK(s.count == 2, "only the field named Content-Length counts: %d", s.count);
}

static void knows_a_head_response_has_no_body(void) {
    struct http1_reader r;
    struct seen s = {.count = 0, .head = 1};
    memset(&r, 0, sizeof r);
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    http1_read(&r, two, strlen(two), record, &s);
    CHECK(s.count == 2 && http1_between(&r), "HEAD then GET: %d", s.count);
}

static void puts_itself_off_for_what_is_no_response(void) {
    const char *bad[] = {
            "220 smtp.example.org ESMTP ready\r\n",           /* a greeting */
            "\x16\x03\x03\x00\x31\x02\x00\x00\x2d\x03\x03",   /* TLS ServerHello */
            "SSH-2.0-OpenSSH_9.2\r\n",                        /* another protocol's greeting */
            "HTTP/2 200\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 600 Beyond\r\n\r\n",
            "HTTP/1.1 099 Low\r\n\r\n",
            "HTTP/1.1 200OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "http/1.1 200 OK\r\n\r\n",
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http1_reader r;
        struct seen s = feed(bad[i], 0, &r);
        CHECK(http1_off(&r), "[%s] puts it off", bad[i]);
        size_t before = (size_t) s.count;
        http1_read(&r, ONE, strlen(ONE), record, &s);
        CHECK((size_t) s.count == before, "[%s]: nothing counted after", bad[i]);
    }
}

static void places_file_bytes_in_the_body(void) {
    struct http1_reader r;
    struct seen s = feed("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 0, &r);
    http1_skip(&r, 60000);
    http1_skip(&r, 40000);
    CHECK(http1_between(&r), "a body sent from a file");
    http1_read(&r, ONE, strlen(ONE), record, &s);
    CHECK(s.count == 2, "the next response counts: %d", s.count);
    s = feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, &r);
    http1_skip(&r, 11);
    CHECK(http1_off(&r), "more file bytes than the body has: off");
    s = feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", 0, &r);
    http1_skip(&r, 1);
    CHECK(http1_off(&r), "file bytes in the head: off");
}

int main(void) {
    counts_a_response_cut_at_any_byte();
    counts_pipelined_responses_one_by_one();
    follows_chunks_extensions_and_trailers();
    leaves_1xx_out();
    reads_bodies_by_their_length();
    knows_a_head_response_has_no_body();
    puts_itself_off_for_what_is_no_response();
    places_file_bytes_in_the_body();
    return check_done("reader_test");
}
