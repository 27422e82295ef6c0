/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-context counters for the control side: the workers' and the
 * scheduler's own counters summed (64-bit loads are atomic on every target),
 * plus what replaced contexts left behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_telemetry.h>

#include "bridge_priv.h"

static uint64_t percentile(const uint64_t *hist, uint64_t total, unsigned int pct)
{
	uint64_t want = (total * pct + 99) / 100, seen = 0;
	unsigned int k;

	if (total == 0)
		return 0;
	for (k = 0; k < SLUICE_BRIDGE_HIST; k++) {
		seen += hist[k];
		if (seen >= want)
			return 2ull << k;
	}
	return 2ull << (SLUICE_BRIDGE_HIST - 1);
}

void bridge_ctx_totals(const struct sluice_bridge *b, const struct bctx *c,
		       struct sluice_bridge_ctx_stats *st)
{
	uint64_t total = 0;
	unsigned int k;
	uint16_t i;

	*st = c->base;
	for (i = 0; i < b->opts.nb_workers; i++) {
		for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
			st->ctr[k] += c->ws[i].ctr[k];
		for (k = 0; k < SLUICE_ASM_ERR_MAX; k++)
			st->asm_err[k] += c->ws[i].asm_err[k];
	}
	for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
		st->ctr[k] += c->ss.ctr[k];
	for (k = 0; k < SLUICE_BRIDGE_HIST; k++) {
		st->hist[k] += c->ss.hist[k];
		total += st->hist[k];
	}
	st->p50_ns = percentile(st->hist, total, 50);
	st->p99_ns = percentile(st->hist, total, 99);
	st->queued = c->sch.q_len + rte_ring_count(c->ready_ring);
	st->inflight = c->sch.fly_len;
	st->dev_ctx = c->dev_ctx;
	st->model_id = c->model_id;
	memset(&st->dev, 0, sizeof(st->dev));
	if (b->dev != NULL)
		sluice_npu_stats_get(b->dev, c->dev_ctx, &st->dev);
}

static void add_stats(struct sluice_bridge_ctx_stats *a, const struct sluice_bridge_ctx_stats *s)
{
	unsigned int k;

	for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
		a->ctr[k] += s->ctr[k];
	for (k = 0; k < SLUICE_ASM_ERR_MAX; k++)
		a->asm_err[k] += s->asm_err[k];
	for (k = 0; k < SLUICE_BRIDGE_HIST; k++)
		a->hist[k] += s->hist[k];
	a->queued += s->queued;
	a->inflight += s->inflight;
}

int sluice_bridge_ctx_stats(struct sluice_bridge *b, const char *tenant, const char *name,
			    struct sluice_bridge_ctx_stats *st)
{
	struct sluice_bridge_ctx_stats one;
	const struct bctx *live = NULL;
	uint64_t total = 0;
	bool found = false;
	unsigned int k;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	/* The live context and any retired one of the same name not yet folded into it. */
	for (i = 0; i < b->nb_all; i++) {
		const struct bctx *c = b->all[i];

		if (strcmp(c->tenant, tenant) != 0 || strcmp(c->conf.name, name) != 0)
			continue;
		bridge_ctx_totals(b, c, &one);
		add_stats(st, &one);
		if (!atomic_load(&c->dying) || live == NULL) {
			live = c;
			st->dev = one.dev;
			st->dev_ctx = one.dev_ctx;
			st->model_id = one.model_id;
		}
		found = true;
	}
	if (!found)
		return -ENOENT;
	for (k = 0; k < SLUICE_BRIDGE_HIST; k++)
		total += st->hist[k];
	st->p50_ns = percentile(st->hist, total, 50);
	st->p99_ns = percentile(st->hist, total, 99);
	return 0;
}

/* Each live context once, in creation order. */
static const struct bctx *nth_live(const struct sluice_bridge *b, uint32_t *i)
{
	for (; *i < b->nb_all; (*i)++)
		if (!atomic_load(&b->all[*i]->dying))
			return b->all[(*i)++];
	return NULL;
}

