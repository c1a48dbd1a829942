#ifndef JCLUSTER_TRAINING_H
#define JCLUSTER_TRAINING_H

#include <sys/socket.h>

/* A training run's bind of an app port: bound to the loopback's port 0 instead; bind()'s result. */
int training_bind(int fd, const struct sockaddr *addr, int port);
/* A training run's listen() succeeded on fd: if it is a rebound app port, say where it listens. */
void training_listened(int fd);

#endif
