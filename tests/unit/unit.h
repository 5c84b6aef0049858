/*
 * unit.h - the unit-test harness: one behaviour per test, each run in its
 * own process with a timeout (tests/unit/runner.c).
 *
 *   TEST(drain_table_full_evicts_lru) { ... CHECK(x == 1); ... }
 *
 * CHECK failures print the file, line and expression and end the test's
 * process with a failure status; the runner then reports it and goes on.
 */
#ifndef VIGIL_UNIT_H
#define VIGIL_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);

#define TEST(name)                                                             \
	static void test_##name(void);                                             \
	__attribute__((constructor)) static void reg_##name(void)                  \
	{                                                                          \
		unit_register(#name, test_##name);                                     \
	}                                                                          \
	static void test_##name(void)

#define CHECK(expr)                                                            \
	do {                                                                       \
		if (!(expr)) {                                                         \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__,             \
			    __LINE__, #expr);                                              \
			exit(1);                                                           \
		}                                                                      \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                       \
		long long va_ = (long long)(a), vb_ = (long long)(b);                  \
		if (va_ != vb_) {                                                      \
			fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n",  \
			    __FILE__, __LINE__, #a, #b, va_, vb_);                         \
			exit(1);                                                           \
		}                                                                      \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                       \
		const char *sa_ = (a), *sb_ = (b);                                     \
		if (strcmp(sa_, sb_) != 0) {                                           \
			fprintf(stderr, "%s:%d: CHECK_STR(%s, %s) failed: \"%s\" != "      \
			    "\"%s\"\n", __FILE__, __LINE__, #a, #b, sa_, sb_);             \
			exit(1);                                                           \
		}                                                                      \
	} while (0)

/* Compare a (pointer, length) view with a C string. */
#define CHECK_MEM(p, n, s)                                                     \
	do {                                                                       \
		size_t n_ = (size_t)(n), l_ = strlen(s);                               \
		if (n_ != l_ || memcmp((p), (s), l_) != 0) {                           \
			fprintf(stderr, "%s:%d: CHECK_MEM(%s) failed: \"%.*s\" != "        \
			    "\"%s\"\n", __FILE__, __LINE__, #p, (int)n_,                   \
			    (const char *)(p), (s));                                       \
			exit(1);                                                           \
		}                                                                      \
	} while (0)

#endif /* VIGIL_UNIT_H */
