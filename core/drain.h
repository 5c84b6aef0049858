/*
 * drain.h - the Drain log template miner on fixed tables.
 *
 * What it does: turns a log line into a template id.  The line is masked
 * (core/mask: IPs, numbers, ... become "<*>"), split into tokens at the
 * configured delimiters, and routed down a fixed-depth parse tree keyed on
 * its token count and its first depth - 3 tokens (a token with a digit, or
 * a new token at a node that already has max_children children, goes to
 * the node's "<*>" child).  In the leaf it joins the template with the
 * highest similarity (tokens equal at the same position / token count;
 * ties go to the template with more "<*>"), if that similarity reaches the
 * threshold; positions that differ become "<*>" (a "<*>" in the template
 * never counts as similar, as in the reference; with "wildsim on" it does
 * when the line has a masked "<*>" there, as in Drain3).  Otherwise the
 * line starts a new template.  This is Drain (He et al., ICWS 2017) with
 * one change, for stable ids on steady traffic: a line that is an instance
 * of a template (equal at every non-"<*>" position) may always join it,
 * whatever the threshold.  Since merging only turns positions into "<*>",
 * every line seen stays an instance of the template it joined, so
 * replaying lines already seen never creates a template (until eviction).
 *
 * What it does not do: no allocation, no I/O, no clock, no per-host state
 * (the daemon keeps one miner for the whole rack and counts per host
 * elsewhere), no parameter extraction.
 *
 * Limits (core/limits.h): VIGIL_DRAIN_MAX_TEMPLATES templates,
 * VIGIL_DRAIN_POOL_BYTES of token storage, VIGIL_DRAIN_MAX_NODES tree
 * nodes, VIGIL_DRAIN_MAX_TOKENS tokens and VIGIL_DRAIN_MAX_LINE bytes per
 * line.  At overflow the miner counts and degrades (struct drain_stats):
 *   - any table full: the least recently used template is evicted, until
 *     the new one fits (or, with "full overflow", the line gets
 *     DRAIN_ID_OVERFLOW and nothing is evicted);
 *   - a longer line is cut; a line with too many tokens keeps the rest of
 *     the line as its last token.
 *
 * Template ids.  id = generation * VIGIL_DRAIN_MAX_TEMPLATES + slot.  Ids
 * start at 0, 1, 2, ... (generation 0).  When a template is evicted its
 * slot's generation is incremented, so the old id is never handed out
 * again for another template (until a slot's generation wraps after about
 * 2^31 / VIGIL_DRAIN_MAX_TEMPLATES reuses, which is counted in
 * stats.gen_wraps).  A consumer keeping per-template arrays indexes them
 * by DRAIN_SLOT(id) and notices a reused slot by the changed id.  Accessors
 * given an evicted id answer VIGIL_ENOENT.  Ids survive drain_snapshot /
 * drain_restore unchanged.
 *
 * Configuration text (drain_cfg_parse; '#' at the start of a line or after
 * a blank, outside quotes, starts a comment):
 *   sim 0.5            similarity threshold, 0..1 (3 decimals)
 *   depth 4            parse-tree depth, 3..VIGIL_DRAIN_MAX_DEPTH
 *   children 100       children per tree node, 2..65535
 *   delims " \t"       token delimiters (quoted; \t \r \n \v \f \\ \" escapes)
 *   full evict         when a table is full: evict (default) or overflow
 *   wildsim off        on: masked "<*>" facing template "<*>" is similar
 *   mask KIND OPTS     a masking rule, see core/mask.h (in order)
 * Defaults: sim 0.4, depth 4, children 100, delims blank/CR/LF/VT/FF,
 * full evict, wildsim off, no masking.
 */
#ifndef VIGIL_DRAIN_H
#define VIGIL_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "mask.h"

/* The id answered, in "full overflow" mode, for a line that would need a
 * new template while the tables are full.  Never a real template's id. */
#define DRAIN_ID_OVERFLOW INT32_MAX

/* The slot of an id: a dense index in [0, VIGIL_DRAIN_MAX_TEMPLATES). */
#define DRAIN_SLOT(id) ((uint32_t)(id) % VIGIL_DRAIN_MAX_TEMPLATES)

