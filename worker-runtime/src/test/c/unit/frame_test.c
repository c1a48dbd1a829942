/* frame.c: the length prefix, encoding, and the primary's error answers. */
#include "../../../main/c/frame.h"
#include "../../../main/c/preload.h"

#include "check.h"

#include <string.h>

static void encodes_the_documented_example(void) {
    char out[64];
    int n = frame_encode("drain\ntimeoutMillis=5000\n", out, sizeof out);
    CHECK(n == 29, "length %d", n);
    CHECK(memcmp(out, "\0\0\0\x19" "drain\ntimeoutMillis=5000\n", 29) == 0, "bytes");
    CHECK(frame_length(out) == 25, "%zu", frame_length(out));
}

static void refuses_what_does_not_fit(void) {
    char out[8];
    memset(out, 'x', sizeof out);
    CHECK(frame_encode("conns\n", out, sizeof out) == -1, "6 + 4 > 8");
    CHECK(memcmp(out, "xxxxxxxx", 8) == 0, "untouched");
    CHECK(frame_encode("conn\n", out, sizeof out) == -1, "5 + 4 > 8");
    CHECK(frame_encode("con\n", out, sizeof out) == 8, "4 + 4 = 8 fits");
    CHECK(frame_encode("", out, 3) == -1, "no room for the length");
    CHECK(frame_encode("", out, 4) == 4 && frame_length(out) == 0, "empty payload");
}

static void reads_every_byte_of_the_length(void) {
    CHECK(frame_length("\x01\x02\x03\x04") == 0x01020304u, "%zx", frame_length("\x01\x02\x03\x04"));
    CHECK(frame_length("\xff\0\0\x80") == 0xff000080u, "high bits are not sign-extended: %zx", frame_length("\xff\0\0\x80"));
}

static void unescapes_the_message(void) {
    char out[MAX_MESSAGE];
    const char p[] = "error\nmessage=pid 42 is not a worker of app\\nsecond\\\\line\n";
    frame_error_message(p, sizeof p - 1, out);
    CHECK(strcmp(out, "pid 42 is not a worker of app second\\line") == 0, "[%s]", out);

    const char q[] = "error\nother=1\nmessage=tab\there\n";
    frame_error_message(q, sizeof q - 1, out);
    CHECK(strcmp(out, "tab here") == 0, "a control character is a space: [%s]", out);

    const char last[] = "error\nmessage=no newline at the end";
    frame_error_message(last, sizeof last - 1, out);
    CHECK(strcmp(out, "no newline at the end") == 0, "[%s]", out);
}

static void says_what_an_odd_answer_was(void) {
    char out[MAX_MESSAGE];
    const char p[] = "hello\nslot=1\nmessage=not an error\n";
    frame_error_message(p, sizeof p - 1, out);
    CHECK(strstr(out, "neither a descriptor nor an error") != NULL, "[%s]", out);
    CHECK(strstr(out, "(hello slot=1 message=not an error ") != NULL, "quoted, newlines as spaces: [%s]", out);
    CHECK(strchr(out, '\n') == NULL, "one line");

    const char e[] = "error\nreason=x\n";
    frame_error_message(e, sizeof e - 1, out);
    CHECK(strstr(out, "neither") != NULL, "an error without a message: [%s]", out);

    frame_error_message("", 0, out);
    CHECK(strstr(out, "()") != NULL, "empty: [%s]", out);
}

static void keeps_a_long_message_in_bounds(void) {
    static char p[3 * MAX_MESSAGE];
    int n = snprintf(p, sizeof p, "error\nmessage=");
    memset(p + n, 'm', sizeof p - (size_t) n);
    char out[MAX_MESSAGE + 16];
    memset(out, 'z', sizeof out);
    frame_error_message(p, sizeof p, out);
    CHECK(strlen(out) == MAX_MESSAGE - 1, "%zu", strlen(out));
    CHECK(out[MAX_MESSAGE] == 'z', "nothing written past MAX_MESSAGE");
}

int main(void) {
    encodes_the_documented_example();
    refuses_what_does_not_fit();
    reads_every_byte_of_the_length();
    unescapes_the_message();
    says_what_an_odd_answer_was();
    keeps_a_long_message_in_bounds();
    return check_done("frame_test");
}
