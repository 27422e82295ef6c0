/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device side of swnpu: one thread that polls the contexts' doorbells,
 * fetches descriptors, checks them like an IOMMU would, runs the model and
 * posts completions when the timing model says the engine is done.
 *
 * Everything the host wrote into the BAR (indexes, descriptors, gather
 * lists) is copied out once and only the copy is checked and used.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "swnpu_priv.h"

uint64_t swnpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* [addr, addr + len) inside [lo, hi), without overflow. */
static inline bool range_in(uint64_t lo, uint64_t hi, uint64_t addr, uint64_t len)
{
	return addr >= lo && addr <= hi && len <= hi - addr;
}

static bool readable(const struct swnpu_dctx *c, uint32_t nb_grants, uint64_t addr, uint64_t len)
{
	if (range_in(c->win_lo, c->win_hi, addr, len))
		return true;
	for (uint32_t i = 0; i < nb_grants; i++)
		if (range_in(c->grants[i].addr, c->grants[i].addr + c->grants[i].len, addr, len))
			return true;
	return false;
}

/* Gather a zero-copy input into the device's own buffer. */
static int gather(struct swnpu *sw, const struct swnpu_dctx *c, uint32_t nb_grants,
		  const struct swnpu_desc *d, uint64_t in_len)
{
	uint64_t list_len = (uint64_t)d->nb_segs * sizeof(struct sluice_npu_seg);
	uint64_t expect = 0;
	bool tiled = true;

	if (!readable(c, nb_grants, d->segs_addr, list_len))
		return -EFAULT;
	memcpy(sw->segs, sw->bar + d->segs_addr, list_len);
	for (uint16_t i = 0; i < d->nb_segs; i++) {
		const struct sluice_npu_seg *s = &sw->segs[i];

		if (s->len == 0 || s->dst_off > in_len || s->len > in_len - s->dst_off)
			return -EINVAL;
		if (!readable(c, nb_grants, s->addr, s->len))
			return -EFAULT;
		if (s->dst_off != expect)
			tiled = false;
		expect += s->len;
	}
	/* Segments in order, end to end, covering the input: nothing to clear.
	 * Otherwise gaps must not show the previous op's (another tenant's) input. */
	if (!tiled || expect != in_len)
		memset(sw->gather, 0, in_len);
	for (uint16_t i = 0; i < d->nb_segs; i++)
		memcpy(sw->gather + sw->segs[i].dst_off, sw->bar + sw->segs[i].addr,
		       sw->segs[i].len);
	return 0;
}

static int op_run(struct swnpu *sw, const struct swnpu_dctx *c, const struct swnpu_desc *d)
{
	int32_t scores[SLUICE_NMODEL_WIDTH_MAX];
	const struct swnpu_model *m;
	const uint8_t *in;
	uint32_t nb_grants;
	uint64_t in_len;
	int rc;

	if (d->model_id >= SLUICE_NPU_MODELS_MAX)
		return -EINVAL;
	m = &sw->models[d->model_id];
	if (atomic_load_explicit(&m->state, memory_order_acquire) != SWNPU_MODEL_LIVE)
		return -EINVAL;
	if ((d->in_c != 1 && d->in_c != 3) || d->in_w < m->desc.grid_w ||
	    d->in_h < m->desc.grid_h || d->in_w > SLUICE_NMODEL_FRAME_MAX ||
	    d->in_h > SLUICE_NMODEL_FRAME_MAX || d->out_len < m->out_bytes ||
	    d->nb_segs > SLUICE_NPU_SEGS_MAX)
		return -EINVAL;
	in_len = (uint64_t)d->in_w * d->in_h * d->in_c;
	nb_grants = atomic_load_explicit(&c->nb_grants, memory_order_acquire);
	/* Output: the window only (grants are read-only). */
	if (!range_in(c->win_lo, c->win_hi, d->out_addr, d->out_len))
		return -EFAULT;
	if (d->nb_segs == 0) {
		if (!readable(c, nb_grants, d->in_addr, in_len))
			return -EFAULT;
		in = sw->bar + d->in_addr;
	} else {
		rc = gather(sw, c, nb_grants, d, in_len);
		if (rc < 0)
			return rc;
		in = sw->gather;
	}
	rc = sluice_nmodel_run(m->nm, in, d->in_w, d->in_h, d->in_c, scores, m->scratch);
	if (rc < 0)
		return rc;
	memcpy(sw->bar + d->out_addr, scores, m->out_bytes);
	return 0;
}

/* Execute one fetched descriptor and queue its completion. */
static void op_exec(struct swnpu *sw, int ci, struct swnpu_dctx *c, const struct swnpu_desc *d,
		    uint64_t arrival)
{
	uint64_t key = (uint64_t)c->gen << 16 | (uint64_t)ci, t0 = 0, cost;
	struct swnpu_pending *p;
	int32_t status;
	bool switched;

	if (d->flags & SWNPU_DF_DROP) {
		swnpu_cnt_add(&c->dropped, 1);
		return;
	}
	if (!sw->prof.enabled)
		t0 = swnpu_now_ns();
	status = (d->flags & SWNPU_DF_ERROR) ? -EIO : op_run(sw, c, d);

	p = &c->pend[c->pend_tail++ & c->mask];
	p->tag = d->tag;
	p->status = status;
	if (status != 0) {
		/* A refused op does not occupy the engine, but completes in order. */
		p->device_ns = 0;
		p->post_at = sw->prof.enabled && sw->engine_free > arrival ? sw->engine_free : 0;
		return;
	}
	switched = sw->last_ctx != key;
	if (switched)
		swnpu_cnt_add(&c->ctx_switches, 1);
	sw->last_ctx = key;
	if (sw->prof.enabled) {
		cost = sw->prof.fixed_ns + sw->models[d->model_id].compute_ns;
		if (switched)
			cost += sw->prof.switch_ns;
		sw->engine_free = (sw->engine_free > arrival ? sw->engine_free : arrival) + cost;
		p->post_at = sw->engine_free;
	} else {
		cost = swnpu_now_ns() - t0;
		p->post_at = 0;
	}
	p->device_ns = cost > UINT32_MAX ? UINT32_MAX : (uint32_t)cost;
	swnpu_cnt_add(&c->busy_ns, cost);
}

