/*
 * main.c - vigil-replay: run vigil's core over log and benchmark files.
 *
 *   vigil-replay loghub DIR            Drain on Loghub 2k, GA/PA table
 *   vigil-replay nab DIR --out RESULTS [--streaming]
 *   vigil-replay vmftlad DIR [--scores OUT] [--set KEY=VALUE]...
 *   vigil-replay vmft-reference DIR    the dataset's reference detector
 *   vigil-replay vmft-render DIR ...   rebuilt syslog lines, and their check
 *   vigil-replay migfit DIR [--check]  re-fit the migration-time model
 *
 * A subcommand whose module is not part of this build says so and exits 2.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"

/* Weak so that the tool links while a subcommand's module is being
 * written; a missing one is reported, never faked. */
#pragma weak replay_loghub
#pragma weak replay_nab
#pragma weak replay_vmftlad
#pragma weak replay_vmft_reference
#pragma weak replay_vmft_render
#pragma weak replay_migfit

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *usage;
} subs[] = {
	{"loghub", replay_loghub, "loghub DIR"},
	{"nab", replay_nab, "nab DIR --out RESULTS [--streaming]"},
	{"vmftlad", replay_vmftlad, "vmftlad DIR [--scores OUT] [--set KEY=VALUE]"
	    "... [--keep-harness] [--sweep] [--emit CATEGORY/RUN]"},
	{"vmft-reference", replay_vmft_reference, "vmft-reference DIR"},
	{"vmft-render", replay_vmft_render,
	    "vmft-render DIR --check|--templates|--run CAT/NAME"},
	{"migfit", replay_migfit, "migfit DIR [--check]"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: vigil-replay SUBCOMMAND ARGS...\n");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		fprintf(f, "  vigil-replay %s\n", subs[i].usage);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (!subs[i].fn) {
			fprintf(stderr, "vigil-replay: %s is not in this build\n",
			    subs[i].name);
			return 2;
		}
		return subs[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "vigil-replay: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
