/* Frames of the worker channel as bytes: encoding, the length prefix, the primary's error answer. */
#include "frame.h"

#include "preload.h"

#include <stdio.h>
#include <string.h>

int frame_encode(const char *payload, char *out, size_t cap) {
    size_t len = strlen(payload);
    if (cap < 4 || len > cap - 4) return -1;
    out[0] = (char) ((len >> 24) & 0xff);
    out[1] = (char) ((len >> 16) & 0xff);
    out[2] = (char) ((len >> 8) & 0xff);
    out[3] = (char) (len & 0xff);
    memcpy(out + 4, payload, len);
    return (int) (4 + len);
}

size_t frame_length(const char *head) {
    return ((size_t) (unsigned char) head[0] << 24) | ((size_t) (unsigned char) head[1] << 16)
            | ((size_t) (unsigned char) head[2] << 8) | (size_t) (unsigned char) head[3];
}

void frame_error_message(const char *payload, size_t len, char *out) {
    static const char key[] = "\nmessage=";
    size_t o = 0;
    const char *end = payload + len;
    const char *p = NULL;
    for (const char *q = payload; q + sizeof key - 1 <= end; q++) {
        if (memcmp(q, key, sizeof key - 1) == 0) {
            p = q + sizeof key - 1;
            break;
        }
    }
    if (len < 6 || memcmp(payload, "error\n", 6) != 0 || p == NULL) {
        snprintf(out, MAX_MESSAGE, "an answer that is neither a descriptor nor an error (%.*s)",
                (int) (len < 40 ? len : 40), payload);
        for (char *c = out; *c; c++) if (*c == '\n') *c = ' ';
        return;
    }
    for (; p < end && *p != '\n' && o < MAX_MESSAGE - 1; p++) {
        char c = *p;
        if (c == '\\' && p + 1 < end) {
            c = *++p;
            c = c == 'n' ? ' ' : c == 'r' ? ' ' : c;
        }
        out[o++] = (char) ((unsigned char) c < 0x20 ? ' ' : c);
    }
    out[o] = '\0';
}
