/* The fds whose bind was adopted: each now holds the slot's listening socket of one app port. */
#ifndef JCLUSTER_ADOPT_H
#define JCLUSTER_ADOPT_H

/*
 * Whether fd holds an adopted slot socket; if so, *port (when not NULL) is its app port and
 * *nonblock (when not NULL) the app's view of O_NONBLOCK on it. An fd number the app closed and
 * reused is not adopted any more. errno is kept; no lock is taken before the first adoption.
 */
int adopted_lookup(int fd, int *port, int *nonblock);

/* Sets the app's view of O_NONBLOCK on adopted fd (nothing when fd is not adopted). */
void adopted_set_nonblock(int fd, int nonblock);

#endif