/* What to do when a table is full. */
enum drain_full { DRAIN_FULL_EVICT = 0, DRAIN_FULL_OVERFLOW = 1 };

struct drain_cfg {
	uint16_t sim_permille; /* similarity threshold, 0..1000 */
	uint16_t max_children; /* 2..65535 */
	uint8_t depth;         /* 3..VIGIL_DRAIN_MAX_DEPTH */
	uint8_t full;          /* enum drain_full */
	uint8_t wild_sim;      /* 1: masked "<*>" vs template "<*>" is similar */
	uint8_t pad;
	uint8_t delim[32];     /* bitmap: byte c is a delimiter */
	struct mask_set mask;
};

/* Counters: one per drop or degrade reason, plus high-water marks. */
struct drain_stats {
	uint64_t lines;          /* drain_add calls with a valid line */
	uint64_t matched;        /* lines that joined an existing template */
	uint64_t created;        /* templates created */
	uint64_t evicted;        /* templates evicted (least recently used) */
	uint64_t overflow;       /* lines answered DRAIN_ID_OVERFLOW */
	uint64_t long_lines;     /* lines cut to VIGIL_DRAIN_MAX_LINE */
	uint64_t mask_truncated; /* masked text cut to VIGIL_DRAIN_MAX_LINE */
	uint64_t token_overflow; /* lines with more than MAX_TOKENS tokens */
	uint64_t masked;         /* replacements made by masking */
	uint64_t compactions;    /* token pool compactions */
	uint64_t gen_wraps;      /* slot generations that wrapped */
	uint32_t templates;      /* live templates now */
	uint32_t templates_hwm;
	uint32_t nodes;          /* tree nodes in use now (with the root) */
	uint32_t nodes_hwm;
	uint32_t pool_bytes;     /* token pool bytes held by live templates */
	uint32_t pool_hwm;
	uint32_t tokens_hwm;     /* most tokens seen in one line */
	uint32_t leaf_hwm;       /* most templates compared for one line */
};

/* A template slot.  Internal; exposed only so the struct can be static. */
struct drain_tpl {
	uint64_t count;     /* lines that mapped to it */
	uint32_t rec;       /* byte offset of its record in the pool */
	uint32_t gen;       /* generation of the slot (see ids above) */
	uint32_t leaf;      /* tree node holding it */
	uint32_t leaf_next; /* next template of the same leaf */
	uint32_t lru_prev;  /* towards more recently used */
	uint32_t lru_next;  /* towards less recently used; free-list link */
	uint16_t ntok;
	uint16_t nbytes;    /* literal text bytes in the record */
	uint8_t live;
	uint8_t pad[3];
};

/* A parse-tree node.  Internal. */
struct drain_node {
	uint64_t key;    /* token hash, token count (level 1), 0 = "<*>" */
	uint32_t parent; /* free-list link when unused */
	uint32_t head;   /* leaf: first template */
	uint16_t nchild;
	uint8_t level;   /* 0 root, 1 token count, 2.. key tokens */
	uint8_t used;
	uint8_t has_wild;
	uint8_t pad[3];
};

/* Power of two at least twice the node count: the node index. */
#define DRAIN_NODE_HASH_                                                       \
	((VIGIL_DRAIN_MAX_NODES) <= 8        ? 16u                              \
	    : (VIGIL_DRAIN_MAX_NODES) <= 64    ? 128u                             \
	    : (VIGIL_DRAIN_MAX_NODES) <= 512   ? 1024u                            \
	    : (VIGIL_DRAIN_MAX_NODES) <= 4096  ? 8192u                            \
	    : (VIGIL_DRAIN_MAX_NODES) <= 32768 ? 65536u                           \
	                                       : 1048576u)

/* The miner.  Flat (indices, no pointers), memcpy-able, sized only by
 * core/limits.h; keep it in static storage (about 1.6 MiB at the default
 * limits; sizeof(struct drain) is exact). */
