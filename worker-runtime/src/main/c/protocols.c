/* Protocol recognition and the cursors of the drain's boundaries (protocols.h). No I/O, no state of its own. */
#include "protocols.h"

#include <string.h>

size_t proto_gather(const struct iovec *iov, int cnt, size_t n, unsigned char *out, size_t cap) {
    size_t have = 0;
    for (int i = 0; i < cnt && have < cap && have < n; i++) {
        size_t take = iov[i].iov_len;
        if (take > cap - have) take = cap - have;
        if (take > n - have) take = n - have;
        memcpy(out + have, iov[i].iov_base, take);
        have += take;
    }
    return have;
}

int proto_first_read(const unsigned char *b, size_t n) {
    if (n >= 1 && b[0] == 0x16 && (n < 2 || b[1] == 0x03)) return KIND_TLS; /* a handshake record: ClientHello */
    static const char preface[] = "PRI * HTTP/2.0\r\n";
    size_t m = n < sizeof preface - 1 ? n : sizeof preface - 1;
    if (m >= 3 && memcmp(b, preface, m) == 0) return KIND_H2;
    if (n >= 1 && b[0] >= 'A' && b[0] <= 'Z') return KIND_HTTP1; /* a method token */
    return KIND_OTHER;
}

static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether s[0..n) starts with the lower-case word w, ignoring case. */
static int starts(const char *s, size_t n, const char *w) {
    size_t k = strlen(w);
    if (n < k) return 0;
    for (size_t i = 0; i < k; i++) {
        if (lower((unsigned char) s[i]) != w[i]) return 0;
    }
    return 1;
}

/* Whether the lower-case word w is in s[0..n), ignoring case. */
static int contains(const char *s, size_t n, const char *w) {
    size_t k = strlen(w);
    for (size_t i = 0; i + k <= n; i++) {
        if (starts(s + i, n - i, w)) return 1;
    }
    return 0;
}

