/*
 * Frames of the worker channel as bytes (docs/worker-protocol.md): a 4-byte big-endian payload
 * length, then the payload, "type\nkey=value\n...". Pure: no I/O, no state.
 */
#ifndef JCLUSTER_FRAME_H
#define JCLUSTER_FRAME_H

#include <stddef.h>

/*
 * Writes the frame of payload (a NUL-terminated string) into out, which holds cap bytes. Returns
 * the frame's length (4 + the payload's), or -1 when it does not fit (out is then untouched).
 */
int frame_encode(const char *payload, char *out, size_t cap);

/* The payload length a frame's first 4 bytes announce. */
size_t frame_length(const char *head);

/*
 * The message field of the primary's error frame (payload, len bytes, "error\n...message=...\n"),
 * unescaped into out (a NUL-terminated string of at most MAX_MESSAGE bytes, with \n, \r and control
 * characters made spaces). A payload that is no error frame gives a line that says so and quotes its
 * first 40 bytes.
 */
void frame_error_message(const char *payload, size_t len, char *out);

#endif