struct drain {
	struct drain_cfg cfg;
	struct drain_stats st;
	uint8_t cls[256]; /* per byte: 1 delimiter, 2 digit (from cfg) */
	uint32_t lru_head, lru_tail, free_tpl, free_node;
	uint32_t nlive, nnodes;
	uint32_t pool_used; /* bytes of the pool in records */
	uint32_t pool_live; /* bytes live records need */
	struct drain_tpl tpl[VIGIL_DRAIN_MAX_TEMPLATES];
	struct drain_node node[VIGIL_DRAIN_MAX_NODES];
	uint32_t nidx[DRAIN_NODE_HASH_]; /* node index + 1, 0 empty */
	/* Token records; 8 spare bytes at the end so that the last token's
	 * text can be read 8 bytes at a time. */
	_Alignas(8) unsigned char pool[VIGIL_DRAIN_POOL_BYTES + 8];
};

/* Defaults (see above). */
void drain_cfg_default(struct drain_cfg *cfg);

/* Parse configuration text (the format above) over cfg, which should hold
 * the defaults first.  Returns 0, or VIGIL_ECONFIG / VIGIL_ENOSPC /
 * VIGIL_E2BIG with *errline set to the 1-based line of the error (if
 * errline is not NULL); cfg may then be partly updated. */
int drain_cfg_parse(struct drain_cfg *cfg, const char *text, size_t len,
    unsigned *errline);

/* Empty miner with this configuration (copied).  Never allocates.
 * Returns 0 or VIGIL_EINVAL for an out-of-range cfg (the miner is then
 * initialised with the defaults). */
int drain_init(struct drain *d, const struct drain_cfg *cfg);

/* Forget every template and zero the counters; keep the configuration.
 * Template ids start again at 0. */
void drain_reset(struct drain *d);

/* Copy the counters. */
void drain_stats(const struct drain *d, struct drain_stats *out);

/* Mine one line (line[0..len), not NUL-terminated, need not be valid
 * UTF-8).  Returns its template id (>= 0; DRAIN_ID_OVERFLOW in overflow
 * mode when full) or VIGIL_EINVAL (NULL line with len > 0).  Lines longer
 * than VIGIL_DRAIN_MAX_LINE are cut (counted); may evict (counted). */
int drain_add(struct drain *d, const char *line, size_t len);

/* Render template id as text (tokens joined by one space, "<*>" for
 * parameters) into buf[0..cap), NUL-terminated when cap > 0.  Returns the
 * full length (as snprintf: >= cap means it was cut) or VIGIL_ENOENT for
 * an id that is not live (evicted, never made, DRAIN_ID_OVERFLOW). */
int drain_text(const struct drain *d, int id, char *buf, size_t cap);

/* Lines mapped to template id so far into *count.  0 or VIGIL_ENOENT. */
int drain_count(const struct drain *d, int id, uint64_t *count);

/* The id of the live template in slot (0..VIGIL_DRAIN_MAX_TEMPLATES-1), or
 * VIGIL_ENOENT: walks all templates without knowing their ids. */
int drain_id_at(const struct drain *d, uint32_t slot);

/* Bytes drain_snapshot needs. */
size_t drain_snapshot_size(void);

/* Write the whole miner to buf[0..cap): a versioned header naming the
 * limits, the state, a checksum.  Sets *len.  Returns 0 or VIGIL_E2BIG
 * (cap < drain_snapshot_size(); nothing useful written). */
int drain_snapshot(const struct drain *d, void *buf, size_t cap,
    size_t *len);

/* Restore a snapshot: templates, ids, counts and tree come from buf; the
 * configuration from cfg (whose depth and max_children must equal the
 * snapshot's, since the tree was built with them; masking, delimiters,
 * threshold and full mode may differ).  Every index in the state is
 * checked before use.  Returns 0, or: VIGIL_EPARSE (not a miner snapshot),
 * VIGIL_EVERSION (other format version or other limits), VIGIL_ECORRUPT
 * (checksum or structure wrong), VIGIL_ECONFIG (depth/children differ),
 * VIGIL_EINVAL (bad cfg).  On any error the miner is left empty with cfg
 * (or the defaults if cfg is bad). */
int drain_restore(struct drain *d, const struct drain_cfg *cfg,
    const void *buf, size_t len);

#endif /* VIGIL_DRAIN_H */
