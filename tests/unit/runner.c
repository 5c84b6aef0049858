/*
 * runner.c - runs every TEST() of one unit-test binary, each in a forked
 * process with a timeout, and prints one line per test and a closing
 * "N passed, N failed" line.  With arguments, runs only the named tests.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#define MAX_TESTS 512
#define TIMEOUT_S 60

static struct {
	const char *name;
	unit_fn fn;
} tests[MAX_TESTS];
static int ntests;

void
unit_register(const char *name, unit_fn fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "runner: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

static int
wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	const char *prog = strrchr(argv[0], '/');

	prog = prog ? prog + 1 : argv[0];
	for (int i = 0; i < ntests; i++) {
		if (!wanted(tests[i].name, argc, argv))
			continue;
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			alarm(TIMEOUT_S);
			tests[i].fn();
			fflush(stdout);
			_exit(0);
		}
		int st = 0;
		while (waitpid(pid, &st, 0) < 0)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("ok   %s %s\n", prog, tests[i].name);
			passed++;
		} else {
			if (WIFSIGNALED(st))
				printf("FAIL %s %s (signal %d%s)\n", prog, tests[i].name,
				    WTERMSIG(st),
				    WTERMSIG(st) == SIGALRM ? ", timeout" : "");
			else
				printf("FAIL %s %s (exit %d)\n", prog, tests[i].name,
				    WEXITSTATUS(st));
			failed++;
		}
	}
	printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed ? 1 : 0;
}
