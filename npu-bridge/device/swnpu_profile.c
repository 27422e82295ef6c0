/* SPDX-License-Identifier: BSD-3-Clause */
/* Timing profiles: built in, or a key=value file (docs/npu-device.md). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sluice_npu_driver.h"
#include "swnpu_priv.h"

/* A cost above a second per op is a typo, and device_ns is 32-bit. */
#define NS_MAX 1000000000ull
#define GOPS_MAX 1000000000ull
#define LINES_MAX 64

/*
 * Hailo-8: 26 TOPS int8 nominal (Hailo's product brief) = 26000 ops/ns.
 * fixed_ns and switch_ns are estimates, not measurements (no Hailo-8 here):
 * see docs/npu-device.md for the reasoning.
 */
static const struct swnpu_profile hailo8 = {
    .name = "hailo8",
    .enabled = true,
    .fixed_ns = 50000,
    .switch_ns = 500000,
    .gops = 26000,
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int profile_line(char *line, struct swnpu_profile *p, bool *have_gops)
{
	char *eq, *key, *val;
	uint64_t v;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return -EINVAL;
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (strcmp(key, "name") == 0) {
		size_t len = strlen(val);

		if (len == 0 || len >= sizeof(p->name))
			return -EINVAL;
		memcpy(p->name, val, len + 1);
		return 0;
	}
	if (strcmp(key, "fixed_ns") == 0)
		return sluice_npu_parse_u64(val, NS_MAX, &p->fixed_ns);
	if (strcmp(key, "switch_ns") == 0)
		return sluice_npu_parse_u64(val, NS_MAX, &p->switch_ns);
	if (strcmp(key, "gops") == 0) {
		if (sluice_npu_parse_u64(val, GOPS_MAX, &v) < 0 || v == 0)
			return -EINVAL;
		p->gops = v;
		*have_gops = true;
		return 0;
	}
	return -EINVAL;
}

static int profile_file(const char *path, struct swnpu_profile *p)
{
	bool have_gops = false;
	char line[256];
	int rc = 0, n = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "file");
	p->enabled = true;
	f = fopen(path, "re");
	if (f == NULL)
		return -EINVAL;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		/* A line that does not fit is refused, not split. */
		if (++n > LINES_MAX || (len == sizeof(line) - 1 && line[len - 1] != '\n'))
			rc = -EINVAL;
		else
			rc = profile_line(line, p, &have_gops);
	}
	if (rc == 0 && (ferror(f) || !have_gops))
		rc = -EINVAL;
	fclose(f);
	return rc;
}

int swnpu_profile_load(const char *what, struct swnpu_profile *p)
{
	if (strcmp(what, "none") == 0) {
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "none");
		return 0;
	}
	if (strcmp(what, "hailo8") == 0) {
		*p = hailo8;
		return 0;
	}
	if (*what == '\0')
		return -EINVAL;
	return profile_file(what, p);
}

uint64_t swnpu_profile_compute_ns(const struct swnpu_profile *p, uint64_t macs)
{
	if (!p->enabled)
		return 0;
	/* macs is bounded by the model format (1024-wide, 8 layers): no overflow. */
	return (2 * macs + p->gops - 1) / p->gops;
}
