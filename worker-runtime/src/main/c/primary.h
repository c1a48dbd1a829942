/* Talking to the primary over JCLUSTER_WORKER_SOCKET (docs/worker-protocol.md). */
#ifndef JCLUSTER_PRIMARY_H
#define JCLUSTER_PRIMARY_H

#include <stddef.h>

/* Writes all len bytes of buf on s (send, MSG_NOSIGNAL; EINTR retried). 0, or -1 with errno. */
int write_all(int s, const char *buf, size_t len);

/*
 * Connects to the primary (receive and send time out after ANSWER_TIMEOUT_SECONDS) and sends one
 * frame of payload. Returns the connection (close-on-exec), or -1 with errno and *why (what failed,
 * for a person) set.
 */
int primary_send(const char *payload, const char **why);

/*
 * Reads the primary's answer to a bind on s: the slot socket's fd (SCM_RIGHTS, with one byte), or an
 * error frame. Returns the fd (close-on-exec); -1 when refused (the message in refusal, MAX_MESSAGE
 * bytes); -2 on a transport failure (*why and errno set; ETIMEDOUT when no answer came in time).
 */
int primary_receive_fd(int s, char *refusal, const char **why);

#endif
