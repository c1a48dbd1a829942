/* HTTP/1.x response heads as bytes: the status line, and where the drain's Connection: close goes. Pure. */
#ifndef JCLUSTER_HTTP1_H
#define JCLUSTER_HTTP1_H

#include <stddef.h>
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

#endif
