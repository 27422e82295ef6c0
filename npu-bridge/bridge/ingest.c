/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side: frames assembled from packets straight into their slot
 * in NPU memory, by the CPU or by the worker's DMA channel. Everything here
 * runs on one worker and touches only that worker's state, the contexts'
 * lock-free rings and the worker's own counters.
 *
 * Packets are untrusted: the UDP payload is handed to sluice_asm_parse()
 * with its length, and only the runs it returns (checked against the
 * frame's size) are copied.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_dmadev.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "bridge_priv.h"

void bridge_slot_free(struct bctx *c, uint32_t slot)
{
	struct slot *s = &c->slots[slot];

	/* Zero copy: the frame's packets go back to the pool with it. */
	if (s->nb_zc) {
		rte_pktmbuf_free_bulk(&c->zc_mbufs[(size_t)slot * SLUICE_NPU_SEGS_MAX], s->nb_zc);
		s->nb_zc = 0;
	}
	s->nb_segs = 0;
	s->state = SLOT_FREE;
	/* Cannot fail: the ring holds every slot. */
	rte_ring_mp_enqueue(c->free_ring, (void *)(uintptr_t)slot);
}

static void slot_ready(struct bctx *c, uint32_t slot, uint64_t now)
{
	c->slots[slot].ready_tsc = now;
	c->slots[slot].state = SLOT_READY;
	rte_ring_mp_enqueue(c->ready_ring, (void *)(uintptr_t)slot);
}

/* ---- DMA: copies complete in order; actions wait for the copies before them. ---- */

static inline bool dma_busy(const struct bworker *w)
{
	return w->dma_completed != w->dma_submitted;
}

static void fifo_push(struct bworker *w, uint8_t kind, void *ptr, uint32_t slot)
{
	struct fifo_ent *e = &w->fifo[(w->fifo_head + w->fifo_len) & (DMA_FIFO - 1)];

	e->seq = w->dma_submitted;
	e->kind = kind;
	e->ptr = ptr;
	e->slot = slot;
	w->fifo_len++;
}

static void fifo_run(struct bworker *w, uint64_t now)
{
	struct rte_mbuf *fr[INGEST_MAX];
	unsigned int nfr = 0;

	while (w->fifo_len > 0) {
		struct fifo_ent *e = &w->fifo[w->fifo_head];

		if (e->seq > w->dma_completed)
			break;
		switch (e->kind) {
		case FIFO_FREE:
			fr[nfr++] = e->ptr;
			if (nfr == INGEST_MAX) {
				rte_pktmbuf_free_bulk(fr, nfr);
				nfr = 0;
			}
			break;
		case FIFO_READY:
			slot_ready(e->ptr, e->slot, now);
			break;
		case FIFO_RELEASE:
			bridge_slot_free(e->ptr, e->slot);
			break;
		}
		w->fifo_head = (w->fifo_head + 1) & (DMA_FIFO - 1);
		w->fifo_len--;
	}
	if (nfr)
		rte_pktmbuf_free_bulk(fr, nfr);
}

static void dma_poll(struct bworker *w, uint64_t now)
{
	enum rte_dma_status_code st[64];
	uint16_t last, n, k;
	bool err = false;

	while (dma_busy(w)) {
		n = rte_dma_completed(w->dma_dev, 0, 64, &last, &err);
		w->dma_completed += n;
		if (unlikely(err)) {
			/* The failed copies: counted; their frames go on (the device sees what landed). */
			n = rte_dma_completed_status(w->dma_dev, 0, 64, &last, st);
			for (k = 0; k < n; k++)
				w->dma_errors += st[k] != RTE_DMA_STATUS_SUCCESSFUL;
			w->dma_completed += n;
		}
		if (n == 0)
			break;
	}
	fifo_run(w, now);
}

/* Wait (bounded by the engine, which always completes) until nothing is outstanding. */
static void dma_drain(struct bworker *w, uint64_t now)
{
	if (w->dma_dev < 0)
		return;
	if (w->dma_pending) {
		rte_dma_submit(w->dma_dev, 0);
		w->dma_pending = false;
	}
	while (dma_busy(w) || w->fifo_len > 0) {
		dma_poll(w, now);
		rte_pause();
	}
}

/* ---- Frames ------------------------------------------------------------------- */

static inline void open_add(struct bworker *w, struct bflow *fl, uint32_t pos)
{
	fl->open_idx = w->nb_open;
	w->open[w->nb_open++] = pos;
}

static inline void open_del(struct bworker *w, struct bflow *fl)
{
	uint32_t last = w->open[--w->nb_open];

	w->open[fl->open_idx] = last;
	w->flows[last].open_idx = fl->open_idx;
}

/* Give back an open frame's slot, after any copy still landing in it. */
static void frame_drop(struct bworker *w, struct bflow *fl, enum sluice_bridge_ctr why)
{
	struct bctx *c = fl->ctx;

	c->ws[w->id].ctr[why]++;
	if (w->dma_dev >= 0 && dma_busy(w))
		fifo_push(w, FIFO_RELEASE, c, fl->slot);
	else
		bridge_slot_free(c, fl->slot);
	open_del(w, fl);
	fl->slot = SLOT_NONE;
}

static void slot_init(struct bctx *c, uint32_t slot, struct bworker *w,
		      const struct sluice_bridge_pkt *p, const struct sluice_asm_pkt *ap, uint64_t now)
{
	struct slot *s = &c->slots[slot];
	const struct sluice_pkt *meta = p->meta;
	uint32_t hl = (uint32_t)meta->l4_off + sizeof(struct rte_udp_hdr);
	const void *h;

	s->frame = ap->frame;
	s->ssrc = ap->ssrc;
	s->first_tsc = now;
	s->worker = w->id;
	s->port = p->port;
	s->state = SLOT_ASSEMBLING;
	s->family = meta->family;
	s->nb_vlans = meta->nb_vlans;
	s->l3_off = meta->l3_off;
	s->l4_off = meta->l4_off;
	s->inner_off = meta->inner_off;
	s->dport = meta->dport;
	s->pkt_flags = meta->flags;
	s->zc = c->zc_mbufs != NULL;
	s->nb_zc = s->nb_segs = 0;
	s->hdr_len = 0;
	/* The first packet's headers, to answer its sender. */
	if (c->conf.result.to_sender && hl <= HDR_MAX) {
		h = rte_pktmbuf_read(p->m, 0, hl, s->hdr);
		if (h != NULL) {
			if (h != s->hdr)
				memcpy(s->hdr, h, hl);
			s->hdr_len = (uint8_t)hl;
		}
	}
}

static void flow_init(struct bflow *fl, struct bctx *c, const struct flow_key *k)
{
	sluice_asm_flow_reset(&fl->track);
	fl->ctx = c;
	fl->slot = SLOT_NONE;
	fl->refused = false;
	fl->key = *k;
}

/* Move one packet's payload runs into its slot. @return true when DMA copies were queued. */
static bool payload_move(struct sluice_bridge *b, struct bworker *w, struct bctx *c,
			 uint32_t slot, struct rte_mbuf *m, const uint8_t *pl, uint32_t pl_off,
			 bool linear, const struct sluice_asm_pkt *ap)
{
	uint8_t *dst = c->win_va + (uint64_t)slot * c->in_stride;
	bool queued = false;
	uint16_t k;

	if (b->copy == SLUICE_NPU_COPY_DMADEV && linear) {
		rte_iova_t src = rte_pktmbuf_iova_offset(m, pl_off);
		uint64_t dst_iova = c->win_iova + (uint64_t)slot * c->in_stride;

		for (k = 0; k < ap->nb_segs; k++) {
			const struct sluice_asm_seg *sg = &ap->seg[k];

			if (rte_dma_copy(w->dma_dev, 0, src + sg->src_off, dst_iova + sg->dst_off,
					 sg->len, 0) >= 0) {
				w->dma_submitted++;
				w->dma_pending = queued = true;
			} else {
				/* The engine's ring is full: this run goes by CPU. */
				rte_memcpy(dst + sg->dst_off, pl + sg->src_off, sg->len);
				w->dma_fallback++;
			}
		}
		return queued;
	}
	for (k = 0; k < ap->nb_segs; k++)
		rte_memcpy(dst + ap->seg[k].dst_off, pl + ap->seg[k].src_off, ap->seg[k].len);
	return false;
}

/* Zero copy abandoned for this frame: what was gathered is copied into the slot. */
static void zc_to_copy(struct sluice_bridge *b, struct bctx *c, uint32_t slot)
{
	struct slot *s = &c->slots[slot];
	const struct sluice_npu_seg *segs =
		(const struct sluice_npu_seg *)(c->win_va + c->seg_off) +
		(size_t)slot * SLUICE_NPU_SEGS_MAX;
	uint8_t *dst = c->win_va + (uint64_t)slot * c->in_stride;
	uint16_t k;

	for (k = 0; k < s->nb_segs; k++)
		rte_memcpy(dst + segs[k].dst_off, (const uint8_t *)b->mem.va + segs[k].addr,
			   segs[k].len);
	if (s->nb_zc)
		rte_pktmbuf_free_bulk(&c->zc_mbufs[(size_t)slot * SLUICE_NPU_SEGS_MAX], s->nb_zc);
	s->nb_zc = s->nb_segs = 0;
	s->zc = false;
	c->ws[s->worker].ctr[SLUICE_BRIDGE_CTR_ZC_COPIED]++;
}

/*
 * Zero copy: the packet's payload runs join the frame's gather list and the
 * mbuf stays with the frame. A payload not wholly in the packet buffers'
 * region, split over segments, or past the gather list's size turns the
 * frame into a copied one. @return true when the mbuf was kept.
 */
static bool zc_take(struct sluice_bridge *b, struct bctx *c, uint32_t slot, struct rte_mbuf *m,
		    const uint8_t *pl, uint32_t len, bool linear, const struct sluice_asm_pkt *ap)
{
	struct slot *s = &c->slots[slot];
	struct sluice_npu_seg *segs = (struct sluice_npu_seg *)(c->win_va + c->seg_off) +
				      (size_t)slot * SLUICE_NPU_SEGS_MAX;
	uint64_t addr = (uint64_t)((uintptr_t)pl - (uintptr_t)b->mem.va);
	uint16_t k;

	if (!s->zc)
		return false;
	if (!linear || (uintptr_t)pl < (uintptr_t)b->mem.va || addr < b->rx_addr ||
	    addr + len > b->rx_addr + b->rx_size ||
	    s->nb_segs + ap->nb_segs > SLUICE_NPU_SEGS_MAX || s->nb_zc == SLUICE_NPU_SEGS_MAX) {
		zc_to_copy(b, c, slot);
		return false;
	}
	for (k = 0; k < ap->nb_segs; k++) {
		struct sluice_npu_seg *last = s->nb_segs ? &segs[s->nb_segs - 1] : NULL;
		uint64_t a = addr + ap->seg[k].src_off;

		/* Whole lines follow each other in the packet and in the frame: one segment. */
		if (k > 0 && last->addr + last->len == a &&
		    last->dst_off + last->len == ap->seg[k].dst_off) {
			last->len += ap->seg[k].len;
			continue;
		}
		segs[s->nb_segs].addr = a;
		segs[s->nb_segs].len = ap->seg[k].len;
		segs[s->nb_segs++].dst_off = ap->seg[k].dst_off;
	}
	c->zc_mbufs[(size_t)slot * SLUICE_NPU_SEGS_MAX + s->nb_zc++] = m;
	return true;
}

static enum sluice_drop bad(struct ctx_wstats *st, enum sluice_asm_err why)
{
	st->ctr[SLUICE_BRIDGE_CTR_PKTS_BAD]++;
	st->asm_err[why]++;
	return SLUICE_DROP_NPU_BAD_PACKET;
}

static inline void key_make(struct flow_key *key, const struct bctx *c, const struct sluice_pkt *meta)
{
	memset(key, 0, sizeof(*key));
	key->serial = c->serial;
	key->family = meta->family;
	memcpy(key->src, meta->src, sizeof(key->src));
	memcpy(key->dst, meta->dst, sizeof(key->dst));
	key->sport = meta->sport;
	key->dport = meta->dport;
}

/* `pos`: the stream's position from the burst's bulk lookup, or < 0 (new, or refused). */
static enum sluice_drop ingest_one(struct sluice_bridge *b, struct bworker *w,
				   struct sluice_bridge_pkt *p, const struct flow_key *key,
				   int32_t pos, uint64_t now, unsigned int *nfree)
{
	struct bctx *c = (struct bctx *)p->ctx;
	struct ctx_wstats *st = &c->ws[w->id];
	const struct sluice_pkt *meta = p->meta;
	struct rte_mbuf *m = p->m;
	struct rte_udp_hdr uh_buf;
	const struct rte_udp_hdr *uh;
	struct sluice_asm_pkt ap;
	enum sluice_asm_err aerr;
	const uint8_t *pl;
	struct bflow *fl;
	uint32_t len, off, v;
	bool linear, queued = false, kept = false;

	st->ctr[SLUICE_BRIDGE_CTR_PKTS]++;
	if ((meta->flags & (SLUICE_PKT_L4 | SLUICE_PKT_FRAG)) != SLUICE_PKT_L4 ||
	    meta->proto != IPPROTO_UDP) {
		st->ctr[SLUICE_BRIDGE_CTR_PKTS_BAD]++;
		st->ctr[SLUICE_BRIDGE_CTR_NOT_UDP]++;
		return SLUICE_DROP_NPU_BAD_PACKET;
	}
	/* The parser checked the UDP length against the IP payload and the frame. */
	uh = rte_pktmbuf_read(m, meta->l4_off, sizeof(*uh), &uh_buf);
	if (unlikely(uh == NULL))
		return bad(st, SLUICE_ASM_ERR_SHORT);
	len = rte_be_to_cpu_16(uh->dgram_len) - (uint32_t)sizeof(*uh);
	off = meta->l4_off + (uint32_t)sizeof(*uh);
	linear = off + len <= m->data_len;
	if (linear)
		pl = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	else if (len <= SCRATCH_MAX)
		pl = rte_pktmbuf_read(m, off, len, w->scratch);
	else
		pl = NULL;
	if (unlikely(pl == NULL))
		return bad(st, SLUICE_ASM_ERR_OVERFLOW);
	aerr = sluice_asm_parse(&c->geom, pl, len, &ap);
	if (aerr != SLUICE_ASM_ERR_NONE)
		return bad(st, aerr);

	if (pos < 0) {
		/* Returns the existing position when an earlier packet of this burst added it. */
		pos = rte_hash_add_key(w->flows_h, key);
		if (pos < 0)
			return SLUICE_DROP_NPU_FLOW_LIMIT;
		if (w->flows[pos].ctx == NULL)
			flow_init(&w->flows[pos], c, key);
	}
	fl = &w->flows[pos];
	fl->last_tsc = now;
	if (fl->refused && ap.frame == fl->refused_frame) {
		st->ctr[SLUICE_BRIDGE_CTR_PKTS_REFUSED]++;
		return SLUICE_DROP_NPU_QUEUE_FULL;
	}
	v = sluice_asm_track(&fl->track, &c->geom, &ap, &aerr);
	if (v == 0)
		return bad(st, aerr);
	if ((v & SLUICE_ASM_ABANDONED) && fl->slot != SLOT_NONE)
		frame_drop(w, fl, SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE);
	if (v & SLUICE_ASM_NEW_FRAME) {
		void *obj;

		fl->refused = false;
		if (rte_ring_mc_dequeue(c->free_ring, &obj) != 0) {
			/* No buffer: the whole frame is refused, never queued without one. */
			sluice_asm_flow_abandon(&fl->track);
			fl->refused = true;
			fl->refused_frame = ap.frame;
			st->ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED]++;
			st->ctr[SLUICE_BRIDGE_CTR_PKTS_REFUSED]++;
			return SLUICE_DROP_NPU_QUEUE_FULL;
		}
		fl->slot = (uint32_t)(uintptr_t)obj;
		slot_init(c, fl->slot, w, p, &ap, now);
		open_add(w, fl, (uint32_t)pos);
		st->ctr[SLUICE_BRIDGE_CTR_FRAMES_IN]++;
	}
	if (unlikely(fl->slot == SLOT_NONE))
		return bad(st, SLUICE_ASM_ERR_LATE);
	if (v & SLUICE_ASM_COPY) {
		if (c->zc_mbufs != NULL && zc_take(b, c, fl->slot, m, pl, len, linear, &ap))
			kept = true;
		else
			queued = payload_move(b, w, c, fl->slot, m, pl, off, linear, &ap);
		st->ctr[SLUICE_BRIDGE_CTR_BYTES_MOVED] += ap.bytes;
	}
	if (v & SLUICE_ASM_COMPLETE) {
		if (w->dma_dev >= 0 && dma_busy(w))
			fifo_push(w, FIFO_READY, c, fl->slot);
		else
			slot_ready(c, fl->slot, now);
		st->ctr[SLUICE_BRIDGE_CTR_FRAMES_COMPLETE]++;
		open_del(w, fl);
		fl->slot = SLOT_NONE;
	}
	if (kept)
		return SLUICE_DROP_NONE; /* the frame holds it until its op completes */
	if (queued)
		fifo_push(w, FIFO_FREE, m, 0);
	else
		w->to_free[(*nfree)++] = m;
	return SLUICE_DROP_NONE;
}

