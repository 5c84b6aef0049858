/*
 * mask.h - masking of variable fields before template mining.
 *
 * What it does: replaces the parts of a log line that are parameters (IP
 * addresses, numbers, hex values, ids, paths, ...) with the wildcard "<*>"
 * so that core/drain clusters on the constant words.  Each rule is a named,
 * hand-written scanner with a few options; the rules are configuration
 * (text), not code, so a site or a benchmark states its masking as data.
 *
 * What it does not do: it is not a regular-expression engine.  There is no
 * backtracking, no alternation and no user-defined repetition: a rule is
 * one scanner, optionally framed by literals.  It allocates nothing and
 * does no I/O.
 *
 * Limits: VIGIL_MASK_MAX_RULES rules, literals of VIGIL_MASK_MAX_LIT bytes
 * (core/limits.h).  The output is cut at the caller's capacity and the cut
 * is reported.
 *
 * Rule syntax (one rule: a kind followed by options, separated by blanks;
 * a value may be "quoted" with \" \\ \t escapes):
 *
 *   num      [sign]          digits, with one optional leading - or +
 *   run      class=C min=N max=N
 *                            a run of one character class: digit, xdigit
 *                            (0-9a-fA-F), lxdigit (0-9a-f), uxdigit
 *                            (0-9A-F), alpha, alnum, word (\w), wordh
 *                            ([\w-]), nonspace; at least min (default 1),
 *                            at most max characters (default unbounded)
 *   hex                      0x or 0X then hex digits
 *   ipv4     [port] [octet] [list]
 *                            \d+(\.\d+){3}; octet: 1-3 digits per part;
 *                            port: an optional :\d+; list: several
 *                            addresses, each with an optional trailing ','
 *   colonhex [case=C] min=N  N or more hex groups of 2+ digits joined by
 *                            ':' (MAC addresses, WWNs; default N=4,
 *                            case=lower)
 *   hexseq   group=N count=N [exact] [case=C]
 *                            count or more groups of group+ (exact:
 *                            exactly group) hex digits, each optionally
 *                            followed by one space; a long run counts as
 *                            several groups
 *   dotted   min=N [port]    N or more [\w-]+ parts joined by '.'
 *                            (host names, class names; default N=3), with
 *                            an optional :\d+
 *   path                     (/[\w-]+)+
 *   time     min=N max=N     two-digit fields joined by ':' (default 2..any)
 *   size     [strict]        [KGTM]?B (strict: the letter is required)
 *   rest     [eat] min=N     any non-blank characters up to the next blank
 *                            (used after a pre= literal); eat: the blank
 *                            is part of the match and must be there
 *   quoted                   '"', at least one character, '"'
 *   paren                    '(', any characters but ')', ')'
 *   uuid                     8-4-4-4-12 hex digits (either case)
 *
 * Options every kind takes:
 *   pre=LIT      a literal that must come first; it is part of the match
 *   optpre=LIT   the same, but optional
 *   post=LIT     a literal that must follow; part of the match
 *   after=LIT    a literal that must precede the match in the text already
 *                written (a look-behind; not replaced)
 *   bound=B      none (default), word (no [A-Za-z0-9_] on either side, as a
 *                regex \b around a word) or alnum (no [A-Za-z0-9] on either
 *                side, as Drain3's look-arounds); the side before is read
 *                as the Matching paragraph says
 *   with=LIT     the replacement (default "<*>"; "" deletes the match)
 * A blank inside a literal matches any one blank (space or tab).
 *
 * Matching: one pass, left to right.  At each position the rules are tried
 * in order; the first that matches replaces its match with "<*>" (or its
 * with= text) and the scan resumes after it.  This equals applying the
 * rules one after the other, each as a regular expression on the text the
 * rules before it left (as Drain3 does), as long as no later rule's match
 * would start inside an earlier rule's match, which holds for the usual
 * rule sets.  So the byte before a match, for its boundary, is the input
 * byte, except right after an earlier rule's match: a rule listed after
 * that one sees the last byte of its replacement ('>' binds nothing; an
 * empty with= leaves the byte before it).  Under "num sign bound=alnum",
 * "5.15.0-97-x" is "<*>.<*>.<*>-<*>-x": the '-' after "0" is no sign.
 * The boundary after a match is read in the input; after= reads the text
 * already written (it suits a last rule, which runs on everything).
 */
#ifndef VIGIL_MASK_H
#define VIGIL_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* Scanner kinds (struct mask_rule.kind). */
enum mask_kind {
	MASK_NUM = 1,
	MASK_RUN,
	MASK_HEX,
	MASK_IPV4,
	MASK_COLONHEX,
	MASK_HEXSEQ,
	MASK_DOTTED,
	MASK_PATH,
	MASK_TIME,
	MASK_SIZE,
	MASK_REST,
	MASK_QUOTED,
	MASK_PAREN,
	MASK_UUID,
	MASK_KIND_END
};

/* Boundary modes (struct mask_rule.bound). */
enum mask_bound { MASK_BOUND_NONE = 0, MASK_BOUND_WORD, MASK_BOUND_ALNUM };

