/*
 * status.h - the NOC status channel of vigild: protobuf over TCP
 * (varint length-delimited frames) and UDP (one datagram each way), on
 * the loop, in fixed memory.  The protocol is proto/vigil.proto.
 *
 * Read-only queries (summary, hosts) are answered from vigild_state;
 * state-changing commands must be signed with the NOC key (core/auth).
 * Sources outside the NOC allow-list are refused without an answer.
 *
 * Limits: VIGIL_MAX_STATUS_CONN TCP connections (more are accepted,
 * closed and counted); frames up to VIGIL_STATUS_MAX_FRAME (a longer
 * one closes the connection, counted); replies over UDP up to
 * VIGIL_STATUS_UDP_MAX (else a RESULT_USE_TCP reply, counted); a TCP
 * connection without a complete request for VIGIL_STATUS_IDLE_S seconds
 * is closed (counted).  Nothing is allocated.
 */
#ifndef VIGIL_STATUS_H
#define VIGIL_STATUS_H

#include "vigild.h"

/* Binds the TCP and UDP listeners vd->cfg enables, on vd->loop, and
 * takes the key.  Returns 0, or VIGIL_EADDR / VIGIL_EIO (logged). */
int status_start(struct vigild *vd);

/* Takes a reloaded vd->cfg: the key (remembered nonces are kept) and the
 * allow-list (read from vd->cfg on each request) apply at once; changed
 * listen addresses are logged as needing a restart.  Returns 0. */
int status_reload(struct vigild *vd);

/* Closes every listener and connection; the loop ends once their close
 * callbacks ran. */
void status_close(void);

#endif /* VIGIL_STATUS_H */
