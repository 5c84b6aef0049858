/*
 * config.c - the plain-text configuration parser (see config.h and
 * firmware/vigil.conf.sample).
 *
 * Pure: text in, struct out, no I/O.  Every value is checked against
 * core/limits.h; each error names its line.  Parsing goes on after an
 * error so that `vigild -t` reports all of them at once.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "err.h"

#define MAX_WORDS 16

struct ctx {
	struct vigil_config *cfg;
	struct config_errors *errs;
	unsigned line;
	int failed;
	unsigned predict_line; /* first `predict` line leaving it inconsistent */
};

static void
err(struct ctx *c, const char *a, const char *b)
{
	c->failed = 1;
	if (!c->errs)
		return;
	c->errs->total++;
	if (c->errs->n == VIGIL_MAX_CONFIG_ERRORS)
		return;
	struct config_error *e = &c->errs->e[c->errs->n++];
	size_t la = strlen(a), lb = b ? strlen(b) : 0;
	size_t cap = sizeof(e->msg) - 1;
	e->line = c->line;
	if (la > cap)
		la = cap;
	memcpy(e->msg, a, la);
	if (lb > cap - la)
		lb = cap - la;
	if (lb)
		memcpy(e->msg + la, b, lb);
	e->msg[la + lb] = '\0';
}

void
config_defaults(struct vigil_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->tcp_idle_s = 300;
	cfg->max_tcp_conn = VIGIL_MAX_TCP_CONN;
	cfg->max_msg = VIGIL_MAX_MSG;
	cfg->snapshot_interval_s = 300;
	hosts_init(&cfg->hosts);
	predict_cfg_default(&cfg->predict);
	cfg->evac_mode = CONFIG_EVAC_OFF;
	memcpy(cfg->ssh_user, "root", 5);
	cfg->inventory_s = 30;
	policy_cfg_default(&cfg->policy);
	jobs_cfg_default(&cfg->jobs);
}

