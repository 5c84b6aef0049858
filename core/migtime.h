/*
 * migtime.h - how long a live migration takes, and how long it takes to
 * evacuate a host, from the VMs' memory sizes.
 *
 * Does: a least-squares line, total time = a + b * MiB, per migration mode,
 * fitted to measured QEMU runs (QEMU 8.1.2, one vCPU, about 0.9 Gbit/s;
 * the VMFT-LAD live-migration measurements: 28 pre-copy, 30 post-copy and
 * 30 XBZRLE pre-copy runs of 1 to 20 GiB VMs).  The fitted constants are
 * stored here (migtime_default) and `vigil-replay migfit DIR` re-fits
 * them from the raw records with the same accumulator (migtime_fit_*), so
 * a test can show they are what the data gives.  Two estimates per mode:
 * the line itself, and an upper one, the line plus MIGTIME_UPPER_K
 * residual standard errors, for deadlines (it lies above 27 of the 28
 * measured pre-copy runs, 30 of 30 post-copy and 29 of 30 XBZRLE runs).
 *
 * What the line is not: a model of why a migration takes as long as it
 * does.  The measured guests touched about 1 to 5 GiB whatever their size
 * and the rest of their memory was zero pages, so time grows much more
 * slowly than memory (R^2 0.55 pre-copy, 0.71 post-copy, 0.15 XBZRLE) and
 * the intercept is most of the estimate.  A VM that has dirtied all of its
 * memory, or dirties it faster than the link drains it, takes longer than
 * either estimate (at least MiB * 8.39 / Mbit/s seconds); beyond 20 GiB
 * the line is an extrapolation.
 *
 * Link speed: every measured run moved its data at 0.85 to 0.93 Gbit/s,
 * so the transfer part of an estimate (all but the fixed setup + downtime)
 * is scaled by ref_mbps / link_mbps.  That holds while the guest dirties
 * memory much more slowly than the link drains it.
 *
 * Evacuation (migtime_evacuate_ms): migrations from one source share its
 * link, and one measured migration already filled it, so running two at
 * once does not move bytes faster: the transfer parts of all VMs add up.
 * What parallelism saves is the fixed part, paid once per wave of up to
 * `parallel` migrations started together instead of once per VM.  Two
 * migrations sharing a link each run at half speed, so pre-copy resends
 * more dirtied pages than when alone; the line does not model that (use
 * the upper estimate).
 *
 * Pure arithmetic: no state, no allocation, no I/O.  Times are in
 * milliseconds, rounded up.
 */
#ifndef VIGIL_MIGTIME_H
#define VIGIL_MIGTIME_H

#include <stddef.h>
#include <stdint.h>

enum migtime_mode {
	MIGTIME_PRECOPY = 0, /* vanilla pre-copy */
	MIGTIME_POSTCOPY,    /* post-copy (virsh migrate --postcopy) */
	MIGTIME_XBZRLE,      /* pre-copy with XBZRLE compression */
	MIGTIME_NMODES
};

/* Per-source concurrent migrations when the caller gives 0. */
#define MIGTIME_PARALLEL_DEFAULT 2u
/* Upper estimate = line + MIGTIME_UPPER_K residual standard errors. */
#define MIGTIME_UPPER_K 2.0

/* One mode's fitted line and what it was fitted on. */
struct migtime_model {
	double a_ms;         /* intercept */
	double b_ms_per_mib; /* slope */
	double s_ms;         /* residual standard error, sqrt(SSE / (n - 2)) */
	double r2;           /* coefficient of determination */
	double fixed_ms;     /* mean setup-time + downtime: not link-bound */
	double ref_mbps;     /* mean measured throughput (QMP ram.mbps) */
	uint32_t n;          /* runs fitted */
};

/* Running least-squares sums (Welford's update, numerically stable). */
struct migtime_fit {
	uint32_t n;
	double mx, my;          /* means of MiB and total ms */
	double cxx, cxy, cyy;   /* co-moments */
	double sfixed, smbps;   /* sums of fixed ms and mbps */
};

/* Mode names: "precopy", "postcopy", "xbzrle"; NULL for a bad mode. */
const char *migtime_mode_name(enum migtime_mode mode);

/* The stored fit of a mode, or NULL for a bad mode. */
const struct migtime_model *migtime_default(enum migtime_mode mode);

void migtime_fit_init(struct migtime_fit *f);
/* Add one measured run: VM memory, total-time, setup-time + downtime, and
 * its QMP ram.mbps. */
void migtime_fit_add(struct migtime_fit *f, double mib, double total_ms,
    double fixed_ms, double mbps);
/* The line through the runs added.  Returns 0, or VIGIL_EINVAL with fewer
 * than 3 runs or when every run had the same memory size (out is then
 * zeroed). */
int migtime_fit_done(const struct migtime_fit *f, struct migtime_model *out);

/* Total time of one migration of a VM of mib MiB with model m, over a link
 * of link_mbps Mbit/s (0: the link the model was measured on), the line or
 * (upper != 0) the upper estimate.  Never below the model's fixed part;
 * 0 for a NULL model. */
uint64_t migtime_model_ms(const struct migtime_model *m, uint32_t mib,
    uint32_t link_mbps, int upper);

/* The same with the stored fit of a mode; 0 for a bad mode. */
uint64_t migtime_estimate_ms(enum migtime_mode mode, uint32_t mib,
    uint32_t link_mbps, int upper);

/* Time to move n VMs (vm_mib[0..n)) off one host with at most parallel
 * migrations at once (0: MIGTIME_PARALLEL_DEFAULT): the sum of every VM's
 * transfer part plus one fixed part per wave of `parallel` VMs (see the
 * top of this file).  0 for n == 0, a NULL vm_mib or a bad mode. */
uint64_t migtime_evacuate_ms(const uint32_t *vm_mib, size_t n,
    unsigned parallel, enum migtime_mode mode, uint32_t link_mbps,
    int upper);

/* The same with an explicit model. */
uint64_t migtime_model_evacuate_ms(const struct migtime_model *m,
    const uint32_t *vm_mib, size_t n, unsigned parallel, uint32_t link_mbps,
    int upper);

#endif /* VIGIL_MIGTIME_H */