uint16_t sluice_bridge_ingest(struct sluice_bridge *b, uint16_t worker,
			      struct sluice_bridge_pkt *pk, uint16_t n, uint64_t now)
{
	struct bworker *w = &b->w[worker];
	struct flow_key keys[INGEST_MAX];
	const void *kp[INGEST_MAX];
	int32_t pos[INGEST_MAX];
	unsigned int nfree = 0;
	uint16_t i, taken = 0;

	if (unlikely(n > INGEST_MAX))
		n = INGEST_MAX; /* the worker's burst is never larger */
	/* One bulk lookup of the burst's streams. */
	for (i = 0; i < n; i++) {
		key_make(&keys[i], (const struct bctx *)pk[i].ctx, pk[i].meta);
		kp[i] = &keys[i];
	}
	if (rte_hash_lookup_bulk(w->flows_h, kp, n, pos) != 0)
		for (i = 0; i < n; i++)
			pos[i] = -ENOENT;

	if (w->dma_dev >= 0) {
		/* Each packet may queue a free, a release and a ready. */
		while (DMA_FIFO - w->fifo_len < 3u * n) {
			dma_poll(w, now);
			rte_pause();
		}
	}
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod_offset(pk[i + 1].m, void *,
							      pk[i + 1].meta->l4_off));
		pk[i].drop = ingest_one(b, w, &pk[i], &keys[i], pos[i], now, &nfree);
		taken += pk[i].drop == SLUICE_DROP_NONE;
		if (nfree == INGEST_MAX) {
			rte_pktmbuf_free_bulk(w->to_free, nfree);
			nfree = 0;
		}
	}
	if (nfree)
		rte_pktmbuf_free_bulk(w->to_free, nfree);
	if (w->dma_pending) {
		rte_dma_submit(w->dma_dev, 0);
		w->dma_pending = false;
	}
	return taken;
}

