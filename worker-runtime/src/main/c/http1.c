/* HTTP/1.x response heads as bytes (RFC 9112): no I/O, no state. */
#include "http1.h"

#include <string.h>
#include <strings.h>

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

/* ---- the response reader ---- */

enum {
    S_START = 0,   /* at "HTTP/1.x NNN": r->at bytes of it matched */
    S_REASON,      /* the rest of the status line */
    S_FIELD,       /* at the start of a field line, or of the empty line that ends the fields */
    S_NAME,        /* in a field name: r->at bytes matched */
    S_SKIP_LINE,   /* the rest of a field line nobody needs */
    S_LENGTH,      /* Content-Length's value */
    S_CODING,      /* Transfer-Encoding's value: r->at bytes of "chunked" matched in the last coding */
    S_HEAD_END,    /* after the CR of the empty line */
    S_BODY,        /* r->left bytes of body to come */
    S_CHUNK_SIZE,  /* a chunk's size, hex */
    S_CHUNK_EXT,   /* the rest of the chunk-size line */
    S_CHUNK_DATA,  /* r->left bytes of chunk data to come */
    S_CHUNK_END,   /* the CRLF after chunk data */
    S_TRAILER,     /* at the start of a trailer line, or of the empty line that ends the message */
    S_TRAILER_LINE,/* the rest of a trailer line */
    S_TRAILER_END, /* after the CR of the empty line */
    S_TO_CLOSE,    /* a body that lasts until the connection closes */
    S_OFF,         /* not HTTP/1.x: read nothing more */
};

enum {
    F_LENGTH = 0x01,      /* a Content-Length came */
    F_CODING = 0x02,      /* a Transfer-Encoding came */
    F_CHUNKED = 0x04,     /* ... and its last coding is chunked */
    F_NO_BODY = 0x08,     /* the response answers a HEAD request */
    F_MAY_LENGTH = 0x10,  /* the field name being read may still be Content-Length */
    F_MAY_CODING = 0x20,  /* ... or Transfer-Encoding */
};

static const char LENGTH_NAME[] = "content-length";
static const char CODING_NAME[] = "transfer-encoding";
static const char CHUNKED[] = "chunked";

static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
}

/* The fields have ended: where the body goes (RFC 9112 6.3). */
static void head_ended(struct http1_reader *r) {
    int status = r->status, flags = r->flags;
    r->flags = 0;
    r->left = flags & F_LENGTH ? r->left : 0;
    if (status == 101) {
        r->state = S_OFF; /* another protocol from here on */
    } else if (status < 200 || status == 204 || status == 304 || (flags & F_NO_BODY)) {
        r->state = S_START;
        r->left = 0;
    } else if (flags & F_CODING) {
        r->state = flags & F_CHUNKED ? S_CHUNK_SIZE : S_TO_CLOSE;
        r->left = 0;
    } else if (flags & F_LENGTH) {
        r->state = r->left > 0 ? S_BODY : S_START;
    } else {
        r->state = S_TO_CLOSE;
    }
    r->at = 0;
}

/* One byte of the status line; "HTTP/1.x NNN" then a space or the line's end. */
static void status_byte(struct http1_reader *r, char c, http1_status_fn seen, void *ctx) {
    static const char prefix[] = "HTTP/1.";
    int at = r->at;
    int ok;
    if (at < 7) ok = c == prefix[at];
    else if (at == 7) ok = c >= '0' && c <= '9';
    else if (at == 8) ok = c == ' ';
    else if (at < 12) ok = c >= (at == 9 ? '1' : '0') && c <= (at == 9 ? '5' : '9');
    else ok = c == ' ' || c == '\r' || c == '\n';
    if (!ok) {
        r->state = S_OFF;
        return;
    }
    if (at == 9) r->status = 0;
    if (at >= 9 && at < 12) r->status = (unsigned short) (r->status * 10 + (c - '0'));
    if (at < 12) {
        r->at = (unsigned char) (at + 1);
        return;
    }
    r->at = 0;
    r->flags = 0;
    r->left = 0;
    if (r->status >= 200 && seen(ctx, r->status)) r->flags = F_NO_BODY;
    r->state = c == '\n' ? S_FIELD : S_REASON;
}

