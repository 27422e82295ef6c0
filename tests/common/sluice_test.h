/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_TEST_H
#define SLUICE_TEST_H

/*
 * Helpers every test uses to prove it leaks nothing: file descriptors are
 * counted before and after (a group's tests, or one data plane's life), and
 * a test fails when the count grew, listing what is open.
 * Include after <cmocka.h>.
 */

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Open descriptors of this process (the directory's own descriptor excluded). */
static inline int sluice_test_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Print every open descriptor and what it points at (on a failure). */
static inline void sluice_test_fd_dump(FILE *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX], target[PATH_MAX];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = '\0';
		fprintf(out, "  fd %s -> %s\n", e->d_name, target);
	}
	closedir(d);
}

/* Fail the current test if the descriptor count is not `before`. */
#define sluice_test_assert_fds(before)                                                             \
	do {                                                                                       \
		int now_ = sluice_test_fd_count();                                                 \
		if (now_ != (before)) {                                                            \
			sluice_test_fd_dump(stderr);                                               \
			fail_msg("file descriptors: %d before, %d now", (before), now_);           \
		}                                                                                  \
	} while (0)

/*
 * Descriptors must not grow over a group of tests: pass sluice_test_fd_setup
 * as the group setup of cmocka_run_group_tests() and end the test list with
 * SLUICE_TEST_FDS_UNCHANGED (a test, not a group teardown: cmocka 1.1 does not
 * count a failed group teardown in its exit status).
 */
static int sluice_test_fds_at_start;

static inline int sluice_test_fd_setup(void **state)
{
	(void)state;
	sluice_test_fds_at_start = sluice_test_fd_count();
	return sluice_test_fds_at_start < 0 ? -1 : 0;
}

static inline void sluice_test_fds_unchanged(void **state)
{
	(void)state;
	sluice_test_assert_fds(sluice_test_fds_at_start);
}

#define SLUICE_TEST_FDS_UNCHANGED cmocka_unit_test(sluice_test_fds_unchanged)

#endif /* SLUICE_TEST_H */
