/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swnpu, host side: the control path (BAR set-up, models, contexts, faults,
 * counters) and the host driver's enqueue/dequeue, which touch only the
 * context's rings and registers in the BAR and its own host-side arrays.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sluice_npu_driver.h"
#include "swnpu_priv.h"

#define POLL_US_MAX 1000000u

static inline struct swnpu *sw_of(const struct sluice_npu_dev *dev)
{
	return dev->priv;
}

static inline uint64_t round_page(uint64_t v)
{
	return (v + SWNPU_PAGE - 1) & ~(uint64_t)(SWNPU_PAGE - 1);
}

/* ---- Faults: kind << 32 | count, consumed with a CAS (only while set) ---- */

static uint32_t fault_take(struct swnpu_hctx *h, enum sluice_npu_fault_kind kind, uint32_t want)
{
	uint64_t w = atomic_load_explicit(&h->fault, memory_order_relaxed);

	for (;;) {
		uint32_t count = (uint32_t)w, take;
		uint64_t nw;

		if (w == 0 || (w >> 32) != (uint64_t)kind || want == 0)
			return 0;
		take = count < want ? count : want;
		nw = count == take ? 0 : (w - take);
		if (atomic_compare_exchange_weak_explicit(&h->fault, &w, nw, memory_order_relaxed,
							  memory_order_relaxed))
			return take;
	}
}

/* ---- Hot path ---------------------------------------------------------------- */

/* Written by the context's thread only, read by model_unload(). */
static inline void inflight_add(_Atomic uint32_t *c, int d)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint32_t)d,
			      memory_order_relaxed);
}

static uint16_t swnpu_enqueue(void *priv, uint16_t ctx, struct sluice_npu_op **ops, uint16_t n)
{
	struct swnpu *sw = priv;
	struct swnpu_hctx *h;
	uint32_t inflight, m, marked = 0;
	uint8_t mark = 0;

	if (ctx >= SLUICE_NPU_CTX_MAX || n == 0)
		return 0;
	h = &sw->host[ctx];
	if (!h->live)
		return 0;
	if (atomic_load_explicit(&h->fault, memory_order_relaxed) != 0 &&
	    fault_take(h, SLUICE_NPU_FAULT_FULL, 1) == 1) {
		swnpu_cnt_add(&h->ring_full, 1);
		return 0;
	}
	inflight = h->sq_tail - atomic_load_explicit(&h->regs->sq_head, memory_order_acquire);
	m = inflight >= h->size ? 0 : h->size - inflight;
	if (m > h->nb_free)
		m = h->nb_free;
	if (m > n)
		m = n;
	if (m != 0 && atomic_load_explicit(&h->fault, memory_order_relaxed) != 0) {
		marked = fault_take(h, SLUICE_NPU_FAULT_TIMEOUT, m);
		mark = SWNPU_DF_DROP;
		if (marked == 0) {
			marked = fault_take(h, SLUICE_NPU_FAULT_ERROR, m);
			mark = SWNPU_DF_ERROR;
		}
	}
	for (uint32_t i = 0; i < m; i++) {
		const struct sluice_npu_op *op = ops[i];
		struct swnpu_desc *d = &h->sq[(h->sq_tail + i) & h->mask];
		uint16_t tag = h->free_tags[--h->nb_free];

		h->shadow[tag].op = ops[i];
		h->shadow[tag].model_id = op->model_id;
		if (op->model_id < SLUICE_NPU_MODELS_MAX)
			inflight_add(&h->model_inflight[op->model_id], 1);
		d->in_addr = op->in_addr;
		d->segs_addr = op->segs_addr;
		d->out_addr = op->out_addr;
		d->out_len = op->out_len;
		d->model_id = op->model_id;
		d->in_w = op->in_w;
		d->in_h = op->in_h;
		d->in_c = op->in_c;
		d->flags = i < marked ? mark : 0;
		d->nb_segs = op->nb_segs;
		d->tag = tag;
	}
	if (m != 0) {
		h->sq_tail += m;
		atomic_store_explicit(&h->regs->sq_tail, h->sq_tail, memory_order_release);
		swnpu_cnt_add(&h->enqueued, m);
	}
	if (m < n)
		swnpu_cnt_add(&h->ring_full, 1);
	return (uint16_t)m;
}

