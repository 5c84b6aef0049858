/*
 * tcplisten.h - the listening side of a TCP server with a fixed pool of
 * connections (the syslog and the status listeners): bind and listen,
 * the peer address of an accepted connection, and accept-then-close for
 * a connection the pool has no room for.  libuv stops watching a
 * listener until its waiting connection is accepted, so a refused one
 * must still be taken; a few handles of our own do that, and a refusal
 * that finds them all busy is retried when one frees up.
 *
 * The pool itself, reading and idle timeouts stay with each server.
 */
#ifndef VIGIL_TCPLISTEN_H
#define VIGIL_TCPLISTEN_H

#include <stddef.h>
#include <uv.h>

#include "config.h"
#include "hosts.h"

/* Refusals in flight at once (each a handle being closed). */
#define TCPLISTEN_REJECTS 4

struct tcplisten {
	uv_tcp_t h; /* the listener */
	uv_tcp_t rejects[TCPLISTEN_REJECTS];
	int busy[TCPLISTEN_REJECTS];
	int pending; /* a refusal waits for a free handle */
	int on;
	/* Told about each connection accepted only to be closed, with
	 * its peer. */
	void (*refused)(const struct hosts_addr *peer);
};

/* Binds t to l and listens; cb gets the connections, refused the
 * refusals.  name receives l's printable address.  On failure logs
 * "WHAT NAME: reason" and returns VIGIL_EADDR. */
int tcplisten_start(struct tcplisten *t, uv_loop_t *loop,
    const struct config_listen *l, int backlog, uv_connection_cb cb,
    void (*refused)(const struct hosts_addr *), const char *what,
    char *name, size_t name_cap);

/* Accepts the waiting connection only to close it (see above). */
void tcplisten_refuse(struct tcplisten *t);

/* The peer address of an accepted connection. */
void tcplisten_peer(uv_tcp_t *h, struct hosts_addr *a);

/* Stops listening; refusals in flight finish on their own. */
void tcplisten_close(struct tcplisten *t);

#endif /* VIGIL_TCPLISTEN_H */
