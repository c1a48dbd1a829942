/*
 * HTTP/1.x responses as bytes (RFC 9112): where the drain's Connection: close goes, and where each
 * response of a connection's byte stream begins and ends. Pure.
 */
#ifndef JCLUSTER_HTTP1_H
#define JCLUSTER_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* The field the drain puts after a response's status line, and its length. */
extern const char HTTP1_CLOSE_HEADER[];
#define HTTP1_CLOSE_HEADER_LEN 19

/* How far into a write http1_status_line_end looks for the status line. */
#define HTTP1_HEAD_LOOK 512

/*
 * Where the status line of a response ends in the cnt buffers of iov (the byte after its CRLF), or
 * 0 when these bytes do not begin an HTTP/1.x response other than 1xx with its status line in the
 * first HTTP1_HEAD_LOOK bytes.
 */
int http1_status_line_end(const struct iovec *iov, int cnt);

/*
 * The buffers to write for the app's cnt buffers of iov with the last header bytes of
 * HTTP1_CLOSE_HEADER put after the first before bytes: written into out, which has room for cnt + 2;
 * returns how many. Empty buffers of the app are left out.
 */
int http1_splice_close(const struct iovec *iov, int cnt, int before, int header, struct iovec *out);

/*
 * After a write of what http1_splice_close gave put out w bytes: how many of them were the app's.
 * *before and *header become what is still to write of the status line before the header, and of
 * the header.
 */
size_t http1_close_written(size_t w, int *before, int *header);

/*
 * The reader of one connection's response bytes, fed with what the app wrote, in order. All zero:
 * at the start of the first response. It follows status line, fields and body (Content-Length,
 * chunked, or until the close) to the next response, so responses count once each however the app
 * cuts its writes, and pipelined ones one by one. Bytes that are not an HTTP/1.x response put it off
 * for good (http1_off): a greeting, TLS, HTTP/2, a switch of protocol (101).
 */
struct http1_reader {
    uint64_t left;         /* body or chunk bytes still to come; Content-Length while it is read */
    unsigned short status; /* of the response being read */
    unsigned char state;   /* where in the response it is */
    unsigned char at;      /* bytes of the status line or of a field name matched so far */
    unsigned char flags;   /* what the fields said so far */
};

/*
 * Called at each final response's status line (status 200..599) with it; returns nonzero when the
 * response answers a HEAD request (it then has no body, whatever its fields say).
 */
typedef int (*http1_status_fn)(void *ctx, int status);

/* Reads n bytes the app wrote on the connection; calls status at each final response begun in them. */
void http1_read(struct http1_reader *r, const char *p, size_t n, http1_status_fn status, void *ctx);

/* n bytes the app wrote with no copy through this library (sendfile): body bytes, else the reader is put off. */
void http1_skip(struct http1_reader *r, size_t n);

/* Whether the reader has seen bytes that are no HTTP/1.x response: it then reads nothing more. */
int http1_off(const struct http1_reader *r);

/* Whether it waits for the start of a response (none is being written). */
int http1_between(const struct http1_reader *r);

#endif
