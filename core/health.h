/*
 * health.h - a host's health as prediction reports it and policy acts on
 * it.  The order matters: a higher value is worse.
 */
#ifndef VIGIL_HEALTH_H
#define VIGIL_HEALTH_H

enum health {
	HEALTH_HEALTHY = 0,
	HEALTH_SUSPECT = 1,  /* something unusual; watch, do nothing */
	HEALTH_MODERATE = 2, /* likely trouble: never a migration target */
	HEALTH_SEVERE = 3,   /* confirmed: evacuate */
	HEALTH_NSTATES = 4
};

static inline const char *
health_name(int h)
{
	static const char *const names[HEALTH_NSTATES] = {
		"healthy", "suspect", "moderate", "severe"};
	return h >= 0 && h < HEALTH_NSTATES ? names[h] : "unknown";
}

#endif /* VIGIL_HEALTH_H */