int proto_response(const struct iovec *iov, int cnt, int *chunked, size_t *head_len) {
    char h[PROTO_HEAD_LOOK];
    size_t have = proto_gather(iov, cnt, sizeof h, (unsigned char *) h, sizeof h);
    if (have < 16 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ') return KIND_HTTP1;
    int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    int upgrade = 0, sse = 0, chunks = 0;
    size_t line = 0;
    while (line < have) { /* line: the start of the status line, then of each field line */
        size_t end = line;
        while (end + 1 < have && !(h[end] == '\r' && h[end + 1] == '\n')) end++;
        if (end + 1 >= have) return KIND_HTTP1; /* the head goes on past what this write shows */
        if (end == line) { /* the empty line: the head is whole */
            *head_len = end + 2;
            *chunked = chunks;
            if (status == 101) return upgrade ? KIND_WS : KIND_OTHER;
            return sse && status >= 200 && status < 300 ? KIND_SSE : KIND_HTTP1;
        }
        const char *f = h + line;
        size_t n = end - line;
        if (starts(f, n, "upgrade:") && contains(f + 8, n - 8, "websocket")) upgrade = 1;
        if (starts(f, n, "content-type:")) {
            size_t v = 13;
            while (v < n && (f[v] == ' ' || f[v] == '\t')) v++;
            sse = starts(f + v, n - v, "text/event-stream");
        }
        if (starts(f, n, "transfer-encoding:") && contains(f + 18, n - 18, "chunked")) chunks = 1;
        line = end + 2;
    }
    return KIND_HTTP1;
}

const unsigned char H2_GOAWAY[17] = {
    0x00, 0x00, 0x08,       /* length 8 */
    0x07, 0x00,             /* GOAWAY, no flags */
    0x00, 0x00, 0x00, 0x00, /* stream 0 */
    0x7f, 0xff, 0xff, 0xff, /* last stream id: 2^31-1, every stream the client opened so far is answered */
    0x00, 0x00, 0x00, 0x00, /* NO_ERROR */
};

void h2_feed(struct h2_cursor *c, const unsigned char *b, size_t n) {
    while (n > 0) {
        if (c->left > 0) {
            size_t take = n < c->left ? n : c->left;
            c->left -= (uint32_t) take;
            b += take;
            n -= take;
            continue;
        }
        if (c->have < 3) c->len[c->have] = *b;
        c->have++;
        b++;
        n--;
        if (c->have == 9) {
            c->left = (uint32_t) c->len[0] << 16 | (uint32_t) c->len[1] << 8 | c->len[2];
            c->have = 0;
            if (c->frames < 255) c->frames++;
        }
    }
}

int h2_at_boundary(const struct h2_cursor *c) {
    return c->frames > 0 && c->left == 0 && c->have == 0;
}

/* 0x88: FIN, Close; 0x8c: masked, 12 bytes: 1001 (0x03e9) and "going away", xor "jclu". */
#define M(i, v) (unsigned char) ((v) ^ "jclu"[(i) % 4])
const unsigned char WS_CLOSE_1001[18] = {
    0x88, 0x8c, 'j', 'c', 'l', 'u',
    M(0, 0x03), M(1, 0xe9), M(2, 'g'), M(3, 'o'), M(4, 'i'), M(5, 'n'), M(6, 'g'), M(7, ' '), M(8, 'a'), M(9, 'w'), M(10, 'a'), M(11, 'y'),
};
#undef M

const unsigned char WS_SERVER_CLOSE_1001[14] = {0x88, 0x0c, 0x03, 0xe9, 'g', 'o', 'i', 'n', 'g', ' ', 'a', 'w', 'a', 'y'};

/* The header length of a frame whose first two bytes are h[0], h[1]. */
static unsigned ws_head_len(const unsigned char *h) {
    unsigned len7 = h[1] & 0x7f;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

void ws_feed(struct ws_cursor *c, const unsigned char *b, size_t n) {
    while (n > 0) {
        if (c->left > 0) {
            size_t take = n < c->left ? n : (size_t) c->left;
            c->left -= take;
            b += take;
            n -= take;
            continue;
        }
        c->head[c->have++] = *b++;
        n--;
        if (c->have < 2 || c->have < ws_head_len(c->head)) continue;
        unsigned len7 = c->head[1] & 0x7f;
        uint64_t len = len7;
        if (len7 == 126) len = (uint64_t) c->head[2] << 8 | c->head[3];
        if (len7 == 127) {
            len = 0;
            for (int i = 2; i < 10; i++) len = len << 8 | c->head[i];
        }
        c->left = len;
        c->have = 0;
        c->op = c->head[0] & 0x0f;
    }
}

int ws_at_boundary(const struct ws_cursor *c) {
    return c->left == 0 && c->have == 0;
}

/* The chunked framing of an SSE body (RFC 9112 7.1): where the app's next byte is. */
enum { SSE_SIZE, SSE_DIGITS, SSE_EXT, SSE_SIZE_LF, SSE_DATA, SSE_DATA_CR, SSE_DATA_LF, SSE_TRAILER, SSE_DONE, SSE_RAW };

const unsigned char SSE_LAST_CHUNK[5] = {'0', '\r', '\n', '\r', '\n'};

void sse_start(struct sse_cursor *c, int chunked, size_t head_len) {
    memset(c, 0, sizeof *c);
    c->chunked = (unsigned char) (chunked != 0);
    c->state = chunked ? SSE_SIZE : SSE_RAW;
    c->head_left = (uint32_t) head_len;
}

/* A byte of event data. */
static void data(struct sse_cursor *c, unsigned char b) {
    memmove(c->tail, c->tail + 1, 3);
    c->tail[3] = b;
    c->any = 1;
}

static int hex(unsigned char b) {
    return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
}

void sse_feed(struct sse_cursor *c, const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char x = b[i];
        if (c->head_left > 0) {
            c->head_left--;
            continue;
        }
        switch (c->state) {
        case SSE_RAW: data(c, x); break;
        case SSE_SIZE: /* the start of a chunk's size line */
        case SSE_DIGITS:
            if (hex(x) >= 0) {
                c->left = c->left * 16 + (uint32_t) hex(x);
                c->state = SSE_DIGITS;
            } else {
                c->state = x == '\r' ? SSE_SIZE_LF : SSE_EXT;
            }
            break;
        case SSE_EXT: if (x == '\r') c->state = SSE_SIZE_LF; break;
        case SSE_SIZE_LF: c->state = c->left == 0 ? SSE_TRAILER : SSE_DATA; break;
        case SSE_DATA:
            data(c, x);
            if (--c->left == 0) c->state = SSE_DATA_CR;
            break;
        case SSE_DATA_CR: c->state = SSE_DATA_LF; break;
        case SSE_DATA_LF: c->state = SSE_SIZE; c->left = 0; break;
        case SSE_TRAILER: if (x == '\n') c->state = SSE_DONE; break;
        default: break; /* done: nothing more belongs to this response */
        }
    }
}

int sse_at_event_boundary(const struct sse_cursor *c) {
    if (c->head_left > 0 || (c->chunked && (c->state != SSE_SIZE || c->left != 0))) return 0;
    if (!c->any) return 1;
    const unsigned char *t = c->tail;
    return (t[2] == '\n' && t[3] == '\n') || (t[2] == '\r' && t[3] == '\r') || memcmp(t, "\r\n\r\n", 4) == 0;
}

int sse_ended(const struct sse_cursor *c) {
    return c->state == SSE_DONE;
}