/* Flags (struct mask_rule.flags). */
#define MASK_F_SIGN 0x01u   /* num: optional sign */
#define MASK_F_PORT 0x02u   /* ipv4, dotted: optional :port */
#define MASK_F_OCTET 0x04u  /* ipv4: 1-3 digits per part */
#define MASK_F_LIST 0x08u   /* ipv4: comma-separated list */
#define MASK_F_EXACT 0x10u  /* hexseq: groups of exactly group digits */
#define MASK_F_EAT 0x20u    /* rest: the following blank is matched */
#define MASK_F_STRICT 0x40u /* size: unit letter required */
#define MASK_F_OPTPRE 0x80u /* pre= is optional */

/* Character classes (run class=, colonhex/hexseq case=). */
enum mask_class {
	MASK_C_DIGIT = 0,
	MASK_C_XDIGIT,
	MASK_C_LXDIGIT,
	MASK_C_UXDIGIT,
	MASK_C_ALPHA,
	MASK_C_ALNUM,
	MASK_C_WORD,
	MASK_C_WORDH,
	MASK_C_NONSPACE,
	MASK_C_END
};

/* One rule.  Flat; literals are not NUL-terminated (use the lengths). */
struct mask_rule {
	uint8_t kind;  /* enum mask_kind */
	uint8_t cls;   /* enum mask_class: run's class, hex case */
	uint8_t bound; /* enum mask_bound */
	uint8_t flags; /* MASK_F_* */
	uint16_t min;  /* meaning per kind (see the syntax above) */
	uint16_t max;  /* 0: unbounded */
	uint16_t count; /* hexseq: groups needed */
	uint16_t pad;
	uint8_t pre_len, post_len, after_len;
	uint8_t with_len; /* with_set: replacement given by with= */
	uint8_t with_set;
	char pre[VIGIL_MASK_MAX_LIT];
	char post[VIGIL_MASK_MAX_LIT];
	char after[VIGIL_MASK_MAX_LIT];
	char with[VIGIL_MASK_MAX_LIT];
};

/* Word lengths the quick tests tell apart; longer words share the last
 * entry, which rules out less.  Costs 12 bytes per length in a rule set. */
#define MASK_QLEN 32

/* An ordered rule set, and what mask_compile derives from it (about 2 KiB
 * of tables, rebuilt by mask_check, never trusted from a snapshot).  Each
 * uint32_t below is a set of rules: bit i is rule i.  The quick tests are
 * necessary conditions for a rule to match where a word of [A-Za-z0-9]
 * begins, from how the rule's body begins (a run of one class, perhaps
 * followed by a separator); core/mask.c explains them. */
struct mask_set {
	uint32_t n;
	struct mask_rule rule[VIGIL_MASK_MAX_RULES];
	uint32_t start[256];  /* by byte: the rules that can begin with it */
	uint32_t bound_alnum; /* bound=alnum */
	uint32_t bound_word;  /* bound=word */
	uint32_t after;       /* after= (they read the output) */
	uint32_t inword;      /* can begin right after [A-Za-z0-9] */
	uint32_t q_any;       /* have no quick test */
	uint32_t q_word;      /* match exactly a word their run fills */
	uint32_t q_sign;      /* numbers that may begin with a sign */
	uint32_t q_fill[64];  /* by the classes all the word's bytes share */
	uint32_t q_len[MASK_QLEN];   /* by word length */
	uint32_t q_short[MASK_QLEN]; /* by word length */
	uint32_t q_part[MASK_QLEN];  /* by word length */
	uint32_t q_sep[5];    /* by the byte after the word */
	uint32_t q_next[64];  /* by the classes of the byte after that */
};

/* What mask_apply reports besides its length. */
struct mask_result {
	size_t len;      /* bytes written to out */
	uint32_t masked; /* replacements made */
	int truncated;   /* 1 if out was too small and the output was cut */
};

/* Empty the set (no rules: mask_apply copies its input). */
void mask_init(struct mask_set *m);

/* Parse one rule ("ipv4 port bound=word") from s[0..n) and append it to m.
 * Returns 0, VIGIL_ENOSPC if m already holds VIGIL_MASK_MAX_RULES rules,
 * VIGIL_E2BIG if a literal is longer than VIGIL_MASK_MAX_LIT, or
 * VIGIL_ECONFIG for anything malformed (m is then unchanged).  Recompiles
 * the derived tables. */
int mask_add(struct mask_set *m, const char *s, size_t n);

/* Check a set that came from outside (a snapshot): every field in range.
 * Rebuilds the derived tables.  Returns 0 or VIGIL_ECORRUPT. */
int mask_check(struct mask_set *m);

/* Rebuild the derived tables from the rules. */
void mask_compile(struct mask_set *m);

/* Copy in[0..n) to out[0..cap), replacing every match with "<*>" (or the
 * rule's with= text).  Never
 * writes more than cap bytes; when the output does not fit it is cut at a
 * byte boundary and r->truncated is set.  in and out must not overlap. */
void mask_apply(const struct mask_set *m, const uint8_t *in, size_t n,
    uint8_t *out, size_t cap, struct mask_result *r);

#endif /* VIGIL_MASK_H */
