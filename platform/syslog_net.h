/*
 * syslog_net.h - the syslog listeners: UDP (recvmmsg in batches) and TCP
 * (RFC 6587 framing), on the loop, in fixed memory.
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

/* Applies a reloaded config: the limits take effect at once; listen
 * address changes are logged as needing a restart. */
void syslog_net_reload(struct vigild *vd, const struct vigil_config *old);

/* Closes every listener and connection. */
void syslog_net_close(void);

#endif /* VIGIL_SYSLOG_NET_H */