static uint16_t swnpu_dequeue(void *priv, uint16_t ctx, struct sluice_npu_op **ops, uint16_t n)
{
	struct swnpu *sw = priv;
	struct swnpu_hctx *h;
	uint32_t avail, k = 0;

	if (ctx >= SLUICE_NPU_CTX_MAX)
		return 0;
	h = &sw->host[ctx];
	if (!h->live)
		return 0;
	avail = atomic_load_explicit(&h->regs->cq_tail, memory_order_acquire) - h->cq_head;
	if (avail > h->size)
		avail = h->size;
	if (avail > n)
		avail = n;
	for (uint32_t i = 0; i < avail; i++) {
		struct swnpu_cqe e;
		struct swnpu_shadow *s;

		memcpy(&e, &h->cq[(h->cq_head + i) & h->mask], sizeof(e));
		/* The CQ is shared memory: a tag that names no op of ours is skipped. */
		if (e.tag >= h->size || h->shadow[e.tag].op == NULL)
			continue;
		s = &h->shadow[e.tag];
		s->op->status = e.status;
		s->op->device_ns = e.device_ns;
		ops[k++] = s->op;
		s->op = NULL;
		if (s->model_id < SLUICE_NPU_MODELS_MAX)
			inflight_add(&h->model_inflight[s->model_id], -1);
		h->free_tags[h->nb_free++] = e.tag;
	}
	if (avail != 0) {
		h->cq_head += avail;
		atomic_store_explicit(&h->regs->cq_head, h->cq_head, memory_order_release);
		swnpu_cnt_add(&h->dequeued, k);
	}
	return (uint16_t)k;
}

/* ---- Device ------------------------------------------------------------------ */