/* Unsigned decimal in [lo, hi]. */
static int
parse_uint(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (hi - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

/* "ADDR:PORT" or "[V6ADDR]:PORT", or "off". */
static int
parse_listen(const char *s, struct config_listen *l)
{
	const char *colon;
	const char *a = s;
	size_t alen;
	unsigned long port;

	memset(l, 0, sizeof(*l));
	if (strcmp(s, "off") == 0)
		return 0;
	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -1;
		a = s + 1;
		alen = (size_t)(rb - a);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		alen = (size_t)(colon - s);
	}
	if (hosts_parse_addr(a, alen, &l->addr) < 0)
		return -1;
	if (parse_uint(colon + 1, 1, 65535, &port) < 0)
		return -1;
	l->port = (uint16_t)port;
	l->enabled = 1;
	return 0;
}

static int
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* "host NAME ADDR [ADDR...]" */
static void
do_host(struct ctx *c, char **w, int nw)
{
	struct hosts *h = &c->cfg->hosts;

	if (nw < 3) {
		err(c, "host: expected: host NAME ADDRESS [ADDRESS...]", NULL);
		return;
	}
	int idx = hosts_add(h, w[1]);
	if (idx == VIGIL_ENOSPC) {
		err(c, "host: more hosts than VIGIL_MAX_HOSTS", NULL);
		return;
	}
	if (idx < 0) {
		err(c, "host: bad or duplicate name: ", w[1]);
		return;
	}
	for (int i = 2; i < nw; i++) {
		struct hosts_addr a;
		if (hosts_parse_addr(w[i], strlen(w[i]), &a) < 0) {
			err(c, "host: bad address: ", w[i]);
			continue;
		}
		int r = hosts_add_addr(h, idx, &a);
		if (r == VIGIL_ENOSPC)
			err(c, "host: more addresses than VIGIL_MAX_HOST_ADDRS: ",
			    w[i]);
		else if (r < 0)
			err(c, "host: address already belongs to a host: ", w[i]);
	}
}

/* "host_ssh NAME ADDR[:PORT] [TARGET]": after the host's own line.  An
 * IPv6 address with a port is written [ADDR]:PORT. */
static void
do_host_ssh(struct ctx *c, char **w, int nw)
{
	struct hosts_addr a;

	if (nw < 3 || nw > 4) {
		err(c, "host_ssh: expected: host_ssh NAME ADDRESS[:PORT] [TARGET]",
		    NULL);
		return;
	}
	int idx = hosts_find(&c->cfg->hosts, w[1]);
	if (idx < 0) {
		err(c, "host_ssh: no such host (declare it first): ", w[1]);
		return;
	}
	struct config_ssh *s = &c->cfg->ssh[idx];
	char addr[64];
	unsigned long port = 22;
	const char *v = w[2], *colon = strrchr(v, ':');
	size_t n = strlen(v);
	if (v[0] == '[') { /* [v6]:port or [v6] */
		const char *rb = strchr(v, ']');
		if (!rb || (rb[1] && (rb[1] != ':' ||
		    parse_uint(rb + 2, 1, 65535, &port) < 0))) {
			err(c, "host_ssh: bad address: ", v);
			return;
		}
		n = (size_t)(rb - v - 1);
		v++;
	} else if (colon && strchr(v, ':') == colon) { /* v4:port */
		if (parse_uint(colon + 1, 1, 65535, &port) < 0) {
			err(c, "host_ssh: bad port: ", w[2]);
			return;
		}
		n = (size_t)(colon - v);
	}
	if (n >= sizeof(addr) || hosts_parse_addr(v, n, &a) < 0) {
		err(c, "host_ssh: bad address: ", w[2]);
		return;
	}
	memcpy(addr, v, n);
	addr[n] = '\0';
	char v6[sizeof(addr) + 2];
	snprintf(v6, sizeof(v6), "[%s]", addr);
	const char *t = nw == 4 ? w[3] : a.family == 6 ? v6 : addr;
	if (!virsh_target_ok(t, strlen(t))) {
		err(c, "host_ssh: bad migration target: ", t);
		return;
	}
	memcpy(s->addr, addr, n + 1);
	s->port = (uint16_t)port;
	copy_str(s->target, sizeof(s->target), t);
}

/* "noc_allow ADDR[/PREFIX] ..." */
static void
do_allow(struct ctx *c, char **w, int nw)
{
	struct vigil_config *cfg = c->cfg;

	if (nw < 2) {
		err(c, "noc_allow: expected: noc_allow ADDRESS[/PREFIX]...", NULL);
		return;
	}
	for (int i = 1; i < nw; i++) {
		struct config_allow a;
		const char *slash = strchr(w[i], '/');
		size_t alen = slash ? (size_t)(slash - w[i]) : strlen(w[i]);
		if (hosts_parse_addr(w[i], alen, &a.addr) < 0) {
			err(c, "noc_allow: bad address: ", w[i]);
			continue;
		}
		unsigned long max = a.addr.family == 4 ? 32 : 128, p = max;
		if (slash && parse_uint(slash + 1, 0, max, &p) < 0) {
			err(c, "noc_allow: bad prefix length: ", w[i]);
			continue;
		}
		a.prefix = (unsigned)p;
		if (cfg->nnoc == VIGIL_MAX_NOC_ALLOW) {
			err(c, "noc_allow: more entries than VIGIL_MAX_NOC_ALLOW",
			    NULL);
			return;
		}
		cfg->noc[cfg->nnoc++] = a;
	}
}

static void
do_key(struct ctx *c, const char *hex)
{
	int n = auth_parse_key(hex, strlen(hex), c->cfg->psk,
	    sizeof(c->cfg->psk));
	if (n < 0) {
		err(c, "noc_key: expected 32 to 128 hex digits", NULL);
		c->cfg->psk_len = 0;
		return;
	}
	c->cfg->psk_len = (size_t)n;
}

/* "+HHMM" / "-HHMM" / "UTC" */
static void
do_tz(struct ctx *c, const char *s)
{
	if (strcmp(s, "UTC") == 0 || strcmp(s, "utc") == 0) {
		c->cfg->tz_offset_s = 0;
		return;
	}
	if (strlen(s) != 5 || (s[0] != '+' && s[0] != '-')) {
		err(c, "syslog_timezone: expected UTC or +HHMM / -HHMM", NULL);
		return;
	}
	int v[4];
	for (int i = 0; i < 4; i++) {
		if (s[i + 1] < '0' || s[i + 1] > '9') {
			err(c, "syslog_timezone: expected +HHMM / -HHMM", NULL);
			return;
		}
		v[i] = s[i + 1] - '0';
	}
	int hh = v[0] * 10 + v[1], mm = v[2] * 10 + v[3];
	if (hh > 14 || mm > 59) {
		err(c, "syslog_timezone: offset out of range", NULL);
		return;
	}
	int64_t off = (int64_t)hh * 3600 + mm * 60;
	c->cfg->tz_offset_s = s[0] == '-' ? -off : off;
}

static void
directive(struct ctx *c, char **w, int nw)
{
	struct vigil_config *cfg = c->cfg;
	const char *d = w[0];
	unsigned long v;

	if (strcmp(d, "host") == 0) {
		do_host(c, w, nw);
		return;
	}
	if (strcmp(d, "noc_allow") == 0) {
		do_allow(c, w, nw);
		return;
	}
	if (strcmp(d, "host_ssh") == 0) {
		do_host_ssh(c, w, nw);
		return;
	}
	if (strcmp(d, "predict") == 0) {
		int r;
		if (nw != 3)
			err(c, "predict: expected a parameter and a value", NULL);
		else if ((r = predict_cfg_set(&cfg->predict, w[1], strlen(w[1]),
		    w[2], strlen(w[2]))) == VIGIL_ENOENT)
			err(c, "predict: unknown parameter ", w[1]);
		else if (r < 0)
			err(c, "predict: expected a number for ", w[1]);
		else if (predict_cfg_check(&cfg->predict) == 0)
			c->predict_line = 0;
		else if (!c->predict_line)
			c->predict_line = c->line; /* may be fixed by a later line */
		return;
	}
	if (nw != 2) {
		err(c, "expected exactly one value after ", d);
		return;
	}
	const char *val = w[1];
	if (strcmp(d, "syslog_udp") == 0) {
		if (parse_listen(val, &cfg->syslog_udp) < 0)
			err(c, "syslog_udp: expected ADDRESS:PORT or off: ", val);
	} else if (strcmp(d, "syslog_tcp") == 0) {
		if (parse_listen(val, &cfg->syslog_tcp) < 0)
			err(c, "syslog_tcp: expected ADDRESS:PORT or off: ", val);
	} else if (strcmp(d, "status_tcp") == 0) {
		if (parse_listen(val, &cfg->status_tcp) < 0)
			err(c, "status_tcp: expected ADDRESS:PORT or off: ", val);
	} else if (strcmp(d, "status_udp") == 0) {
		if (parse_listen(val, &cfg->status_udp) < 0)
			err(c, "status_udp: expected ADDRESS:PORT or off: ", val);
	} else if (strcmp(d, "user") == 0) {
		if (copy_str(cfg->user, sizeof(cfg->user), val) < 0)
			err(c, "user: name too long", NULL);
	} else if (strcmp(d, "pidfile") == 0) {
		if (copy_str(cfg->pidfile, sizeof(cfg->pidfile), val) < 0)
			err(c, "pidfile: path longer than VIGIL_MAX_PATH", NULL);
	} else if (strcmp(d, "log_file") == 0) {
		if (copy_str(cfg->log_file, sizeof(cfg->log_file), val) < 0)
			err(c, "log_file: path longer than VIGIL_MAX_PATH", NULL);
	} else if (strcmp(d, "tcp_idle_timeout") == 0) {
		if (parse_uint(val, 1, 86400, &v) < 0)
			err(c, "tcp_idle_timeout: expected 1..86400 seconds", NULL);
		else
			cfg->tcp_idle_s = (unsigned)v;
	} else if (strcmp(d, "max_tcp_connections") == 0) {
		if (parse_uint(val, 1, VIGIL_MAX_TCP_CONN, &v) < 0)
			err(c, "max_tcp_connections: expected 1..VIGIL_MAX_TCP_CONN",
			    NULL);
		else
			cfg->max_tcp_conn = (unsigned)v;
	} else if (strcmp(d, "max_message") == 0) {
		if (parse_uint(val, 480, VIGIL_MAX_MSG, &v) < 0)
			err(c, "max_message: expected 480..VIGIL_MAX_MSG bytes", NULL);
		else
			cfg->max_msg = (unsigned)v;
	} else if (strcmp(d, "time_source") == 0) {
		if (strcmp(val, "arrival") == 0)
			cfg->time_from_message = 0;
		else if (strcmp(val, "message") == 0)
			cfg->time_from_message = 1;
		else
			err(c, "time_source: expected arrival or message", NULL);
	} else if (strcmp(d, "syslog_timezone") == 0) {
		do_tz(c, val);
	} else if (strcmp(d, "drain_rules") == 0) {
		if (copy_str(cfg->drain_rules, sizeof(cfg->drain_rules), val) < 0)
			err(c, "drain_rules: path longer than VIGIL_MAX_PATH", NULL);
	} else if (strcmp(d, "snapshot_file") == 0) {
		if (copy_str(cfg->snapshot_file, sizeof(cfg->snapshot_file),
		    val) < 0)
			err(c, "snapshot_file: path longer than VIGIL_MAX_PATH", NULL);
	} else if (strcmp(d, "snapshot_interval") == 0) {
		if (parse_uint(val, 0, 86400, &v) < 0)
			err(c, "snapshot_interval: expected 0..86400 seconds", NULL);
		else
			cfg->snapshot_interval_s = (unsigned)v;
	} else if (strcmp(d, "noc_key") == 0) {
		do_key(c, val);
	} else if (strcmp(d, "evacuate") == 0) {
		int m = strcmp(val, "off") == 0 ? CONFIG_EVAC_OFF :
		    strcmp(val, "auto") == 0 ? POLICY_AUTO :
		    strcmp(val, "manual") == 0 ? POLICY_MANUAL :
		    strcmp(val, "dry-run") == 0 ? POLICY_DRYRUN : -2;
		if (m == -2)
			err(c, "evacuate: expected off, auto, manual or dry-run",
			    NULL);
		else
			cfg->evac_mode = m;
	} else if (strcmp(d, "ssh_user") == 0) {
		if (copy_str(cfg->ssh_user, sizeof(cfg->ssh_user), val) < 0 ||
		    !virsh_name_ok(val, strlen(val)))
			err(c, "ssh_user: expected a user name", NULL);
	} else if (strcmp(d, "ssh_key") == 0) {
		if (strlen(val) + 4 >= sizeof(cfg->ssh_key) ||
		    copy_str(cfg->ssh_key, sizeof(cfg->ssh_key), val) < 0)
			err(c, "ssh_key: path longer than VIGIL_MAX_PATH - 4", NULL);
	} else if (strcmp(d, "known_hosts") == 0) {
		if (copy_str(cfg->known_hosts, sizeof(cfg->known_hosts), val) < 0)
			err(c, "known_hosts: path longer than VIGIL_MAX_PATH", NULL);
	} else if (strcmp(d, "inventory_interval") == 0) {
		if (parse_uint(val, 1, 86400, &v) < 0)
			err(c, "inventory_interval: expected 1..86400 seconds", NULL);
		else
			cfg->inventory_s = (unsigned)v;
	} else if (strcmp(d, "migrations_per_host") == 0) {
		if (parse_uint(val, 1, VIGIL_MAX_JOBS, &v) < 0)
			err(c, "migrations_per_host: expected 1..VIGIL_MAX_JOBS", NULL);
		else
			cfg->policy.max_per_host = (uint16_t)v;
	} else if (strcmp(d, "migrations_per_rack") == 0) {
		if (parse_uint(val, 1, VIGIL_MAX_JOBS, &v) < 0)
			err(c, "migrations_per_rack: expected 1..VIGIL_MAX_JOBS", NULL);
		else
			cfg->policy.max_per_rack = (uint16_t)v;
	} else if (strcmp(d, "breaker_hosts") == 0) {
		if (parse_uint(val, 1, VIGIL_MAX_HOSTS, &v) < 0)
			err(c, "breaker_hosts: expected 1..VIGIL_MAX_HOSTS", NULL);
		else
			cfg->policy.breaker_n = (uint16_t)v;
	} else if (strcmp(d, "cooldown") == 0) {
		if (parse_uint(val, 0, 86400, &v) < 0)
			err(c, "cooldown: expected 0..86400 seconds", NULL);
		else
			cfg->policy.cooldown_ms = (uint32_t)v * 1000;
	} else if (strcmp(d, "postcopy") == 0) {
		if (strcmp(val, "on") && strcmp(val, "off"))
			err(c, "postcopy: expected on or off", NULL);
		else
			cfg->policy.postcopy = strcmp(val, "on") == 0;
	} else if (strcmp(d, "migration_budget") == 0) {
		if (parse_uint(val, 1, 86400, &v) < 0)
			err(c, "migration_budget: expected 1..86400 seconds", NULL);
		else
			cfg->jobs.max_ms = (uint32_t)v * 1000;
	} else {
		err(c, "unknown directive: ", d);
	}
}

int
config_parse(const char *text, size_t len, struct vigil_config *cfg,
    struct config_errors *errs)
{
	struct ctx c = {cfg, errs, 0, 0, 0};
	char line[VIGIL_MAX_CONFIG_LINE + 1];
	char *w[MAX_WORDS];

	config_defaults(cfg);
	if (errs)
		memset(errs, 0, sizeof(*errs));
	if (len > VIGIL_MAX_CONFIG) {
		err(&c, "file larger than VIGIL_MAX_CONFIG", NULL);
		return VIGIL_ECONFIG;
	}
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		c.line++;
		size_t n = end - pos;
		const char *src = text + pos;
		pos = end + 1;
		if (n > VIGIL_MAX_CONFIG_LINE) {
			err(&c, "line longer than VIGIL_MAX_CONFIG_LINE", NULL);
			continue;
		}
		if (memchr(src, '\0', n)) {
			err(&c, "NUL byte in line", NULL);
			continue;
		}
		memcpy(line, src, n);
		line[n] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		int nw = 0;
		char *p = line;
		for (;;) {
			while (*p == ' ' || *p == '\t' || *p == '\r')
				p++;
			if (!*p)
				break;
			if (nw == MAX_WORDS) {
				nw = -1;
				break;
			}
			w[nw++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
			if (*p)
				*p++ = '\0';
		}
		if (nw < 0) {
			err(&c, "too many words on the line", NULL);
			continue;
		}
		if (nw > 0)
			directive(&c, w, nw);
	}
	if (predict_cfg_check(&cfg->predict)) {
		c.line = c.predict_line;
		err(&c, "predict: values out of range or thresholds not "
		    "ordered (suspect <= moderate <= severe <= 1)", NULL);
	}
	if (cfg->policy.max_per_host > cfg->policy.max_per_rack) {
		c.line = 0;
		err(&c, "migrations_per_host is above migrations_per_rack", NULL);
	}
	if (cfg->evac_mode != CONFIG_EVAC_OFF &&
	    (!cfg->ssh_key[0] || !cfg->known_hosts[0])) {
		c.line = 0;
		err(&c, "evacuate needs ssh_key and known_hosts", NULL);
	}
	if (!c.failed && !cfg->syslog_udp.enabled && !cfg->syslog_tcp.enabled) {
		c.line = 0;
		err(&c, "no syslog listener: set syslog_udp or syslog_tcp", NULL);
	}
	return c.failed ? VIGIL_ECONFIG : 0;
}

/* Compare the first prefix bits of two addresses of the same family. */
static int
prefix_match(const struct hosts_addr *a, const struct hosts_addr *net,
    unsigned prefix)
{
	if (a->family != net->family)
		return 0;
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(a->bytes, net->bytes, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a->bytes[full] & mask) != (net->bytes[full] & mask))
			return 0;
	}
	return 1;
}

int
config_noc_allowed(const struct vigil_config *cfg,
    const struct hosts_addr *addr)
{
	for (unsigned i = 0; i < cfg->nnoc; i++)
		if (prefix_match(addr, &cfg->noc[i].addr, cfg->noc[i].prefix))
			return 1;
	return 0;
}
