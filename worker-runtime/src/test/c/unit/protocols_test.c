/* protocols.c: what a connection carries, and the boundaries of HTTP/2, WebSocket and SSE streams, at every cut. */
#include "../../../main/c/protocols.h"

#include "check.h"

#include <string.h>

static int first(const char *s, size_t n) {
    return proto_first_read((const unsigned char *) s, n);
}

static void first_reads(void) {
    CHECK(first("\x16\x03\x01\x02\x00", 5) == KIND_TLS, "a ClientHello");
    CHECK(first("\x16", 1) == KIND_TLS, "its first byte alone");
    CHECK(first("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24) == KIND_H2, "the h2 preface");
    CHECK(first("PRI", 3) == KIND_H2, "its start");
    CHECK(first("POST /x HTTP/1.1\r\n", 18) == KIND_HTTP1, "a request");
    CHECK(first("PRIVATE / HTTP/1.1\r\n", 20) == KIND_HTTP1, "a method that starts like the preface");
    CHECK(first("\x00\x01garbage", 9) == KIND_OTHER, "garbage");
}

static int response(const char *s, int *chunked, size_t *head) {
    struct iovec v = {.iov_base = (void *) s, .iov_len = strlen(s)};
    return proto_response(&v, 1, chunked, head);
}

static void responses(void) {
    int chunked = -1;
    size_t head = 0;
    const char *ws = "HTTP/1.1 101 \r\nUpgrade: WebSocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n\x81\x02hi";
    CHECK(response(ws, &chunked, &head) == KIND_WS && head == strlen(ws) - 4, "a WebSocket upgrade, head %zu", head);
    CHECK(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", &chunked, &head) == KIND_OTHER, "h2c upgrade");
    const char *sse = "HTTP/1.1 200 \r\nContent-Type: text/event-stream;charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(response(sse, &chunked, &head) == KIND_SSE && chunked == 1 && head == strlen(sse), "an event stream");
    CHECK(response("HTTP/1.1 200 OK\r\ncontent-type:text/event-stream\r\n\r\n", &chunked, &head) == KIND_SSE && chunked == 0, "unchunked");
    CHECK(response("HTTP/1.1 500 \r\nContent-Type: text/event-stream\r\n\r\n", &chunked, &head) == KIND_HTTP1, "an error is no stream");
    CHECK(response("HTTP/1.1 200 \r\nContent-Type: text/plain\r\n\r\nhello", &chunked, &head) == KIND_HTTP1, "plain");
    CHECK(response("HTTP/1.1 200 \r\nContent-Type: text/event-stream\r\n", &chunked, &head) == KIND_HTTP1, "a head cut short");
    CHECK(response("hello", &chunked, &head) == KIND_HTTP1, "not a response");
    struct iovec two[2] = {{.iov_base = "HTTP/1.1 101 \r\nUpg", .iov_len = 18}, {.iov_base = "rade: websocket\r\n\r\n", .iov_len = 19}};
    CHECK(strlen("HTTP/1.1 101 \r\nUpg") == 18 && strlen("rade: websocket\r\n\r\n") == 19, "the test's own lengths");
    CHECK(proto_response(two, 2, &chunked, &head) == KIND_WS && head == 37, "a head in two buffers");
}

/* Feeds b to every cursor cut at every position. */
static void h2_frames(void) {
    /* SETTINGS (6 bytes of payload), then HEADERS (3) and DATA (0) */
    const unsigned char out[] = {0, 0, 6, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 3, 1, 4, 0, 0, 0, 1, 7, 8, 9, 0, 0, 0, 0, 1, 0, 0, 0, 1};
    size_t ends[] = {15, 27, 36};
    for (size_t cut = 0; cut <= sizeof out; cut++) {
        struct h2_cursor c = {0};
        h2_feed(&c, out, cut);
        int boundary = 0;
        for (size_t i = 0; i < 3; i++) if (ends[i] == cut) boundary = 1;
        CHECK(h2_at_boundary(&c) == boundary, "after %zu bytes", cut);
        h2_feed(&c, out + cut, sizeof out - cut);
        CHECK(h2_at_boundary(&c) && c.frames == 3, "whole, cut at %zu", cut);
    }
    struct h2_cursor none = {0};
    CHECK(!h2_at_boundary(&none), "before the server's first frame: no GOAWAY yet");
    CHECK(H2_GOAWAY[3] == 0x07 && H2_GOAWAY[2] == 8, "GOAWAY, 8 bytes of payload");
}

static void ws_frames(void) {
    unsigned char in[300];
    size_t n = 0;
    in[n++] = 0x81; in[n++] = 0x85; memcpy(in + n, "mask", 4); n += 4; memcpy(in + n, "hello", 5); n += 5; /* 11 */
    in[n++] = 0x82; in[n++] = 0xfe; in[n++] = 0; in[n++] = 200; memcpy(in + n, "mask", 4); n += 4;
    memset(in + n, 'x', 200); n += 200; /* 11 + 208 = 219 */
    in[n++] = 0x8a; in[n++] = 0x80; memcpy(in + n, "mask", 4); n += 4; /* a Pong, empty: 225 */
    for (size_t cut = 0; cut <= n; cut++) {
        struct ws_cursor c = {0};
        ws_feed(&c, in, cut);
        int boundary = cut == 0 || cut == 11 || cut == 219 || cut == 225;
        CHECK(ws_at_boundary(&c) == boundary, "after %zu bytes", cut);
        ws_feed(&c, in + cut, n - cut);
        CHECK(ws_at_boundary(&c), "whole, cut at %zu", cut);
    }
    struct ws_cursor c = {0};
    ws_feed(&c, WS_CLOSE_1001, sizeof WS_CLOSE_1001);
    CHECK(ws_at_boundary(&c), "the close frame is one whole frame");
    unsigned char code[2] = {WS_CLOSE_1001[6] ^ 'j', WS_CLOSE_1001[7] ^ 'c'};
    CHECK(WS_CLOSE_1001[0] == 0x88 && code[0] == 0x03 && code[1] == 0xe9, "close 1001, masked");
    CHECK(c.op == WS_OP_CLOSE, "a Close seen");

    /* the app's frames: unmasked; the cursor says whether the last one whose header went out is a Close */
    unsigned char out[64];
    size_t m = 0;
    out[m++] = 0x81; out[m++] = 5; memcpy(out + m, "hello", 5); m += 5; /* 7 */
    memcpy(out + m, WS_SERVER_CLOSE_1001, sizeof WS_SERVER_CLOSE_1001); m += sizeof WS_SERVER_CLOSE_1001; /* 21 */
    for (size_t cut = 0; cut <= m; cut++) {
        struct ws_cursor a = {0};
        ws_feed(&a, out, cut);
        CHECK(ws_at_boundary(&a) == (cut == 0 || cut == 7 || cut == m), "the app's frames, after %zu bytes", cut);
        CHECK((a.op == WS_OP_CLOSE) == (cut >= 9), "its Close is seen from its header on, after %zu bytes", cut);
    }
    CHECK(WS_SERVER_CLOSE_1001[1] == sizeof WS_SERVER_CLOSE_1001 - 2 && WS_SERVER_CLOSE_1001[2] == 0x03
            && WS_SERVER_CLOSE_1001[3] == 0xe9, "the server's close 1001, unmasked, its length right");
}

/* Appends data as one chunk to body; returns the body's length. */
static size_t chunk(char *body, const char *data) {
    size_t n = strlen(body);
    sprintf(body + n, "%zx\r\n%s\r\n", strlen(data), data);
    return strlen(body);
}

static void sse_events(void) {
    char body[256] = "";
    size_t first_end = chunk(body, "id:1\ndata:n=1\n\n"); /* one event, one chunk */
    chunk(body, "id:2\n");                                  /* the next, in three chunks */
    chunk(body, "data:2\n");
    size_t last_end = chunk(body, "\n");
    size_t n = strlen(body);
    for (size_t cut = 0; cut <= n; cut++) {
        struct sse_cursor c;
        sse_start(&c, 1, 4);
        sse_feed(&c, (const unsigned char *) "HEAD", 4);
        sse_feed(&c, (const unsigned char *) body, cut);
        int boundary = cut == 0 || cut == first_end || cut == last_end;
        CHECK(sse_at_event_boundary(&c) == boundary, "after %zu bytes", cut);
    }
    struct sse_cursor c;
    sse_start(&c, 1, 0);
    sse_feed(&c, (const unsigned char *) "0\r\n\r\n", 5);
    CHECK(sse_ended(&c) && !sse_at_event_boundary(&c), "the app's own last chunk");
    sse_start(&c, 0, 2);
    sse_feed(&c, (const unsigned char *) "\r\ndata: x\r\n\r\n", 13);
    CHECK(sse_at_event_boundary(&c), "unchunked, CRLF lines");
    sse_feed(&c, (const unsigned char *) "data: y\n", 8);
    CHECK(!sse_at_event_boundary(&c), "inside an event");
}

int main(void) {
    first_reads();
    responses();
    h2_frames();
    ws_frames();
    sse_events();
    return check_done("protocols_test");
}
