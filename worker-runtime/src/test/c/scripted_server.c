/*
 * A server driven line by line from stdin, for SocketFiguresIT (and its WebSocket drain): it binds and listens on the port
 * given (the preload library adopts it), prints "ready", then runs one command a line and prints
 * what it did, so the test can make a server do exactly what a case needs, byte by byte.
 *
 *   accept            accept a connection (blocking): "accepted ID"
 *   read ID           one read (blocking, up to 64 KiB): "read ID N"
 *   write ID TEXT     one write of TEXT (C escapes: \r \n \\ \xNN): "wrote ID N" (or -1 and errno)
 *   fill ID           non-blocking writes of 64 KiB until EAGAIN: "full ID BYTES" (it never blocks)
 *   sendfile ID N     sendfile of N bytes of a file of zeros: "sent ID N"
 *   shutdown ID       shutdown for writing: "shut ID 0"
 *   close ID          close: "closed ID"
 *
 * usage: scripted_server PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX_CONNS = 256 };

static int conns[MAX_CONNS];
static int count;

/* TEXT with its escapes undone into out; its length. */
static size_t unescape(const char *text, char *out) {
    size_t n = 0;
    for (const char *p = text; *p != '\0' && *p != '\n'; p++) {
        if (*p != '\\' || p[1] == '\0') {
            out[n++] = *p;
            continue;
        }
        p++;
        if (*p == 'r') out[n++] = '\r';
        else if (*p == 'n') out[n++] = '\n';
        else if (*p == 'x' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            out[n++] = (char) strtol(hex, NULL, 16);
            p += 2;
        } else out[n++] = *p;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2) return 64;
    setvbuf(stdout, NULL, _IONBF, 0);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *) &a, sizeof a) != 0 || listen(s, 16) != 0) {
        printf("bind failed: %s\n", strerror(errno));
        return 1;
    }
    char zeros[] = "/tmp/scripted-server-XXXXXX";
    int file = mkstemp(zeros);
    unlink(zeros);
    static char block[65536];
    if (file < 0 || write(file, block, sizeof block) != (ssize_t) sizeof block) return 1;
    printf("ready\n");
    static char line[1 << 20], bytes[1 << 20];
    while (fgets(line, sizeof line, stdin) != NULL) {
        char cmd[16];
        int id = -1, arg = 0;
        if (sscanf(line, "%15s %d %d", cmd, &id, &arg) < 1) continue;
        int fd = id >= 0 && id < count ? conns[id] : -1;
        if (strcmp(cmd, "accept") == 0) {
            int c = accept(s, NULL, NULL);
            if (c < 0 || count == MAX_CONNS) return 2;
            conns[count] = c;
            printf("accepted %d\n", count++);
        } else if (strcmp(cmd, "read") == 0) {
            ssize_t r = read(fd, bytes, sizeof bytes);
            printf("read %d %zd\n", id, r);
        } else if (strcmp(cmd, "write") == 0) {
            const char *text = strchr(strchr(line, ' ') + 1, ' ');
            size_t n = text == NULL ? 0 : unescape(text + 1, bytes);
            ssize_t w = write(fd, bytes, n);
            printf("wrote %d %zd%s%s\n", id, w, w < 0 ? " " : "", w < 0 ? strerror(errno) : "");
        } else if (strcmp(cmd, "fill") == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            long total = 0;
            for (;;) {
                ssize_t w = write(fd, block, sizeof block);
                if (w < 0) break;
                total += w;
            }
            printf("full %d %ld %s\n", id, total, errno == EAGAIN ? "EAGAIN" : strerror(errno));
        } else if (strcmp(cmd, "sendfile") == 0) {
            off_t off = 0;
            ssize_t w = sendfile(fd, file, &off, (size_t) arg);
            printf("sent %d %zd\n", id, w);
        } else if (strcmp(cmd, "shutdown") == 0) {
            printf("shut %d %d\n", id, shutdown(fd, SHUT_WR));
        } else if (strcmp(cmd, "close") == 0) {
            printf("closed %d %d\n", id, close(fd));
        } else {
            printf("unknown %s\n", cmd);
        }
    }
    return 0;
}
