/* http1.c: finding a response's status line, and putting Connection: close after it across split and partial writes. */
#include "../../../main/c/http1.h"

#include "check.h"

#include <string.h>

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
static const char EXPECTED[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";

static int end_of(const char *s) {
    struct iovec v = {.iov_base = (void *) s, .iov_len = strlen(s)};
    return http1_status_line_end(&v, 1);
}

static void finds_the_status_line(void) {
    CHECK(end_of(RESPONSE) == 17, "%d", end_of(RESPONSE));
    CHECK(end_of("HTTP/1.0 404 Not Found\r\n\r\n") == 24, "HTTP/1.0");
    CHECK(end_of("HTTP/1.1 500 \r\n") == 15, "an empty reason");
    CHECK(end_of("HTTP/1.1 100 Continue\r\n\r\n") == 0, "1xx is not the response");
    CHECK(end_of("HTTP/1.1 101 Switching Protocols\r\n\r\n") == 0, "101 neither");
    CHECK(end_of("HTTP/2 200\r\n\r\n") == 0, "not HTTP/1.x");
    CHECK(end_of("220 smtp.example ESMTP\r\n") == 0, "a greeting");
    CHECK(end_of("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00") == 0, "TLS");
    CHECK(end_of("HTTP/1.1 200") == 0, "shorter than a status line with its CRLF");
    CHECK(end_of("HTTP/1.1 200 OK") == 0, "no CRLF yet");
    CHECK(end_of("HTTP/1.1 200 OK\n") == 0, "a bare LF");
}

static void looks_only_at_the_first_bytes(void) {
    char big[HTTP1_HEAD_LOOK + 64];
    memset(big, 'x', sizeof big);
    memcpy(big, "HTTP/1.1 200 ", 13);
    memcpy(big + HTTP1_HEAD_LOOK - 2, "\r\n", 2);
    struct iovec v = {.iov_base = big, .iov_len = sizeof big};
    CHECK(http1_status_line_end(&v, 1) == HTTP1_HEAD_LOOK, "CRLF ends at the last byte looked at");
    memcpy(big + HTTP1_HEAD_LOOK - 2, "xx\r\n", 4);
    CHECK(http1_status_line_end(&v, 1) == 0, "CRLF past the first %d bytes", HTTP1_HEAD_LOOK);
}

static void finds_it_across_buffers(void) {
    size_t n = strlen(RESPONSE);
    struct iovec v[128];
    for (size_t i = 0; i < n; i++) v[i] = (struct iovec){.iov_base = (void *) (RESPONSE + i), .iov_len = 1};
    CHECK(http1_status_line_end(v, (int) n) == 17, "one byte per buffer");
    struct iovec e[3] = {{(void *) RESPONSE, 0}, {(void *) RESPONSE, 16}, {(void *) (RESPONSE + 16), n - 16}};
    CHECK(http1_status_line_end(e, 3) == 17, "an empty buffer, and CR and LF in two buffers");
}

/*
 * The app writes RESPONSE in two writes cut at `cut`, retrying what was not taken; the kernel takes
 * at most `room` bytes a call. The writes go as io.c's write_with_header makes them. Returns whether
 * the wire got EXPECTED and every count the app saw added up to its own bytes.
 */
static int through(size_t cut, size_t room, char *wire, size_t *wired) {
    size_t len = strlen(RESPONSE);
    int before = end_of(RESPONSE), header = HTTP1_CLOSE_HEADER_LEN;
    size_t done = 0;
    *wired = 0;
    int calls = 0;
    while (done < len) {
        size_t end = done < cut ? cut : len;
        struct iovec app = {.iov_base = (void *) (RESPONSE + done), .iov_len = end - done};
        struct iovec v[3];
        int n = header > 0 ? http1_splice_close(&app, 1, before, header, v) : (v[0] = app, 1);
        size_t w = 0;
        for (int i = 0; i < n && w < room; i++) {
            size_t take = v[i].iov_len < room - w ? v[i].iov_len : room - w;
            memcpy(wire + *wired + w, v[i].iov_base, take);
            w += take;
        }
        *wired += w;
        size_t counted = header > 0 ? http1_close_written(w, &before, &header) : w;
        CHECK(counted <= app.iov_len, "a write counts no more than it was given");
        done += counted; /* 0: EAGAIN, the app writes the same again */
        if (++calls > 1000) return 0;
    }
    return header == 0 && *wired == sizeof EXPECTED - 1 && memcmp(wire, EXPECTED, *wired) == 0;
}

static void puts_the_header_after_the_status_line_at_any_cut(void) {
    char wire[256];
    size_t wired;
    int bad = 0;
    for (size_t cut = 17; cut <= strlen(RESPONSE); cut++) {
        for (size_t room = 1; room <= sizeof EXPECTED; room++) {
            if (!through(cut, room, wire, &wired)) {
                if (bad++ < 3) CHECK(0, "cut %zu, kernel room %zu: wire [%.*s]", cut, room, (int) wired, wire);
            }
        }
    }
    CHECK(bad == 0, "%d of the cuts and kernel rooms went wrong", bad);
}

static void splices_around_empty_buffers(void) {
    struct iovec app[3] = {{(void *) RESPONSE, 0}, {(void *) RESPONSE, 17}, {(void *) (RESPONSE + 17), 3}};
    struct iovec v[5];
    int n = http1_splice_close(app, 3, 17, HTTP1_CLOSE_HEADER_LEN, v);
    CHECK(n == 3, "status line, header, rest: %d", n);
    CHECK(v[0].iov_len == 17 && v[1].iov_len == HTTP1_CLOSE_HEADER_LEN && v[2].iov_len == 3, "lengths");
    n = http1_splice_close(app, 3, 0, 4, v);
    CHECK(n == 3 && v[0].iov_len == 4 && memcmp(v[0].iov_base, "se\r\n", 4) == 0,
            "the header's last 4 bytes first: %d", n);
}

static void counts_only_the_apps_bytes(void) {
    int before = 17, header = 19;
    CHECK(http1_close_written(10, &before, &header) == 10 && before == 7 && header == 19, "part of the status line");
    CHECK(http1_close_written(7, &before, &header) == 7 && before == 0 && header == 19, "the rest of it");
    CHECK(http1_close_written(5, &before, &header) == 0 && header == 14, "header bytes only");
    CHECK(http1_close_written(20, &before, &header) == 6 && header == 0, "the header's end and 6 of the app's");
    before = 2, header = 19;
    CHECK(http1_close_written(0, &before, &header) == 0 && before == 2 && header == 19, "nothing went out");
}

int main(void) {
    finds_the_status_line();
    looks_only_at_the_first_bytes();
    finds_it_across_buffers();
    puts_the_header_after_the_status_line_at_any_cut();
    splices_around_empty_buffers();
    counts_only_the_apps_bytes();
    return check_done("http1_test");
}
