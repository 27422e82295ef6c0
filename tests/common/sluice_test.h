/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_TEST_H
#define SLUICE_TEST_H

/*
 * Helpers every test uses to prove it leaks nothing: file descriptors are
 * counted before and after (a group's tests, or one data plane's life), and
 * a test fails when the count grew, listing what is open. And the reading
 * of reference data: whole files, hex strings.
 * Include after <cmocka.h>.
 */

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- reference data ---- */

/*
 * The whole file at `path` in a malloc'd buffer (release it with free()),
 * with a NUL after its last byte so that text can be used as a string; its
 * length, the NUL not counted, in *len unless len is NULL. Fails the test
 * if the file cannot be opened or read.
 */
static inline void *sluice_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/*
 * Decode the hex string `hex` (pairs of lowercase hex digits; spaces
 * anywhere are skipped) into `out`, which has room for `cap` bytes. Returns
 * the number of bytes. Fails the test on any other character, an odd number
 * of digits, or more than `cap` bytes.
 */
static inline size_t sluice_test_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v = 0;

		if (*hex == ' ')
			continue;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			fail_msg("bad hex digit '%c'", *hex);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

/*
 * The tables of bad inputs are documented in Markdown (the .md files of tests/unit), a
 * row per input whose first cell is the input's name in backquotes.
 * sluice_test_doc_row() finds the row of `name` in the document `doc`
 * (`doc_name` in messages): it returns where the row starts and sets *eol to
 * its newline; it fails the test if there is no such row or it does not end.
 * sluice_test_doc_cell() says whether the row [row, eol) has a cell holding
 * exactly `text` in backquotes.
 */
static inline const char *sluice_test_doc_row(const char *doc, const char *doc_name,
					      const char *name, const char **eol)
{
	char key[128];
	const char *row;

	snprintf(key, sizeof(key), "| `%s` |", name);
	row = strstr(doc, key);
	if (row == NULL)
		fail_msg("%s is not in %s", name, doc_name);
	*eol = strchr(row, '\n');
	if (*eol == NULL)
		fail_msg("%s: the row of %s does not end", doc_name, name);
	return row;
}

static inline bool sluice_test_doc_cell(const char *row, const char *eol, const char *text)
{
	char cell[256];
	const char *at;

	snprintf(cell, sizeof(cell), "| `%s` |", text);
	at = strstr(row, cell);
	return at != NULL && at < eol;
}

#endif /* SLUICE_TEST_H */
