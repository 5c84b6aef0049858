/*
 * evac.h - evacuating failing hosts: the glue between prediction, the rack
 * policy (core/policy), migration jobs (core/jobs) and SSH (platform/ssh).
 *
 * With `evacuate auto|manual|dry-run` in the config, vigild keeps an SSH
 * session to every host, refreshes each host's inventory (virsh list,
 * dominfo, freecell) every inventory_interval seconds, hands every health
 * change to the policy, and runs the jobs the policy starts.  Every
 * command is built by core/virsh from configured values and checked
 * domain names, and runs as "LC_ALL=C virsh ..." (the parsers read the C
 * locale's output).  Off by default: the embedded config moves nothing.
 */
#ifndef VIGIL_EVAC_H
#define VIGIL_EVAC_H

#include <stdint.h>

#include "vigil.pb.h"
#include "vigild.h"

/* Sets everything up from vd->cfg: SSH sessions, policy, timers.  Call
 * once, before the arena is sealed.  Returns 0 (also when evacuation is
 * off) or -1 with the reason logged. */
int evac_start(struct vigild *vd);

/* Applies a reloaded config's mode, caps, cool-down and breaker; SSH
 * settings apply at the next restart (logged when they changed). */
void evac_reload(struct vigild *vd, const struct vigil_config *old);

/* Stops timers, jobs (their remote commands are left to end) and SSH. */
void evac_stop(void);

/* A host's health changed (from ingest). */
void evac_health(int host, int from, int to);

/* Status-channel commands.  Each returns 0 or a negative VIGIL_E* code
 * with a short explanation in why[0..cap). */
int evac_cmd_evacuate(const char *host, int clear, char *why, size_t cap);
int evac_cmd_mode(int mode, char *why, size_t cap);
int evac_cmd_confirm(uint32_t id, char *why, size_t cap);

/* The SSH client's counters, summed over the hosts.  Returns 0 (and
 * leaves s zero) when evacuation is off and there is no SSH client. */
int evac_fill_ssh(vigil_SshStats *s);

/* The migrations page of the status channel. */
void evac_fill(vigil_MigrationsPage *pg, uint32_t max_decisions);

#endif /* VIGIL_EVAC_H */
