/*
 * config.h - vigild's configuration: the plain-text format, parsed from a
 * buffer into a fixed struct.
 *
 * Format: one directive per line, words separated by blanks, '#' starts a
 * comment.  See firmware/vigil.conf.sample for every directive.  Unknown
 * directives, bad values and capacities beyond core/limits.h are errors
 * reported with their line number; a config with any error is refused as
 * a whole (vigild keeps running on the old one at SIGHUP).
 *
 * The parser does no I/O: the caller reads the file (at most
 * VIGIL_MAX_CONFIG bytes) or passes the embedded default.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"
#include "limits.h"
#include "jobs.h"
#include "policy.h"
#include "predict.h"

struct config_listen {
	int enabled;
	struct hosts_addr addr;
	uint16_t port;
};

struct config_allow {
	struct hosts_addr addr;
	unsigned prefix; /* bits */
};

/* How vigild reaches one host over SSH, and how other hosts reach it as a
 * migration target. */
struct config_ssh {
	char addr[64];                      /* numeric; "" = first syslog address */
	uint16_t port;                      /* 22 */
	char target[VIGIL_MAX_TARGET + 1];  /* in qemu+ssh://TARGET/system */
};

/* Evacuation: off, or a policy mode. */
#define CONFIG_EVAC_OFF (-1)

struct config_error {
	unsigned line;
	char msg[120];
};

struct config_errors {
	struct config_error e[VIGIL_MAX_CONFIG_ERRORS];
	unsigned n;     /* described */
	unsigned total; /* all, described or not */
};

struct vigil_config {
	char user[VIGIL_MAX_NAME + 1];      /* drop to this user; "" = stay */
	char pidfile[VIGIL_MAX_PATH];       /* "" = none */
	char log_file[VIGIL_MAX_PATH];      /* "" = stderr */
	struct config_listen syslog_udp, syslog_tcp, status_tcp, status_udp;
	unsigned tcp_idle_s;                /* close idle syslog TCP after */
	unsigned max_tcp_conn;              /* <= VIGIL_MAX_TCP_CONN */
	unsigned max_msg;                   /* <= VIGIL_MAX_MSG */
	int time_from_message;              /* 1: event time from the message */
	struct predict_cfg predict;         /* `predict KEY VALUE` lines */
	int64_t tz_offset_s;                /* for zone-less RFC 3164 dates */
	struct config_allow noc[VIGIL_MAX_NOC_ALLOW];
	unsigned nnoc;
	uint8_t psk[VIGIL_MAX_PSK];         /* NOC pre-shared key */
	size_t psk_len;                     /* 0: authenticated requests refused */
	char drain_rules[VIGIL_MAX_PATH];   /* "" = the embedded rules */
	char snapshot_file[VIGIL_MAX_PATH]; /* "" = no template snapshots */
	unsigned snapshot_interval_s;       /* 0 = only at a clean stop */
	struct hosts hosts;
	/* Evacuation (README "Evacuation"). */
	int evac_mode;                      /* CONFIG_EVAC_OFF or policy_mode */
	char ssh_user[VIGIL_MAX_NAME + 1];
	char ssh_key[VIGIL_MAX_PATH];       /* private; public is ssh_key.pub */
	char known_hosts[VIGIL_MAX_PATH];
	struct config_ssh ssh[VIGIL_MAX_HOSTS]; /* by host index */
	unsigned inventory_s;               /* inventory refresh interval */
	struct policy_cfg policy;
	struct jobs_cfg jobs;
};

/* Fills cfg with the built-in values every directive defaults to. */
void config_defaults(struct vigil_config *cfg);

/* Parses len bytes of text into cfg (which is first set to the defaults).
 * Returns 0, or VIGIL_ECONFIG with errs describing each error by line
 * (errs may be NULL). */
int config_parse(const char *text, size_t len, struct vigil_config *cfg,
    struct config_errors *errs);

/* 1 if addr is inside the NOC allow-list. */
int config_noc_allowed(const struct vigil_config *cfg,
    const struct hosts_addr *addr);

#endif /* VIGIL_CONFIG_H */