void sluice_bridge_show(struct sluice_bridge *b, FILE *out)
{
	struct sluice_npu_info info;
	const struct bctx *c;
	uint32_t i = 0;
	unsigned int k;

	if (b->dev == NULL) {
		fprintf(out, "  npu: no device open (no context has a model)\n");
		return;
	}
	sluice_npu_info_get(b->dev, &info);
	fprintf(out, "  npu: %s (%s, profile %s, %" PRIu64 " MiB), copy %s, %u ops in flight at most\n",
		b->dev_spec, info.driver, info.profile, info.mem_size >> 20,
		sluice_npu_copy_name(b->copy), b->dev_inflight);
	while ((c = nth_live(b, &i)) != NULL) {
		struct sluice_bridge_ctx_stats st;

		sluice_bridge_ctx_stats(b, c->tenant, c->conf.name, &st);
		fprintf(out,
			"  context %s/%s: model %s, %s %s %ux%u, weight %u, priority %u, quota %u fps, "
			"depth %u, device context %u\n",
			c->tenant, c->conf.name, c->conf.model,
			sluice_npu_format_name(c->conf.input.format),
			sluice_npu_pixel_name(c->conf.input.pixel), c->conf.input.width,
			c->conf.input.height, c->conf.weight, c->conf.priority, c->conf.quota_fps,
			c->depth, c->dev_ctx);
		for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
			fprintf(out, "    %-20s %16" PRIu64 "  %s\n", sluice_bridge_ctr_name(k),
				st.ctr[k], sluice_bridge_ctr_desc(k));
		for (k = 1; k < SLUICE_ASM_ERR_MAX; k++)
			if (st.asm_err[k])
				fprintf(out, "    %-20s %16" PRIu64 "  %s\n", sluice_asm_err_name(k),
					st.asm_err[k], sluice_asm_err_desc(k));
		fprintf(out,
			"    latency p50 <= %" PRIu64 " us, p99 <= %" PRIu64 " us; queued %u, in flight "
			"%u; device: window_faults %" PRIu64 ", errors %" PRIu64 ", busy %" PRIu64
			" us\n",
			st.p50_ns / 1000, st.p99_ns / 1000, st.queued, st.inflight,
			st.dev.window_faults, st.dev.errors, st.dev.busy_ns / 1000);
	}
}

int sluice_bridge_stats_json(struct sluice_bridge *b, FILE *out)
{
	const struct bctx *c;
	uint32_t i = 0;
	unsigned int k;
	bool first = true;

	fprintf(out, "{\"device\":\"%s\",\"copy\":\"%s\",\"contexts\":[",
		b->dev ? b->dev_spec : "", b->dev ? sluice_npu_copy_name(b->copy) : "");
	while ((c = nth_live(b, &i)) != NULL) {
		struct sluice_bridge_ctx_stats st;

		sluice_bridge_ctx_stats(b, c->tenant, c->conf.name, &st);
		/* Names are [A-Za-z0-9_.-] (the model checks): no escaping needed. */
		fprintf(out, "%s{\"tenant\":\"%s\",\"name\":\"%s\",\"model\":\"%s\"",
			first ? "" : ",", c->tenant, c->conf.name, c->conf.model);
		first = false;
		for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
			fprintf(out, ",\"%s\":%" PRIu64, sluice_bridge_ctr_name(k), st.ctr[k]);
		fputs(",\"asm\":{", out);
		for (k = 1; k < SLUICE_ASM_ERR_MAX; k++)
			fprintf(out, "%s\"%s\":%" PRIu64, k > 1 ? "," : "", sluice_asm_err_name(k),
				st.asm_err[k]);
		fprintf(out, "},\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64 ",\"hist\":[", st.p50_ns,
			st.p99_ns);
		for (k = 0; k < SLUICE_BRIDGE_HIST; k++)
			fprintf(out, "%s%" PRIu64, k ? "," : "", st.hist[k]);
		fprintf(out, "],\"window_faults\":%" PRIu64 ",\"device_errors\":%" PRIu64 "}",
			st.dev.window_faults, st.dev.errors);
	}
	fputs("]}", out);
	return ferror(out) ? -EIO : 0;
}

/* ---- Telemetry ------------------------------------------------------------------ */

int sluice_bridge_telemetry(struct sluice_bridge *b, struct rte_tel_data *d)
{
	const struct bctx *c;
	uint32_t i = 0;
	unsigned int k;

	rte_tel_data_start_dict(d);
	while ((c = nth_live(b, &i)) != NULL) {
		struct sluice_bridge_ctx_stats st;
		struct rte_tel_data *x = rte_tel_data_alloc();
		char name[2 * SLUICE_NAME_MAX + 2];

		if (x == NULL)
			return -ENOMEM;
		sluice_bridge_ctx_stats(b, c->tenant, c->conf.name, &st);
		rte_tel_data_start_dict(x);
		for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
			rte_tel_data_add_dict_u64(x, sluice_bridge_ctr_name(k), st.ctr[k]);
		for (k = 1; k < SLUICE_ASM_ERR_MAX; k++)
			if (st.asm_err[k])
				rte_tel_data_add_dict_u64(x, sluice_asm_err_name(k), st.asm_err[k]);
		rte_tel_data_add_dict_u64(x, "p50_ns", st.p50_ns);
		rte_tel_data_add_dict_u64(x, "p99_ns", st.p99_ns);
		rte_tel_data_add_dict_u64(x, "window_faults", st.dev.window_faults);
		snprintf(name, sizeof(name), "%s/%s", c->tenant, c->conf.name);
		rte_tel_data_add_dict_container(d, name, x, 0);
	}
	return 0;
}
