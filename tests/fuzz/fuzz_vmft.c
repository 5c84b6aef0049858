/* fuzz_vmft.c - arbitrary bytes as the VMFT-LAD files that
 * tools/replay/vmft_data.c reads.  The input is cut at NUL bytes into
 * templates.csv, harness_templates.csv, sample_template_programs.csv,
 * a dataset_metadata.json and up to four run CSVs (a NUL ends a file's
 * text anyway).  Each part is handed over in a buffer of exactly its size,
 * so a read past it is caught.  Every reader either fails or gives tables
 * that keep their promises, and every parsed row renders within its
 * buffer.  When templates.csv is refused, a fixed one stands in, so the
 * later readers are exercised whatever the first part holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/replay/vmft.h"

#define NRUNS 4
#define MAX_RENDER 64	/* rows rendered per run: enough for every path */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fallback[] =
    "id,size,template\n"
    "0,1,[<:NUM:>.<:NUM:>] eth0: link up\n"
    "1,1,Started <:*:> at <:IP:>\n"
    "2,1,\"a \"\"quoted\"\" <:CMD:>, with <:HEX:>:<:NUM:>\"\n"
    "3,1,<:SEQ:> <:ID:>\n";

/* The next NUL-separated part of data[*at..size) in an exact-size copy
 * (freed by the caller), or NULL when the input is used up. */
static char *
part(const uint8_t *data, size_t size, size_t *at, size_t *len)
{
	if (*at > size)
		return NULL;
	const uint8_t *s = data + *at;
	const uint8_t *e = memchr(s, 0, size - *at);
	size_t n = e ? (size_t)(e - s) : size - *at;
	char *b = malloc(n ? n : 1);
	if (!b)
		abort();
	memcpy(b, s, n);
	*len = n;
	*at += n + 1;
	return b;
}

static void
check_text(const char *buf, size_t n, size_t cap)
{
	if (n >= cap || strlen(buf) != n)
		abort();
}

static void
check_run(const struct vmft_set *set, struct vmft_run *r, size_t len)
{
	char line[512], tiny[24];
	if (r->nrows > len / 20 + 1 || (unsigned char)r->ts_text_fmt > 6)
		abort();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct vmft_row *w = &r->rows[i];
		if (w->id >= set->ntmpl || w->occ3 > 2 ||
		    w->harness != set->harness[w->id])
			abort();
	}
	for (size_t i = 0; i < r->nrows && i < MAX_RENDER; i++) {
		for (int fmt = VMFT_FMT_3164; fmt <= VMFT_FMT_FILE; fmt++) {
			size_t n = vmft_render(set, r, i, "host1", fmt, line,
			    sizeof(line));
			check_text(line, n, sizeof(line));
		}
		size_t n = vmft_render(set, r, i, "h", VMFT_FMT_5424, tiny,
		    sizeof(tiny));
		check_text(tiny, n, sizeof(tiny));
		int t = vmft_ts_text(r, r->rows[i].ts_us, line, sizeof(line));
		if (t < 19 || (size_t)t >= sizeof(line))
			abort();
	}
	if (vmft_render(set, r, r->nrows, "h", 0, line, sizeof(line)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmft_set set;
	size_t at = 0, len = 0;
	char *b;

	memset(&set, 0, sizeof(set));
	b = part(data, size, &at, &len);
	if (vmft_parse_templates(b, len, "templates.csv", NULL, &set)) {
		vmft_free(&set);
		if (vmft_parse_templates(fallback, strlen(fallback), "fallback",
		        NULL, &set))
			abort();
	}
	free(b);
	if (set.ntmpl > 65536 || !set.tmpl || !set.prog || !set.harness)
		abort();
	for (size_t id = 0; id < set.ntmpl; id++)
		if (set.prog[id] || set.harness[id])
			abort();

	if ((b = part(data, size, &at, &len))) {
		vmft_parse_harness(b, len, "harness_templates.csv", NULL, &set);
		free(b);
	}
	if ((b = part(data, size, &at, &len))) {
		vmft_parse_programs(b, len, "sample_template_programs.csv", NULL,
		    &set);
		free(b);
	}
	for (size_t id = 0; id < set.ntmpl; id++)
		if (set.harness[id] > 1 || (set.prog[id] && !*set.prog[id]))
			abort();

	/* Every template's message, cut short and not. */
	char msg[256], tiny[8];
	for (unsigned id = 0; id < set.ntmpl && id < 4096; id++) {
		if (!set.tmpl[id])
			continue;
		for (unsigned occ = 0; occ < 3; occ++) {
			size_t n = vmft_render_message(&set, "run", id, occ,
			    123456789, msg, sizeof(msg));
			check_text(msg, n, sizeof(msg));
		}
		size_t n = vmft_render_message(&set, "run", id, 0, -1, tiny,
		    sizeof(tiny));
		check_text(tiny, n, sizeof(tiny));
	}

	if ((b = part(data, size, &at, &len))) {
		struct vmft_meta *m = NULL;
		size_t nm = 0;
		if (vmft_parse_metadata(b, len, "dataset_metadata.json", NULL,
		        &m, &nm) == 0) {
			if (nm > len)
				abort();
			for (size_t k = 0; k < nm; k++)
				if (!memchr(m[k].name, 0, sizeof(m[k].name)))
					abort();
			free(m);
		} else if (m) {
			abort();
		}
		free(b);
	}

	for (int k = 0; k < NRUNS && (b = part(data, size, &at, &len)); k++) {
		struct vmft_run r;
		memset(&r, 0, sizeof(r));
		strcpy(r.name, "run");
		if (vmft_parse_run_csv(b, len, "run.csv", NULL, &set, &r) == 0)
			check_run(&set, &r, len);
		else if (r.rows)
			abort();
		free(r.rows);
		free(b);
	}
	vmft_free(&set);
	return 0;
}