/* ---- Housekeeping ------------------------------------------------------------- */

static void flow_forget(struct bworker *w, struct bflow *fl)
{
	rte_hash_del_key(w->flows_h, &fl->key);
	fl->ctx = NULL;
}

/* Let go of every retired context: open frames, deferred actions, streams. */
static void release_dying(struct bworker *w, uint64_t now)
{
	uint32_t i;

	dma_drain(w, now);
	for (i = 0; i < w->nb_flows; i++) {
		struct bflow *fl = &w->flows[i];

		if (fl->ctx == NULL || !atomic_load(&fl->ctx->dying))
			continue;
		if (fl->slot != SLOT_NONE)
			frame_drop(w, fl, SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE);
		flow_forget(w, fl);
	}
}

static void sweep(struct sluice_bridge *b, struct bworker *w, uint64_t now)
{
	uint32_t i, k;

	/* Frames idle past the timeout; the list shrinks under us, so walk it backwards. */
	for (i = w->nb_open; i-- > 0;) {
		struct bflow *fl = &w->flows[w->open[i]];

		if (now - fl->last_tsc > b->frame_timeout_tsc && now > fl->last_tsc) {
			sluice_asm_flow_abandon(&fl->track);
			frame_drop(w, fl, SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT);
		}
	}
	/* Idle streams, a few per sweep. */
	for (k = 0; k < 64 && w->nb_flows; k++) {
		struct bflow *fl = &w->flows[w->sweep_pos];

		if (fl->ctx != NULL && fl->slot == SLOT_NONE && now > fl->last_tsc &&
		    now - fl->last_tsc > b->flow_idle_tsc)
			flow_forget(w, fl);
		w->sweep_pos = (w->sweep_pos + 1) % w->nb_flows;
	}
}