/* One doorbell: take everything the host has queued (bounded by the ring). */
static uint32_t fetch(struct swnpu *sw, int ci)
{
	struct swnpu_dctx *c = &sw->dev[ci];
	uint32_t tail = atomic_load_explicit(&c->regs->sq_tail, memory_order_acquire);
	uint32_t n = tail - c->sq_head;
	uint32_t room = c->size - (c->pend_tail - c->pend_head);
	uint64_t now;

	if (n == 0)
		return 0;
	/* Arrival: read after the doorbell, so never before the host rang it. */
	now = swnpu_now_ns();
	/* A doorbell past the ring (a confused or hostile writer) gets at most one
	 * ring's worth; each entry is checked like any other. */
	if (n > c->size)
		n = c->size;
	if (n > room)
		n = room;
	for (uint32_t k = 0; k < n; k++) {
		struct swnpu_desc d;

		memcpy(&d, &c->sq[(c->sq_head + k) & c->mask], sizeof(d));
		op_exec(sw, ci, c, &d, now);
	}
	c->sq_head += n;
	atomic_store_explicit(&c->regs->sq_head, c->sq_head, memory_order_release);
	return n;
}

/* Post the completions whose time has come, in order, while the CQ has room. */
static uint32_t post(struct swnpu_dctx *c, uint64_t now, uint64_t *next)
{
	uint32_t used = c->cq_tail - atomic_load_explicit(&c->regs->cq_head, memory_order_acquire);
	uint32_t room = used > c->size ? 0 : c->size - used;
	uint32_t posted = 0;

	while (c->pend_head != c->pend_tail && posted < room) {
		const struct swnpu_pending *p = &c->pend[c->pend_head & c->mask];
		struct swnpu_cqe *e;

		if (p->post_at > now) {
			if (p->post_at < *next)
				*next = p->post_at;
			break;
		}
		e = &c->cq[c->cq_tail & c->mask];
		e->tag = p->tag;
		e->rsvd = 0;
		e->status = p->status;
		e->device_ns = p->device_ns;
		e->rsvd2 = 0;
		if (p->status == 0) {
			swnpu_cnt_add(&c->completed_ok, 1);
		} else {
			swnpu_cnt_add(&c->errors, 1);
			if (p->status == -EFAULT)
				swnpu_cnt_add(&c->window_faults, 1);
		}
		c->cq_tail++;
		c->pend_head++;
		posted++;
	}
	if (posted != 0)
		atomic_store_explicit(&c->regs->cq_tail, c->cq_tail, memory_order_release);
	return posted;
}

void *swnpu_engine_main(void *arg)
{
	struct swnpu *sw = arg;
	uint64_t idle_since = swnpu_now_ns();

	while (!atomic_load_explicit(&sw->stop, memory_order_relaxed)) {
		uint64_t act[SLUICE_NPU_CTX_MAX / 64], now, next = UINT64_MAX;
		uint32_t work = 0;

		/* Pairs with swnpu_engine_quiesce(). Release: the previous loop's
		 * reads are over for whoever sees this epoch. Fence: what this loop
		 * reads is newer than any store the control thread made before it
		 * read an older epoch. */
		atomic_store_explicit(&sw->epoch,
				      atomic_load_explicit(&sw->epoch, memory_order_relaxed) + 1,
				      memory_order_release);
		atomic_thread_fence(memory_order_seq_cst);
		for (unsigned int w = 0; w < SLUICE_NPU_CTX_MAX / 64; w++)
			act[w] = atomic_load_explicit(&sw->active[w], memory_order_acquire);

		for (unsigned int w = 0; w < SLUICE_NPU_CTX_MAX / 64; w++)
			for (uint64_t b = act[w]; b != 0; b &= b - 1)
				work += fetch(sw, (int)(w * 64 + (unsigned int)__builtin_ctzll(b)));
		now = swnpu_now_ns();
		for (unsigned int w = 0; w < SLUICE_NPU_CTX_MAX / 64; w++)
			for (uint64_t b = act[w]; b != 0; b &= b - 1)
				work += post(&sw->dev[w * 64 + (unsigned int)__builtin_ctzll(b)],
					     now, &next);

		if (work != 0) {
			idle_since = now;
			continue;
		}
		/* Spin while polling, or while a modelled completion is due sooner
		 * than a nap would return; otherwise nap. */
		if (now - idle_since < sw->poll_ns ||
		    (next != UINT64_MAX && next - now < SWNPU_SPIN_NS)) {
			cpu_relax();
			continue;
		}
		struct timespec ts = {.tv_sec = 0, .tv_nsec = SWNPU_NAP_NS};

		nanosleep(&ts, NULL);
	}
	return NULL;
}

void swnpu_engine_quiesce(struct swnpu *sw)
{
	uint64_t e0;

	atomic_thread_fence(memory_order_seq_cst);
	e0 = atomic_load_explicit(&sw->epoch, memory_order_relaxed);
	while (atomic_load_explicit(&sw->epoch, memory_order_acquire) < e0 + 2) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000};

		nanosleep(&ts, NULL);
	}
}
