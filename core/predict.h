/*
 * predict.h - per-host health from the log stream, online.
 *
 * Each host's messages feed two detectors:
 *   - novelty: a template the host has never sent before is evidence,
 *     weighted by its source class (kernel messages weigh w_kern, all
 *     others w_other).  A host's kernel speaks rarely and in a fixed
 *     vocabulary while it is well; services restart, rotate logs and run
 *     cron jobs in new words all the time.
 *   - ART: the window features of features.h go through an ART detector
 *     (core/art, strict streaming); its score, times w_art, is evidence
 *     too.
 * The host's score is the strongest recent evidence, decaying with time
 * constant tau.  Its state follows the score through three thresholds
 * (suspect, moderate, severe); severe needs N strikes (evidence at or above
 * the severe threshold) within the strike window, and a state steps down
 * only after its threshold has not been reached for hold_ms (hysteresis).
 * While a host is new (watched for less than learn_ms) everything it says
 * is new, so it is never more than suspect.
 * The templates that raised the score are kept as its reasons.
 *
 * No labels, nothing per template: every weight applies to a class of
 * evidence.  Times come from the caller (message or arrival time).
 */
#ifndef VIGIL_PREDICT_H
#define VIGIL_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "art.h"
#include "features.h"
#include "health.h"
#include "limits.h"

#define PREDICT_ART_DIM \
	(VIGIL_FEAT_DIM < VIGIL_ART_MAX_DIM ? VIGIL_FEAT_DIM : VIGIL_ART_MAX_DIM)

struct predict_cfg {
	int64_t window_ms;        /* feature window */
	double w_kern, w_other;   /* evidence of a new template, by source */
	double w_art;             /* weight of the ART window score */
	double tau_s;             /* evidence decay time constant */
	double t_suspect, t_moderate, t_severe; /* state thresholds */
	uint32_t strikes;         /* N, 1..VIGIL_PREDICT_MAX_STRIKES */
	int64_t strike_window_ms; /* the N strikes must fall within this */
	int64_t hold_ms;          /* hysteresis before stepping down */
	uint32_t art_probation;   /* windows of ART warm-up */
	int64_t learn_ms;         /* a host is watched this long (message
	                           * time, gaps count one window at most)
	                           * before it can be more than suspect */
};

struct predict_reason {
	int32_t tid;     /* template id */
	float weight;    /* evidence it brought */
	int64_t t_ms;    /* when */
};

struct predict_host {
	struct features_host f;
	struct art art;
	double ev;          /* evidence at ev_ms, before decay */
	int64_t ev_ms;      /* INT64_MIN: nothing yet */
	int64_t last_ms;    /* time of the host's last message */
	int64_t learned_ms; /* time watched, up to cfg.learn_ms */
	double art_last;    /* last ART window score */
	int state;          /* enum health */
	int64_t state_ms;   /* when the state was entered */
	int64_t high_ms;    /* last time the state's threshold was reached */
	int64_t strike_ms[VIGIL_PREDICT_MAX_STRIKES];
	uint32_t nstrikes;  /* strikes recorded (ring, newest at nstrikes-1) */
	struct predict_reason reason[VIGIL_PREDICT_REASONS];
	uint32_t nreasons;  /* reasons recorded (ring) */
	double score;       /* standing score (decayed evidence) */
	uint64_t alarms;    /* entries into severe */
	uint64_t novel_kern, novel_other;
};

struct predict {
	struct predict_cfg cfg;
	uint32_t nhosts;
	struct predict_host h[VIGIL_MAX_HOSTS];
};

/* A state change, reported by predict_observe. */
struct predict_event {
	int changed;        /* 1 when the state changed on this message */
	int from, to;       /* enum health */
	double score;
};

/* vigil's defaults (see predict.c for how they were chosen). */
void predict_cfg_default(struct predict_cfg *cfg);
/* Checks a configuration; VIGIL_EINVAL names nothing, the caller does. */
int predict_cfg_check(const struct predict_cfg *cfg);

/* Sets one parameter by name, as the config file and the replay's --set
 * write it: window_s w_kern w_other w_art tau_s suspect moderate severe
 * strikes strike_window_s hold_s art_probation learn_s.  Returns 0, VIGIL_ENOENT
 * for an unknown key or VIGIL_EINVAL for a bad value (predict_cfg_check
 * judges the whole afterwards). */
int predict_cfg_set(struct predict_cfg *cfg, const char *key, size_t klen,
    const char *val, size_t vlen);

/* Resets every host (1..VIGIL_MAX_HOSTS of them) to healthy, knowing
 * nothing.  Returns 0 or VIGIL_EINVAL. */
int predict_init(struct predict *p, const struct predict_cfg *cfg,
    uint32_t nhosts);
/* Resets one host. */
void predict_host_reset(struct predict *p, uint32_t host);

/* One message of host (template tid or negative, syslog facility and
 * severity) at t_ms.  Returns the message's score in [0, 1]: at or above
 * cfg.t_severe when this message raises or renews a confirmed alarm;
 * otherwise the host's standing score (decaying evidence), held below
 * cfg.t_severe, so that one alarm is one message.  The host's state
 * (h[host].state, with hysteresis) and standing score (h[host].score) are
 * what the status channel shows.  ev may be NULL. */
double predict_observe(struct predict *p, uint32_t host, int32_t tid,
    int facility, int severity, int64_t t_ms, struct predict_event *ev);

/* Advances a host's clock without a message (decay, hysteresis): a host
 * that falls silent still steps down.  Returns its score. */
double predict_tick(struct predict *p, uint32_t host, int64_t t_ms,
    struct predict_event *ev);

#endif /* VIGIL_PREDICT_H */
