/*
 * syslog_net.h - the syslog listeners: UDP (recvmmsg in batches, by a
 * reader thread) and TCP (RFC 6587 framing), delivered on the loop, in
 * fixed memory.
 *
 * Each received message goes to ingest_message() with its source address
 * and arrival time; there is no other logic here.
 */
#ifndef VIGIL_SYSLOG_NET_H
#define VIGIL_SYSLOG_NET_H

#include "vigild.h"

/* Binds the listeners vd->cfg enables.  Returns 0 or a negative VIGIL_E*
 * code (logged). */
int syslog_net_start(struct vigild *vd);

/* Starts the UDP reader thread.  Called once, after the process has
 * detached and dropped its privileges (a thread does not survive fork).
 * Returns 0 or VIGIL_EIO (logged). */
int syslog_net_run(void);

/* Applies a reloaded config: the limits take effect at once; listen
 * address changes are logged as needing a restart. */
void syslog_net_reload(struct vigild *vd, const struct vigil_config *old);

/* Stops the UDP reader thread; closes every listener and connection. */
void syslog_net_close(void);

#endif /* VIGIL_SYSLOG_NET_H */