uint16_t sluice_bridge_worker_poll(struct sluice_bridge *b, uint16_t worker, uint64_t now,
				   struct rte_mbuf **out, uint16_t n)
{
	struct bworker *w = &b->w[worker];
	uint64_t e;

	if (w->dma_dev >= 0 && (w->fifo_len > 0 || dma_busy(w)))
		dma_poll(w, now);
	e = atomic_load_explicit(&b->epoch, memory_order_acquire);
	if (unlikely(e != w->seen_epoch)) {
		release_dying(w, now);
		w->seen_epoch = e;
		atomic_store_explicit(&w->acked_epoch, e, memory_order_release);
	}
	if (now >= w->next_sweep) {
		if (w->nb_open > 0 || w->nb_flows)
			sweep(b, w, now);
		w->next_sweep = now + b->sweep_tsc;
	}
	if (rte_ring_count(w->results) == 0)
		return 0;
	return (uint16_t)rte_ring_sc_dequeue_burst(w->results, (void **)out, n, NULL);
}

/* Shutdown: wait for the engine, free the mbufs it held, forget every stream. */
void bridge_worker_release_all(struct sluice_bridge *b, struct bworker *w)
{
	uint32_t i;

	RTE_SET_USED(b);
	if (w->dma_dev >= 0) {
		if (w->dma_pending)
			rte_dma_submit(w->dma_dev, 0);
		while (dma_busy(w)) {
			uint16_t last;
			bool err = false;
			uint16_t n = rte_dma_completed(w->dma_dev, 0, 64, &last, &err);

			w->dma_completed += n;
			if (err) {
				enum rte_dma_status_code st[64];

				w->dma_completed += rte_dma_completed_status(w->dma_dev, 0, 64, &last, st);
			}
			rte_pause();
		}
		/* Contexts are going too: only the mbufs matter. */
		while (w->fifo_len > 0) {
			struct fifo_ent *e = &w->fifo[w->fifo_head];

			if (e->kind == FIFO_FREE)
				rte_pktmbuf_free(e->ptr);
			w->fifo_head = (w->fifo_head + 1) & (DMA_FIFO - 1);
			w->fifo_len--;
		}
	}
	for (i = 0; w->flows != NULL && i < w->nb_flows; i++)
		if (w->flows[i].ctx != NULL)
			flow_forget(w, &w->flows[i]);
	w->nb_open = 0;
}