/* One byte of a field name (or the start of the line, r->at == 0 in S_FIELD). */
static void name_byte(struct http1_reader *r, char c) {
    if (c == ':') {
        int at = r->at;
        if ((r->flags & F_MAY_LENGTH) && at == sizeof LENGTH_NAME - 1) {
            r->state = S_LENGTH;
            r->flags = (unsigned char) ((r->flags & ~(F_MAY_LENGTH | F_MAY_CODING)) | F_LENGTH);
            r->left = 0;
        } else if ((r->flags & F_MAY_CODING) && at == sizeof CODING_NAME - 1) {
            r->state = S_CODING;
            r->flags = (unsigned char) ((r->flags & ~(F_MAY_LENGTH | F_MAY_CODING | F_CHUNKED)) | F_CODING);
        } else {
            r->state = S_SKIP_LINE;
        }
        r->at = 0;
        return;
    }
    if (c == '\n') { /* a field line without a colon: not HTTP */
        r->state = S_OFF;
        return;
    }
    int at = r->at;
    char l = lower(c);
    if ((r->flags & F_MAY_LENGTH) && (at >= (int) sizeof LENGTH_NAME - 1 || LENGTH_NAME[at] != l)) r->flags &= (unsigned char) ~F_MAY_LENGTH;
    if ((r->flags & F_MAY_CODING) && (at >= (int) sizeof CODING_NAME - 1 || CODING_NAME[at] != l)) r->flags &= (unsigned char) ~F_MAY_CODING;
    if (!(r->flags & (F_MAY_LENGTH | F_MAY_CODING))) r->state = S_SKIP_LINE;
    else r->at = (unsigned char) (at + 1);
}

/* One byte of Content-Length's value: digits, white space around them. */
static void length_byte(struct http1_reader *r, char c) {
    if (c >= '0' && c <= '9') {
        if (r->left > (UINT64_MAX - 9) / 10) {
            r->state = S_OFF;
            return;
        }
        r->left = r->left * 10 + (uint64_t) (c - '0');
    } else if (c == '\n') {
        r->state = S_FIELD;
    } else if (c != ' ' && c != '\t' && c != '\r') {
        r->state = S_OFF; /* a list of lengths, or no number: nobody can tell where this body ends */
    }
}

/* One byte of Transfer-Encoding's value: is its last coding chunked? */
static void coding_byte(struct http1_reader *r, char c) {
    if (c == '\n') {
        r->state = S_FIELD;
        r->at = 0;
    } else if (c == ',') {
        r->flags &= (unsigned char) ~F_CHUNKED;
        r->at = 0;
    } else if (c != ' ' && c != '\t' && c != '\r') {
        int at = r->at;
        if (at < (int) sizeof CHUNKED - 1 && lower(c) == CHUNKED[at]) {
            r->at = (unsigned char) (at + 1);
            if (r->at == sizeof CHUNKED - 1) r->flags |= F_CHUNKED;
        } else {
            r->flags &= (unsigned char) ~F_CHUNKED;
            r->at = sizeof CHUNKED; /* past any match until the next coding */
        }
    }
}

/* One byte of a chunk-size line. */
static void chunk_size_byte(struct http1_reader *r, char c) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v >= 0 && r->state == S_CHUNK_SIZE) {
        if (r->left >> 60) {
            r->state = S_OFF;
            return;
        }
        r->left = r->left * 16 + (uint64_t) v;
    } else if (c == '\n') {
        r->state = r->left > 0 ? S_CHUNK_DATA : S_TRAILER;
    } else if (c == ';' || r->state == S_CHUNK_EXT) {
        r->state = S_CHUNK_EXT;
    } else if (c != '\r' && c != ' ' && c != '\t') {
        r->state = S_OFF;
    }
}

/* A whole field line, p to its LF, at once: what status_byte and friends do byte by byte. */
static void field_line(struct http1_reader *r, const char *p, const char *lf) {
    const char *colon = memchr(p, ':', (size_t) (lf - p));
    size_t name = colon == NULL ? 0 : (size_t) (colon - p);
    int length = name == sizeof LENGTH_NAME - 1 && strncasecmp(p, LENGTH_NAME, name) == 0;
    int coding = !length && name == sizeof CODING_NAME - 1 && strncasecmp(p, CODING_NAME, name) == 0;
    if (!length && !coding) {
        r->state = colon == NULL ? S_OFF : S_FIELD; /* a field line without a colon is no HTTP */
        return;
    }
    r->state = S_NAME;
    r->at = (unsigned char) name;
    r->flags |= length ? F_MAY_LENGTH : F_MAY_CODING;
    name_byte(r, ':');
    for (const char *v = colon + 1; v <= lf && r->state != S_OFF; v++) {
        if (r->state == S_LENGTH) length_byte(r, *v);
        else coding_byte(r, *v);
    }
}