static int parse_args(struct swnpu *sw, const struct sluice_npu_args *args)
{
	uint64_t v;

	sw->mem_size = SWNPU_MEM_DEFAULT;
	sw->cpu = -1;
	sw->poll_ns = SWNPU_POLL_US_DEFAULT * 1000ull;
	swnpu_profile_load("none", &sw->prof);
	for (unsigned int i = 0; i < args->nb; i++) {
		const char *k = args->kv[i].key, *val = args->kv[i].val;

		if (strcmp(k, "mem") == 0) {
			if (sluice_npu_parse_size(val, &v) < 0 || v == 0 || v > SWNPU_MEM_MAX ||
			    v % SWNPU_PAGE != 0)
				return -EINVAL;
			sw->mem_size = v;
		} else if (strcmp(k, "profile") == 0) {
			if (swnpu_profile_load(val, &sw->prof) < 0)
				return -EINVAL;
		} else if (strcmp(k, "cpu") == 0) {
			if (sluice_npu_parse_u64(val, CPU_SETSIZE - 1, &v) < 0)
				return -EINVAL;
			sw->cpu = (int)v;
		} else if (strcmp(k, "poll_us") == 0) {
			if (sluice_npu_parse_u64(val, POLL_US_MAX, &v) < 0)
				return -EINVAL;
			sw->poll_ns = v * 1000;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int thread_start(struct swnpu *sw)
{
	pthread_attr_t attr;
	int rc;

	rc = pthread_attr_init(&attr);
	if (rc != 0)
		return -rc;
	if (sw->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sw->cpu, &set);
		rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (rc == 0)
		rc = pthread_create(&sw->thread, &attr, swnpu_engine_main, sw);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return rc == EAGAIN ? -ENOMEM : -EINVAL;
	pthread_setname_np(sw->thread, "swnpu");
	sw->thread_started = true;
	return 0;
}

static void ctx_free_arrays(struct swnpu *sw, uint16_t ctx)
{
	free(sw->host[ctx].shadow);
	free(sw->host[ctx].free_tags);
	free(sw->dev[ctx].pend);
	sw->host[ctx].shadow = NULL;
	sw->host[ctx].free_tags = NULL;
	sw->dev[ctx].pend = NULL;
}

static void swnpu_free(struct swnpu *sw)
{
	for (unsigned int i = 0; i < SLUICE_NPU_MODELS_MAX; i++) {
		sluice_nmodel_free(sw->models[i].nm);
		free(sw->models[i].scratch);
	}
	for (uint16_t i = 0; i < SLUICE_NPU_CTX_MAX; i++)
		ctx_free_arrays(sw, i);
	if (sw->gather != NULL)
		munmap(sw->gather, SWNPU_IN_MAX);
	if (sw->bar != NULL)
		munmap(sw->bar, sw->bar_len);
	if (sw->fd >= 0)
		close(sw->fd);
	free(sw);
}

static int swnpu_open(struct sluice_npu_dev *dev, const struct sluice_npu_args *args)
{
	struct swnpu *sw;
	void *p;
	int rc;

	sw = aligned_alloc(64, round_page(sizeof(*sw)));
	if (sw == NULL)
		return -ENOMEM;
	memset(sw, 0, sizeof(*sw));
	sw->fd = -1;
	sw->last_ctx = UINT64_MAX;
	rc = parse_args(sw, args);
	if (rc < 0)
		goto out_free;
	sw->bar_len = SWNPU_BAR_LEN(sw->mem_size);
	sw->fd = memfd_create("swnpu-bar", MFD_CLOEXEC);
	if (sw->fd < 0 || ftruncate(sw->fd, (off_t)sw->bar_len) < 0) {
		rc = -ENOMEM;
		goto out_free;
	}
	p = mmap(NULL, sw->bar_len, PROT_READ | PROT_WRITE, MAP_SHARED, sw->fd, 0);
	if (p == MAP_FAILED) {
		rc = -ENOMEM;
		goto out_free;
	}
	sw->bar = p;
	p = mmap(NULL, SWNPU_IN_MAX, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		rc = -ENOMEM;
		goto out_free;
	}
	sw->gather = p;
	swnpu_alloc_init(&sw->alloc, sw->mem_size);
	rc = thread_start(sw);
	if (rc < 0)
		goto out_free;
	dev->priv = sw;
	return 0;

out_free:
	swnpu_free(sw);
	return rc;
}

static void swnpu_close(struct sluice_npu_dev *dev)
{
	struct swnpu *sw = sw_of(dev);

	atomic_store_explicit(&sw->stop, true, memory_order_relaxed);
	if (sw->thread_started)
		pthread_join(sw->thread, NULL);
	swnpu_free(sw);
	dev->priv = NULL;
}

static int swnpu_info_get(const struct sluice_npu_dev *dev, struct sluice_npu_info *info)
{
	const struct swnpu *sw = sw_of(dev);

	memset(info, 0, sizeof(*info));
	snprintf(info->driver, sizeof(info->driver), "swnpu");
	info->mem_size = sw->mem_size;
	info->max_contexts = SLUICE_NPU_CTX_MAX;
	info->max_models = SLUICE_NPU_MODELS_MAX;
	info->max_ring = SWNPU_RING_MAX;
	info->max_segs = SLUICE_NPU_SEGS_MAX;
	snprintf(info->profile, sizeof(info->profile), "%s", sw->prof.name);
	return 0;
}

static int swnpu_mem_get(const struct sluice_npu_dev *dev, struct sluice_npu_mem *m)
{
	const struct swnpu *sw = sw_of(dev);

	m->va = sw->bar;
	m->iova = sw->iova;
	m->size = sw->mem_size;
	m->fd = sw->fd;
	return 0;
}

static int swnpu_mem_set_iova(struct sluice_npu_dev *dev, uint64_t iova)
{
	sw_of(dev)->iova = iova;
	return 0;
}

/* ---- Models -------------------------------------------------------------------- */

static int swnpu_model_load(struct sluice_npu_dev *dev, const void *blob, size_t len, uint16_t *id)
{
	struct swnpu *sw = sw_of(dev);
	struct swnpu_model *m = NULL;
	char why[128];
	uint16_t i;
	int rc;

	for (i = 0; i < SLUICE_NPU_MODELS_MAX; i++)
		if (atomic_load_explicit(&sw->models[i].state, memory_order_relaxed) ==
		    SWNPU_MODEL_FREE) {
			m = &sw->models[i];
			break;
		}
	if (m == NULL)
		return -ENOSPC;
	m->nm = sluice_nmodel_parse(blob, len, why, sizeof(why));
	if (m->nm == NULL)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	sluice_nmodel_describe(m->nm, &m->desc);
	m->len = round_page(m->desc.weight_bytes == 0 ? 1 : m->desc.weight_bytes);
	rc = swnpu_alloc_get(&sw->alloc, m->len, &m->addr);
	if (rc < 0)
		goto out_free_model;
	m->scratch = malloc(m->desc.scratch_bytes == 0 ? 1 : m->desc.scratch_bytes);
	if (m->scratch == NULL) {
		rc = -ENOMEM;
		goto out_put_mem;
	}
	m->out_bytes = (uint32_t)m->desc.nb_classes * sizeof(int32_t);
	m->compute_ns = swnpu_profile_compute_ns(&sw->prof, m->desc.macs);
	atomic_store_explicit(&m->state, SWNPU_MODEL_LIVE, memory_order_release);
	*id = i;
	return 0;

out_put_mem:
	swnpu_alloc_put(&sw->alloc, m->addr, m->len);
out_free_model:
	sluice_nmodel_free(m->nm);
	m->nm = NULL;
	return rc;
}

static bool model_busy(const struct swnpu *sw, uint16_t id)
{
	for (unsigned int c = 0; c < SLUICE_NPU_CTX_MAX; c++)
		if (sw->ctx_used[c] && atomic_load_explicit(&sw->host[c].model_inflight[id],
							    memory_order_relaxed) != 0)
			return true;
	return false;
}

static int swnpu_model_unload(struct sluice_npu_dev *dev, uint16_t id)
{
	struct swnpu *sw = sw_of(dev);
	struct swnpu_model *m;

	if (id >= SLUICE_NPU_MODELS_MAX)
		return -ENOENT;
	m = &sw->models[id];
	if (atomic_load_explicit(&m->state, memory_order_relaxed) != SWNPU_MODEL_LIVE)
		return -ENOENT;
	if (model_busy(sw, id))
		return -EBUSY;
	/* From here the device refuses new ops of the model (-EINVAL); check
	 * again for one enqueued meanwhile, then wait out any op being run. */
	atomic_store_explicit(&m->state, SWNPU_MODEL_DEAD, memory_order_seq_cst);
	if (model_busy(sw, id)) {
		atomic_store_explicit(&m->state, SWNPU_MODEL_LIVE, memory_order_seq_cst);
		return -EBUSY;
	}
	swnpu_engine_quiesce(sw);
	sluice_nmodel_free(m->nm);
	free(m->scratch);
	swnpu_alloc_put(&sw->alloc, m->addr, m->len);
	m->nm = NULL;
	m->scratch = NULL;
	atomic_store_explicit(&m->state, SWNPU_MODEL_FREE, memory_order_relaxed);
	return 0;
}

static int swnpu_model_info_get(const struct sluice_npu_dev *dev, uint16_t id,
				struct sluice_npu_model_info *info)
{
	const struct swnpu *sw = sw_of(dev);
	const struct swnpu_model *m;

	if (id >= SLUICE_NPU_MODELS_MAX)
		return -ENOENT;
	m = &sw->models[id];
	if (atomic_load_explicit((_Atomic int *)(uintptr_t)&m->state, memory_order_relaxed) !=
	    SWNPU_MODEL_LIVE)
		return -ENOENT;
	memset(info, 0, sizeof(*info));
	memcpy(info->name, m->desc.name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = '\0';
	info->in_max_w = SLUICE_NMODEL_FRAME_MAX;
	info->in_max_h = SLUICE_NMODEL_FRAME_MAX;
	info->in_channels_mask = (1u << 1) | (1u << 3);
	info->out_bytes = m->out_bytes;
	info->nb_classes = m->desc.nb_classes;
	info->macs = m->desc.macs;
	return 0;
}

/* ---- Contexts ------------------------------------------------------------------ */

static int conf_check(const struct sluice_npu_ctx_conf *conf)
{
	size_t need = offsetof(struct sluice_npu_ctx_conf, ring_size) + sizeof(conf->ring_size);

	if (conf->sz < need)
		return -EINVAL;
	/* A newer caller's extra fields must be zero: we would ignore them. */
	for (size_t i = sizeof(*conf); i < conf->sz; i++)
		if (((const uint8_t *)conf)[i] != 0)
			return -EINVAL;
	if (conf->win_size == 0 || conf->win_size > SWNPU_MEM_MAX || conf->ring_size < 2 ||
	    conf->ring_size > SWNPU_RING_MAX || (conf->ring_size & (conf->ring_size - 1)) != 0)
		return -EINVAL;
	return 0;
}

static int swnpu_ctx_create(struct sluice_npu_dev *dev, const struct sluice_npu_ctx_conf *conf,
			    uint16_t *ctx)
{
	struct swnpu *sw = sw_of(dev);
	struct swnpu_hctx *h;
	struct swnpu_dctx *d;
	uint64_t win, addr;
	uint8_t *ring;
	uint32_t size;
	uint16_t c;
	int rc;

	rc = conf_check(conf);
	if (rc < 0)
		return rc;
	size = conf->ring_size;
	win = round_page(conf->win_size);
	for (c = 0; c < SLUICE_NPU_CTX_MAX && sw->ctx_used[c]; c++)
		;
	if (c == SLUICE_NPU_CTX_MAX)
		return -ENOSPC;
	if (swnpu_alloc_get(&sw->alloc, win, &addr) < 0)
		return -ENOSPC;
	h = &sw->host[c];
	d = &sw->dev[c];
	h->shadow = calloc(size, sizeof(*h->shadow));
	h->free_tags = calloc(size, sizeof(*h->free_tags));
	d->pend = calloc(size, sizeof(*d->pend));
	if (h->shadow == NULL || h->free_tags == NULL || d->pend == NULL) {
		rc = -ENOMEM;
		goto out_free;
	}
	ring = sw->bar + SWNPU_RINGS_OFF(sw->mem_size) + c * SWNPU_RING_SLOT;

	h->regs = (struct swnpu_regs *)(sw->bar + SWNPU_REGS_OFF(sw->mem_size)) + c;
	h->sq = (struct swnpu_desc *)ring;
	h->cq = (struct swnpu_cqe *)(ring + SWNPU_RING_MAX * sizeof(struct swnpu_desc));
	h->size = size;
	h->mask = size - 1;
	h->sq_tail = h->cq_head = 0;
	/* Popped from the top: tags 0, 1, 2... first. */
	for (uint32_t i = 0; i < size; i++)
		h->free_tags[i] = (uint16_t)(size - 1 - i);
	h->nb_free = size;
	atomic_store_explicit(&h->fault, 0, memory_order_relaxed);
	atomic_store_explicit(&h->enqueued, 0, memory_order_relaxed);
	atomic_store_explicit(&h->dequeued, 0, memory_order_relaxed);
	atomic_store_explicit(&h->ring_full, 0, memory_order_relaxed);
	for (unsigned int i = 0; i < SLUICE_NPU_MODELS_MAX; i++)
		atomic_store_explicit(&h->model_inflight[i], 0, memory_order_relaxed);

	d->regs = h->regs;
	d->sq = h->sq;
	d->cq = h->cq;
	d->size = size;
	d->mask = size - 1;
	d->gen++;
	d->win_lo = addr;
	d->win_hi = addr + win;
	atomic_store_explicit(&d->nb_grants, 0, memory_order_relaxed);
	d->sq_head = d->cq_tail = 0;
	d->pend_head = d->pend_tail = 0;
	atomic_store_explicit(&d->completed_ok, 0, memory_order_relaxed);
	atomic_store_explicit(&d->errors, 0, memory_order_relaxed);
	atomic_store_explicit(&d->window_faults, 0, memory_order_relaxed);
	atomic_store_explicit(&d->dropped, 0, memory_order_relaxed);
	atomic_store_explicit(&d->busy_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&d->ctx_switches, 0, memory_order_relaxed);

	sw->win_addr[c] = addr;
	sw->win_len[c] = win;
	sw->ctx_used[c] = true;
	h->live = true;
	/* The device takes the context from its next loop on. */
	atomic_fetch_or_explicit(&sw->active[c / 64], 1ull << (c % 64), memory_order_release);
	*ctx = c;
	return 0;

out_free:
	ctx_free_arrays(sw, c);
	swnpu_alloc_put(&sw->alloc, addr, win);
	return rc;
}

static void stats_add(struct sluice_npu_stats *t, const struct sluice_npu_stats *s)
{
	t->enqueued += s->enqueued;
	t->dequeued += s->dequeued;
	t->completed_ok += s->completed_ok;
	t->errors += s->errors;
	t->window_faults += s->window_faults;
	t->ring_full += s->ring_full;
	t->dropped += s->dropped;
	t->busy_ns += s->busy_ns;
	t->ctx_switches += s->ctx_switches;
}

static void ctx_stats(const struct swnpu *sw, uint16_t c, struct sluice_npu_stats *st)
{
	const struct swnpu_hctx *h = &sw->host[c];
	const struct swnpu_dctx *d = &sw->dev[c];

	st->enqueued = swnpu_cnt_get(&h->enqueued);
	st->dequeued = swnpu_cnt_get(&h->dequeued);
	st->ring_full = swnpu_cnt_get(&h->ring_full);
	st->completed_ok = swnpu_cnt_get(&d->completed_ok);
	st->errors = swnpu_cnt_get(&d->errors);
	st->window_faults = swnpu_cnt_get(&d->window_faults);
	st->dropped = swnpu_cnt_get(&d->dropped);
	st->busy_ns = swnpu_cnt_get(&d->busy_ns);
	st->ctx_switches = swnpu_cnt_get(&d->ctx_switches);
}

static int swnpu_ctx_destroy(struct sluice_npu_dev *dev, uint16_t ctx)
{
	struct swnpu *sw = sw_of(dev);
	struct sluice_npu_stats st;
	struct swnpu_hctx *h;
	struct swnpu_dctx *d;

	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	h = &sw->host[ctx];
	d = &sw->dev[ctx];
	atomic_fetch_and_explicit(&sw->active[ctx / 64], ~(1ull << (ctx % 64)),
				  memory_order_seq_cst);
	swnpu_engine_quiesce(sw);
	/* The device no longer looks at the context. Hand every op back: those
	 * with a completion posted get it, all others are cancelled. */
	for (uint32_t i = h->cq_head, k = 0; i != d->cq_tail && k < h->size; i++, k++) {
		const struct swnpu_cqe *e = &h->cq[i & h->mask];

		if (e->tag < h->size && h->shadow[e->tag].op != NULL) {
			h->shadow[e->tag].op->status = e->status;
			h->shadow[e->tag].op->device_ns = e->device_ns;
			h->shadow[e->tag].op = NULL;
		}
	}
	for (uint32_t t = 0; t < h->size; t++) {
		if (h->shadow[t].op == NULL)
			continue;
		h->shadow[t].op->status = -ECANCELED;
		h->shadow[t].op->device_ns = 0;
		h->shadow[t].op = NULL;
		swnpu_cnt_add(&d->errors, 1);
	}
	h->live = false;
	ctx_stats(sw, ctx, &st);
	stats_add(&sw->retired, &st);

	/* Free memory is zero: the next owner of the window and rings sees nothing. */
	memset(sw->bar + sw->win_addr[ctx], 0, sw->win_len[ctx]);
	swnpu_alloc_put(&sw->alloc, sw->win_addr[ctx], sw->win_len[ctx]);
	memset(h->sq, 0, h->size * sizeof(*h->sq));
	memset(h->cq, 0, h->size * sizeof(*h->cq));
	memset(h->regs, 0, sizeof(*h->regs));
	ctx_free_arrays(sw, ctx);
	sw->ctx_used[ctx] = false;
	return 0;
}

static int swnpu_ctx_reset(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op **ops,
			   uint16_t n)
{
	struct swnpu *sw = sw_of(dev);
	struct swnpu_hctx *h;
	struct swnpu_dctx *d;
	uint32_t held, k = 0;

	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	h = &sw->host[ctx];
	d = &sw->dev[ctx];
	held = h->size - h->nb_free;
	if (held > n)
		return -ENOSPC;
	atomic_fetch_and_explicit(&sw->active[ctx / 64], ~(1ull << (ctx % 64)),
				  memory_order_seq_cst);
	swnpu_engine_quiesce(sw);
	/* As at destroy: a posted completion gives its status, the rest are cancelled. */
	for (uint32_t i = h->cq_head, j = 0; i != d->cq_tail && j < h->size; i++, j++) {
		const struct swnpu_cqe *e = &h->cq[i & h->mask];

		if (e->tag < h->size && h->shadow[e->tag].op != NULL) {
			struct swnpu_shadow *s = &h->shadow[e->tag];

			s->op->status = e->status;
			s->op->device_ns = e->device_ns;
			ops[k++] = s->op;
			s->op = NULL;
			if (s->model_id < SLUICE_NPU_MODELS_MAX)
				inflight_add(&h->model_inflight[s->model_id], -1);
		}
	}
	for (uint32_t t = 0; t < h->size; t++) {
		struct swnpu_shadow *s = &h->shadow[t];

		if (s->op == NULL)
			continue;
		s->op->status = -ECANCELED;
		s->op->device_ns = 0;
		ops[k++] = s->op;
		s->op = NULL;
		if (s->model_id < SLUICE_NPU_MODELS_MAX)
			inflight_add(&h->model_inflight[s->model_id], -1);
		swnpu_cnt_add(&d->errors, 1);
	}
	/* Empty rings, every tag free; the window, grants and counters stay. */
	memset(h->sq, 0, h->size * sizeof(*h->sq));
	memset(h->cq, 0, h->size * sizeof(*h->cq));
	atomic_store_explicit(&h->regs->sq_tail, 0, memory_order_relaxed);
	atomic_store_explicit(&h->regs->sq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&h->regs->cq_head, 0, memory_order_relaxed);
	atomic_store_explicit(&h->regs->cq_tail, 0, memory_order_relaxed);
	h->sq_tail = h->cq_head = 0;
	d->sq_head = d->cq_tail = 0;
	d->pend_head = d->pend_tail = 0;
	for (uint32_t i = 0; i < h->size; i++)
		h->free_tags[i] = (uint16_t)(h->size - 1 - i);
	h->nb_free = h->size;
	atomic_fetch_or_explicit(&sw->active[ctx / 64], 1ull << (ctx % 64), memory_order_release);
	return (int)k;
}

static int swnpu_ctx_window(const struct sluice_npu_dev *dev, uint16_t ctx, uint64_t *addr,
			    uint64_t *size)
{
	const struct swnpu *sw = sw_of(dev);

	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	*addr = sw->win_addr[ctx];
	*size = sw->win_len[ctx];
	return 0;
}

static int swnpu_ctx_grant(struct sluice_npu_dev *dev, uint16_t ctx, uint64_t addr, uint64_t len)
{
	struct swnpu *sw = sw_of(dev);
	struct swnpu_dctx *d;
	uint32_t n;

	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	if (len == 0 || addr >= sw->mem_size || len > sw->mem_size - addr)
		return -EINVAL;
	d = &sw->dev[ctx];
	n = atomic_load_explicit(&d->nb_grants, memory_order_relaxed);
	if (n == SWNPU_GRANTS_MAX)
		return -ENOSPC;
	d->grants[n].addr = addr;
	d->grants[n].len = len;
	atomic_store_explicit(&d->nb_grants, n + 1, memory_order_release);
	return 0;
}

/* ---- Counters and faults ------------------------------------------------------- */

static int swnpu_stats_get(const struct sluice_npu_dev *dev, uint16_t ctx,
			   struct sluice_npu_stats *st)
{
	const struct swnpu *sw = sw_of(dev);
	struct sluice_npu_stats one;

	if (ctx == UINT16_MAX) {
		*st = sw->retired;
		for (uint16_t c = 0; c < SLUICE_NPU_CTX_MAX; c++) {
			if (!sw->ctx_used[c])
				continue;
			ctx_stats(sw, c, &one);
			stats_add(st, &one);
		}
		return 0;
	}
	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	ctx_stats(sw, ctx, st);
	return 0;
}

static int swnpu_fault_inject(struct sluice_npu_dev *dev, uint16_t ctx,
			      const struct sluice_npu_fault *f)
{
	struct swnpu *sw = sw_of(dev);
	uint64_t w;

	if (ctx >= SLUICE_NPU_CTX_MAX || !sw->ctx_used[ctx])
		return -ENOENT;
	switch (f->kind) {
	case SLUICE_NPU_FAULT_NONE:
		w = 0;
		break;
	case SLUICE_NPU_FAULT_TIMEOUT:
	case SLUICE_NPU_FAULT_ERROR:
	case SLUICE_NPU_FAULT_FULL:
		if (f->count == 0)
			return -EINVAL;
		w = (uint64_t)f->kind << 32 | f->count;
		break;
	default:
		return -EINVAL;
	}
	atomic_store_explicit(&sw->host[ctx].fault, w, memory_order_relaxed);
	return 0;
}

const struct sluice_npu_driver sluice_swnpu_driver = {
    .name = "swnpu",
    .open = swnpu_open,
    .close = swnpu_close,
    .info_get = swnpu_info_get,
    .mem_get = swnpu_mem_get,
    .mem_set_iova = swnpu_mem_set_iova,
    .model_load = swnpu_model_load,
    .model_unload = swnpu_model_unload,
    .model_info_get = swnpu_model_info_get,
    .ctx_create = swnpu_ctx_create,
    .ctx_destroy = swnpu_ctx_destroy,
    .ctx_reset = swnpu_ctx_reset,
    .ctx_window = swnpu_ctx_window,
    .ctx_grant = swnpu_ctx_grant,
    .enqueue_burst = swnpu_enqueue,
    .dequeue_burst = swnpu_dequeue,
    .stats_get = swnpu_stats_get,
    .fault_inject = swnpu_fault_inject,
};
