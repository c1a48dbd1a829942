/* HTTP/1.x response heads as bytes (RFC 9112): no I/O, no state. */
#include "http1.h"

#include <string.h>

const char HTTP1_CLOSE_HEADER[] = "Connection: close\r\n";
_Static_assert(sizeof HTTP1_CLOSE_HEADER - 1 == HTTP1_CLOSE_HEADER_LEN, "HTTP1_CLOSE_HEADER_LEN");

int http1_status_line_end(const struct iovec *iov, int cnt) {
    char head[HTTP1_HEAD_LOOK];
    size_t have = 0;
    for (int i = 0; i < cnt && have < sizeof head; i++) {
        size_t take = iov[i].iov_len < sizeof head - have ? iov[i].iov_len : sizeof head - have;
        memcpy(head + have, iov[i].iov_base, take);
        have += take;
    }
    if (have < 12 || memcmp(head, "HTTP/1.", 7) != 0 || head[9] == '1') return 0;
    for (size_t i = 8; i + 1 < have; i++) {
        if (head[i] == '\r' && head[i + 1] == '\n') return (int) i + 2;
    }
    return 0;
}

int http1_splice_close(const struct iovec *iov, int cnt, int before, int header, struct iovec *out) {
    struct iovec h = {.iov_base = (void *) (HTTP1_CLOSE_HEADER + HTTP1_CLOSE_HEADER_LEN - header), .iov_len = (size_t) header};
    int n = 0, placed = 0;
    size_t pos = 0;
    if (before == 0) {
        out[n++] = h;
        placed = 1;
    }
    for (int j = 0; j < cnt; j++) {
        char *base = iov[j].iov_base;
        size_t len = iov[j].iov_len;
        if (!placed && pos + len >= (size_t) before) {
            size_t cut = (size_t) before - pos;
            if (cut > 0) out[n++] = (struct iovec){.iov_base = base, .iov_len = cut};
            out[n++] = h;
            placed = 1;
            if (len > cut) out[n++] = (struct iovec){.iov_base = base + cut, .iov_len = len - cut};
        } else if (len > 0) {
            out[n++] = iov[j];
        }
        pos += len;
    }
    return n;
}

size_t http1_close_written(size_t w, int *before, int *header) {
    if (w <= (size_t) *before) {
        *before -= (int) w;
        return w;
    }
    size_t after = w - (size_t) *before;
    size_t sent = after < (size_t) *header ? after : (size_t) *header;
    size_t app = (size_t) *before + after - sent;
    *before = 0;
    *header -= (int) sent;
    return app;
}