void http1_read(struct http1_reader *r, const char *p, size_t n, http1_status_fn seen, void *ctx) {
    const char *end = p + n;
    while (p < end) {
        switch (r->state) {
            case S_START:
                if (r->at == 0 && end - p >= 13 && memcmp(p, "HTTP/1.", 7) == 0 && p[7] >= '0' && p[7] <= '9'
                        && p[8] == ' ' && p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9'
                        && p[11] >= '0' && p[11] <= '9' && (p[12] == ' ' || p[12] == '\r' || p[12] == '\n')) {
                    /* the status line in one piece, as nearly always: what status_byte does for its 13 bytes */
                    r->status = (unsigned short) ((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
                    r->flags = 0;
                    r->left = 0;
                    if (r->status >= 200 && seen(ctx, r->status)) r->flags = F_NO_BODY;
                    r->state = p[12] == '\n' ? S_FIELD : S_REASON;
                    p += 13;
                    continue;
                }
                break;
            case S_FIELD: {
                char l = lower(*p);
                if (l != LENGTH_NAME[0] && l != CODING_NAME[0]) break;
                const char *lf = memchr(p, '\n', (size_t) (end - p));
                if (lf == NULL) break; /* a line cut by the write: byte by byte */
                field_line(r, p, lf);
                p = lf + 1;
                continue;
            }
            case S_OFF:
            case S_TO_CLOSE:
                return;
            case S_BODY:
            case S_CHUNK_DATA: {
                size_t take = (uint64_t) (end - p) < r->left ? (size_t) (end - p) : (size_t) r->left;
                p += take;
                r->left -= take;
                if (r->left == 0) r->state = r->state == S_BODY ? S_START : S_CHUNK_END;
                continue;
            }
            case S_REASON:
            case S_SKIP_LINE:
            case S_TRAILER_LINE: {
                /* the rest of a line nobody needs: to its LF at once */
                const char *lf = memchr(p, '\n', (size_t) (end - p));
                if (lf == NULL) return;
                p = lf + 1;
                r->state = r->state == S_TRAILER_LINE ? S_TRAILER : S_FIELD;
                continue;
            }
            default:
                break;
        }
        char c = *p++;
        switch (r->state) {
            case S_START: status_byte(r, c, seen, ctx); break;
            case S_FIELD:
                if (c == '\r') r->state = S_HEAD_END;
                else if (c == '\n') head_ended(r);
                else if (lower(c) != LENGTH_NAME[0] && lower(c) != CODING_NAME[0]) r->state = S_SKIP_LINE;
                else {
                    r->state = S_NAME;
                    r->at = 0;
                    r->flags |= F_MAY_LENGTH | F_MAY_CODING;
                    name_byte(r, c);
                }
                break;
            case S_NAME: name_byte(r, c); break;
            case S_LENGTH: length_byte(r, c); break;
            case S_CODING: coding_byte(r, c); break;
            case S_HEAD_END:
                if (c == '\n') head_ended(r);
                else r->state = S_OFF;
                break;
            case S_CHUNK_SIZE:
            case S_CHUNK_EXT: chunk_size_byte(r, c); break;
            case S_CHUNK_END:
                if (c == '\n') r->state = S_CHUNK_SIZE;
                else if (c != '\r') r->state = S_OFF;
                break;
            case S_TRAILER:
                if (c == '\r') r->state = S_TRAILER_END;
                else if (c == '\n') r->state = S_START;
                else r->state = S_TRAILER_LINE;
                break;
            case S_TRAILER_END: r->state = c == '\n' ? S_START : S_OFF; break;
            default: r->state = S_OFF; break;
        }
    }
}

void http1_skip(struct http1_reader *r, size_t n) {
    if (r->state == S_TO_CLOSE || r->state == S_OFF || n == 0) return;
    if ((r->state != S_BODY && r->state != S_CHUNK_DATA) || n > r->left) {
        r->state = S_OFF; /* bytes this reader cannot place */
        return;
    }
    r->left -= n;
    if (r->left == 0) r->state = r->state == S_BODY ? S_START : S_CHUNK_END;
}

int http1_off(const struct http1_reader *r) {
    return r->state == S_OFF;
}

int http1_between(const struct http1_reader *r) {
    return r->state == S_START && r->at == 0;
}
