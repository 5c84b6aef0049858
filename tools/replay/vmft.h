/*
 * vmft.h - the VMFT-LAD testbed runs: loading, rebuilding them as syslog
 * lines, and scoring a detector with the dataset's own protocol
 * (data/vmft-lad/EVALUATION.md).  Offline tool code: it may allocate.
 *
 * Loading (vmft_data.c): every DIR/data/<cat>/<run>.csv, sorted by name, with
 * its labels from DIR/data/<cat>/dataset_metadata.json; DIR/templates.csv
 * (quoted CSV fields); DIR/harness_templates.csv; DIR/
 * sample_template_programs.csv.  Metadata entries without a data file are
 * skipped; a failure-category file without a metadata entry is skipped
 * with a warning (it cannot be scored).
 *
 * Rendering (vmft_data.c): the data README's "Replaying the runs as
 * syslog" rules; see vmft_render_message() for the exact choices.
 *
 * Scoring (vmft_score.c): EVALUATION.md's protocol, literally: L and F as
 * the metadata gives them for every category, probation p, pre-fault rows
 * p+1 .. L-2 in chunks of row div 200 (FP / TN), [L-1, F) for TP, [F, end]
 * for TP_LATE (criterion 2) or TP (criterion 1), otherwise FN.
 */
#ifndef VIGIL_VMFT_H
#define VIGIL_VMFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vmft_cat { VMFT_BENIGN, VMFT_OOM, VMFT_HDD, VMFT_CPU, VMFT_BUFFER_IO,
	VMFT_NCAT };

struct vmft_row {
	/* Local wall-clock time as written (the testbed was at +05:30), as
	 * microseconds since 1970-01-01 00:00 of that wall clock: subtract
	 * VMFT_TZ_OFFSET_S seconds for UTC. */
	int64_t ts_us;
	uint16_t id;		/* Drain3 template id (templates.csv) */
	uint8_t harness;	/* id is in harness_templates.csv */
	uint8_t occ3;		/* earlier rows of this id in the run, mod 3 */
};

/* The testbed's offset from UTC (+05:30). */
#define VMFT_TZ_OFFSET_S 19800

struct vmft_run {
	enum vmft_cat cat;
	char name[64];		/* file name without .csv */
	long label;		/* L: label_region as the metadata gives it */
	long failure;		/* F: failure_point as the metadata gives it */
	size_t nrows;
	struct vmft_row *rows;
	char ts_text_fmt;	/* fraction digits the file writes: 0, 3 or 6 */
};

struct vmft_set {
	struct vmft_run *runs;	/* by category (enum order), then by name */
	size_t nruns;
	/* By template id, for ids 0 .. ntmpl-1: the templates.csv text
	 * (NULL where absent), the syslog program that rendering uses, and
	 * 1 for a harness template. */
	char **tmpl;
	char **prog;
	uint8_t *harness;
	size_t ntmpl;
};

const char *vmft_cat_name(enum vmft_cat c);

/* The readers behind vmft_load, one per file, on a buffer: buf[0..len)
 * need not be NUL-terminated (a NUL inside ends the text, as in a file);
 * name labels the messages, which go to err (none when err is NULL).
 * Each returns 0, or -1 with a message for malformed input. */
struct vmft_meta {
	char name[64];
	long label, failure;	/* -1 where the entry does not give them */
};
/* A dataset_metadata.json: *out (malloc'd; free it) gets *nout entries. */
int vmft_parse_metadata(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_meta **out, size_t *nout);
/* templates.csv into an empty set: sets ntmpl and tmpl, and allocates
 * prog and harness (all unset).  After a failure set may hold part of
 * that: vmft_free it. */
int vmft_parse_templates(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set);
/* harness_templates.csv and sample_template_programs.csv, after
 * templates.csv: they mark set->harness and set set->prog; an id at or
 * beyond set->ntmpl is malformed. */
int vmft_parse_harness(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set);
int vmft_parse_programs(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set);
/* One run CSV (header "timestamp,value") into r->rows, nrows and
 * ts_text_fmt (r's other fields are left alone), its ids below
 * set->ntmpl.  r->rows is malloc'd, NULL after a failure. */
int vmft_parse_run_csv(const char *buf, size_t len, const char *name,
    FILE *err, const struct vmft_set *set, struct vmft_run *r);

/* Load every category under DIR (see the top of this file).  Returns 0,
 * or -1 with a message on stderr (set is then empty). */
int vmft_load(const char *dir, struct vmft_set *set);
void vmft_free(struct vmft_set *set);

/* A timestamp as the run's file writes it ("YYYY-MM-DD HH:MM:SS" and 0, 3
 * or 6 fraction digits).  Returns the length (snprintf's). */
int vmft_ts_text(const struct vmft_run *r, int64_t ts_us, char *buf,
    size_t cap);

/* Line forms of vmft_render (0 and 1 keep their old meaning). */
enum vmft_fmt {
	VMFT_FMT_3164 = 0,	/* "<PRI>Mmm dd hh:mm:ss host prog[pid]: msg" */
	VMFT_FMT_5424 = 1,	/* "<PRI>1 RFC3339 host prog pid - - msg" */
	VMFT_FMT_FILE = 2	/* "RFC3339 host prog[pid]: msg" (sample.log) */
};

/* Rebuild row i of run r as one syslog line in form fmt (enum vmft_fmt);
 * host is the HOSTNAME field.  Timestamps are the row's, at +05:30, with
 * the file's fraction digits.  PRI (3164 and 5424 forms): kern.info for
 * kernel, authpriv.info for sshd and sudo, cron.info for CRON, daemon.info
 * otherwise.  PID: none for kernel and rsyslogd (as sample.log has them),
 * 1 for systemd, else a number stable per (run, program).  The kernel's
 * uptime is 150 s at the run's first row and grows with the row's time.
 * No newline.  Returns the length written: the
 * line is always NUL-terminated and cut at cap-1 bytes (0 for a row out
 * of range). */
