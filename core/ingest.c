/*
 * ingest.c - per-message accounting (see ingest.h).
 */
#include <string.h>

#include "err.h"
#include "ingest.h"

/* Header defects that make a message count as a parse error.  A missing
 * hostname is not one: busybox syslogd and many embedded senders omit it. */
#define PARSE_ERROR_FLAGS                                                      \
	(SYSLOG_F_NOPRI | SYSLOG_F_BADPRI | SYSLOG_F_NOTIME | SYSLOG_F_BADSD |     \
	    SYSLOG_F_LONGFIELD)

int
ingest_init(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg, const struct drain_cfg *dcfg)
{
	memset(&in->stats, 0, sizeof(in->stats));
	in->hosts = *hosts;
	hosts_reset_counters(&in->hosts);
	in->syslog = *scfg;
	in->time_from_message = 0;
	struct predict_cfg pc;
	predict_cfg_default(&pc);
	(void)predict_init(&in->predict, &pc, in->hosts.n ? in->hosts.n : 1);
	return drain_init(&in->drain, dcfg);
}

int
ingest_predict_init(struct ingest *in, const struct predict_cfg *pcfg,
    int time_from_message)
{
	if (predict_cfg_check(pcfg))
		return VIGIL_EINVAL;
	in->time_from_message = time_from_message;
	return predict_init(&in->predict, pcfg,
	    in->hosts.n ? in->hosts.n : 1);
}

void
ingest_reconfigure(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg)
{
	/* The old table is copied aside because the new one overwrites it;
	 * struct hosts is flat, so a copy is all it takes. */
	static struct hosts old;

	old = in->hosts;
	in->hosts = *hosts;
	hosts_reset_counters(&in->hosts);
	hosts_carry_counters(&in->hosts, &old);
	in->syslog = *scfg;
	for (uint32_t i = 0; i < in->hosts.n && i < VIGIL_MAX_HOSTS; i++)
		if (i >= old.n || strcmp(in->hosts.h[i].name, old.h[i].name))
			predict_host_reset(&in->predict, i);
	in->predict.nhosts = in->hosts.n ? in->hosts.n : 1;
}

int
ingest_message(struct ingest *in, const struct hosts_addr *src,
    const char *buf, size_t len, size_t orig_len, int truncated,
    int64_t now_s, struct ingest_result *res)
{
	struct ingest_result local;
	struct ingest_result *r = res ? res : &local;

	in->stats.received++;
	r->host = hosts_lookup(&in->hosts, src);
	if (r->host < 0) {
		in->stats.unknown_source++;
		return VIGIL_ENOENT;
	}
	syslog_parse(&in->syslog, buf, len, now_s, &r->msg);

	struct hosts_counters *c = &in->hosts.h[r->host].c;
	in->stats.accepted++;
	c->messages++;
	c->bytes += orig_len;
	c->severity[r->msg.severity & 7]++;
	c->last_seen_s = now_s;
	if (truncated) {
		c->truncated++;
		in->stats.truncated++;
	}
	if (r->msg.flags & PARSE_ERROR_FLAGS) {
		c->parse_errors++;
		in->stats.parse_errors++;
	}
	if (r->msg.flags & SYSLOG_F_EMPTY)
		in->stats.empty++;
	/* Templates are mined from the free-form text only: the header fields
	 * are structure the parser already took apart. */
	r->template_id = drain_add(&in->drain, r->msg.text, r->msg.text_len);
	if (r->template_id >= 0)
		hosts_count_template(&in->hosts, r->host, r->template_id);
	if (in->time_from_message && r->msg.time_s != INT64_MIN)
		r->t_ms = r->msg.time_s * 1000 + r->msg.time_us / 1000;
	else
		r->t_ms = now_s * 1000;
	predict_observe(&in->predict, (uint32_t)r->host,
	    r->template_id >= 0 ? r->template_id : -1, r->msg.facility,
	    r->msg.severity, r->t_ms, &r->ev);
	size_t hl = r->msg.host_len;
	if (hl > VIGIL_MAX_HOSTNAME)
		hl = VIGIL_MAX_HOSTNAME;
	if (hl) {
		memcpy(c->last_hostname, r->msg.host, hl);
		c->last_hostname[hl] = '\0';
	}
	return 0;
}

void
ingest_reset_counters(struct ingest *in)
{
	memset(&in->stats, 0, sizeof(in->stats));
	hosts_reset_counters(&in->hosts);
}
