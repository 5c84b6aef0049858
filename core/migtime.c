/*
 * migtime.c - live-migration time estimates (see migtime.h).
 */
#include <math.h>
#include <string.h>

#include "err.h"
#include "migtime.h"

/*
 * The stored fits: `vigil-replay migfit DIR` over the raw QMP records
 * (evaluation/time-analysis/migration-time-analysis/data/<mode>/
 * migration_status_ram<MiB>_cores1.log of the VMFT-LAD data), every
 * completed run.  tests/integration/test_vmft_scorer.sh re-fits and
 * compares.
 */
static const struct migtime_model models[MIGTIME_NMODES] = {
	[MIGTIME_PRECOPY] = {21139.1, 1.20359, 8452.22, 0.5498, 182.321,
	    911.638, 28},
	[MIGTIME_POSTCOPY] = {14930.2, 0.692676, 3345.52, 0.7117, 143.333,
	    875.53, 30},
	[MIGTIME_XBZRLE] = {30269.9, 0.592318, 10548.4, 0.1537, 121.367,
	    913.693, 30},
};

static const char *const names[MIGTIME_NMODES] = {
	[MIGTIME_PRECOPY] = "precopy",
	[MIGTIME_POSTCOPY] = "postcopy",
	[MIGTIME_XBZRLE] = "xbzrle",
};

const char *
migtime_mode_name(enum migtime_mode mode)
{
	if ((unsigned)mode >= MIGTIME_NMODES)
		return NULL;
	return names[mode];
}

const struct migtime_model *
migtime_default(enum migtime_mode mode)
{
	if ((unsigned)mode >= MIGTIME_NMODES)
		return NULL;
	return &models[mode];
}

void
migtime_fit_init(struct migtime_fit *f)
{
	memset(f, 0, sizeof(*f));
}

void
migtime_fit_add(struct migtime_fit *f, double mib, double total_ms,
    double fixed_ms, double mbps)
{
	/* Welford: the co-moments are updated with the deviation from the
	 * old mean of one variable and the new mean of the other. */
	f->n++;
	double dx = mib - f->mx;
	double dy = total_ms - f->my;
	f->mx += dx / f->n;
	f->my += dy / f->n;
	f->cxx += dx * (mib - f->mx);
	f->cxy += dx * (total_ms - f->my);
	f->cyy += dy * (total_ms - f->my);
	f->sfixed += fixed_ms;
	f->smbps += mbps;
}

int
migtime_fit_done(const struct migtime_fit *f, struct migtime_model *out)
{
	memset(out, 0, sizeof(*out));
	if (f->n < 3 || !(f->cxx > 0))
		return VIGIL_EINVAL;
	double b = f->cxy / f->cxx;
	double sse = f->cyy - b * f->cxy;
	if (sse < 0) /* rounding on a perfect fit */
		sse = 0;
	out->b_ms_per_mib = b;
	out->a_ms = f->my - b * f->mx;
	out->s_ms = sqrt(sse / (f->n - 2));
	out->r2 = f->cyy > 0 ? 1.0 - sse / f->cyy : 1.0;
	out->fixed_ms = f->sfixed / f->n;
	out->ref_mbps = f->smbps / f->n;
	out->n = f->n;
	return 0;
}

/* One VM's time in ms, unrounded: the fixed part plus the transfer part
 * scaled to the link. */
static double
one_ms(const struct migtime_model *m, uint32_t mib, uint32_t link_mbps,
    int upper)
{
	double t = m->a_ms + m->b_ms_per_mib * mib;
	if (upper)
		t += MIGTIME_UPPER_K * m->s_ms;
	double xfer = t - m->fixed_ms;
	if (xfer < 0)
		xfer = 0;
	if (link_mbps && m->ref_mbps > 0)
		xfer *= m->ref_mbps / link_mbps;
	return m->fixed_ms + xfer;
}

static uint64_t
to_ms(double t)
{
	if (!(t > 0))
		return 0;
	if (t >= 1.8e19)
		return UINT64_MAX;
	return (uint64_t)ceil(t);
}

uint64_t
migtime_model_ms(const struct migtime_model *m, uint32_t mib,
    uint32_t link_mbps, int upper)
{
	if (!m)
		return 0;
	return to_ms(one_ms(m, mib, link_mbps, upper));
}

uint64_t
migtime_estimate_ms(enum migtime_mode mode, uint32_t mib, uint32_t link_mbps,
    int upper)
{
	return migtime_model_ms(migtime_default(mode), mib, link_mbps, upper);
}

uint64_t
migtime_model_evacuate_ms(const struct migtime_model *m,
    const uint32_t *vm_mib, size_t n, unsigned parallel, uint32_t link_mbps,
    int upper)
{
	if (!m || !vm_mib || n == 0)
		return 0;
	if (parallel == 0)
		parallel = MIGTIME_PARALLEL_DEFAULT;
	double xfer = 0;
	for (size_t i = 0; i < n; i++)
		xfer += one_ms(m, vm_mib[i], link_mbps, upper) - m->fixed_ms;
	size_t waves = (n + parallel - 1) / parallel;
	return to_ms(xfer + (double)waves * m->fixed_ms);
}

uint64_t
migtime_evacuate_ms(const uint32_t *vm_mib, size_t n, unsigned parallel,
    enum migtime_mode mode, uint32_t link_mbps, int upper)
{
	return migtime_model_evacuate_ms(migtime_default(mode), vm_mib, n,
	    parallel, link_mbps, upper);
}