size_t vmft_render(const struct vmft_set *set, const struct vmft_run *r,
    size_t i, const char *host, int fmt, char *buf, size_t cap);

/* The message part alone for template id as rendered in a run named run
 * at its occ3-th occurrence (mod 3) and kernel uptime uptime_us:
 *  - "[ <:NUM:>.<:NUM:>]" at the start: "[%5u.%06u]" of the uptime kept
 *    below 10000 s; "[<:NUM:>.<:NUM:>]": the uptime plus 10000 s;
 *  - h = FNV-1a 64 of (run name, id, placeholder index, occ3) (each
 *    integer as 4 little-endian bytes after the name and a NUL);
 *  - <:NUM:>: h mod 1000, or h mod 10 where the placeholder touches ':';
 *    <:HEX:>: 0x%08x; <:IP:>: 10.22.x.y; <:ID:>: 52:54:00:xx:xx:xx;
 *    <:SEQ:>: four 16-digit lower-case hex words; <:CMD:>: a quoted word;
 *  - <:*:>: one of 12 words, each letters and a trailing digit (eth0,
 *    vnet0, tap3, ..., so a miner's tree routes every value alike and no
 *    value masks as a number or hex), the index being (h at occurrence 0
 *    + 5 * occ3) mod 12: the three occurrences take three different
 *    words.
 * Unknown ids render as "vmft template <id>".  Returns the length
 * written, NUL-terminated and cut at cap-1 bytes like vmft_render. */
size_t vmft_render_message(const struct vmft_set *set, const char *run,
    unsigned id, unsigned occ3, int64_t uptime_us, char *buf, size_t cap);

/* Protocol counts for one run at threshold t (an alarm is score >= t;
 * NaN never alarms); probation p rows; score has r->nrows entries.
 * A benign run or a NULL score counts nothing.  L = 0 (fault present from
 * the start) has no pre-fault part and [L-1, F) is [0, F). */
struct vmft_counts {
	long tp, tp_late, fn, fp, tn;
	/* One run: the lead time of a TP (ts[F] - ts[first alarm in
	 * [L-1, F)]) in seconds, or -1.  vmft_sum: the mean over its TPs,
	 * or -1. */
	double lead_s;
	long first_alarm;	/* row of the first alarm in [L-1, F) or -1 */
};
void vmft_score_run(const struct vmft_run *r, const float *score, float t,
    long p, struct vmft_counts *c);
/* Sum of vmft_score_run over the runs of category cat (-1: every failure
 * category); scores[k] belongs to set->runs[k] and may be NULL for runs
 * not scored (they count nothing).  first_alarm is -1. */
void vmft_sum(const struct vmft_set *set, float *const *scores, int cat,
    float t, long p, struct vmft_counts *c);
/* F1 = 2 tp / (2 tp + fp + fn); 0 when tp is 0. */
double vmft_f1(long tp, long fp, long fn);
/* Criterion 1 or 2 F1 of counts (criterion 1: TP_LATE counts as TP;
 * criterion 2: as FN). */
double vmft_f1_counts(const struct vmft_counts *c, int criterion);
/* ROC-AUC of per-threshold counts c[0..n): TPR = TP / (TP + FN) (TP_LATE
 * in TP for criterion 1, in FN for criterion 2), FPR = FP / (FP + TN);
 * the points sorted by FPR (then TPR), (0,0) and (1,1) added, trapezoid
 * rule.  A rate with a zero denominator is 0. */
double vmft_auc_counts(const struct vmft_counts *c, size_t n, int criterion);
/* ROC-AUC of per-run scores (scores[k] for set->runs[k]; NULL: not
 * scored) over the thresholds thr[0..nthr) (the study's grids were 0.0,
 * 0.05, ..., 1.0 and 0.0, 0.01, ..., 0.35) for category cat (-1: every
 * failure category pooled). */
double vmft_auc(const struct vmft_set *set, float *const *scores, long p,
    int criterion, int cat, const float *thr, size_t nthr);
/* The same over an exact sweep: every value at which some run's counts
 * change (the largest score of each pre-fault chunk, of [L-1, F) and of
 * [F, end]), so no grid can miss a point of the curve. */
double vmft_auc_exact(const struct vmft_set *set, float *const *scores,
    long p, int criterion, int cat);

/* The "Novel-in-run" reference detector: score[i] = 1 when row i's raw
 * template id (harness lines kept) did not occur earlier in the run. */
void vmft_novel_in_run(const struct vmft_run *r, float *score);
/* Run it over DIR at T = 0.5, P = 150 and print the per-category table
 * (TP TP_LATE FN FP TN) and the overall F1.  Returns 0, or -1 when DIR
 * cannot be loaded. */
int vmft_reference(const char *dir);

/* The render check behind `vigil-replay vmft-render DIR --check`: every
 * template at each occurrence re-masks to its own tokens under the
 * Drain3 masks (vigil's core/mask with typed replacements, strictly), the
 * rules file's mask set equals those masks, and sample.log's lines agree
 * with the rendered ones.  Prints a report to out; returns the number of
 * failures (0 = pass) or -1 when something could not be read. */
int vmft_check_render(const char *dir, const struct vmft_set *set,
    const char *rules_path, FILE *out);

/* Subcommands (vigil-replay). */
int replay_vmft_reference(int argc, char **argv);
int replay_vmft_render(int argc, char **argv);

#endif /* VIGIL_VMFT_H */
