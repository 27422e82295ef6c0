/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scheduler: one thread that owns every context's device queue. Each
 * round it collects completions (and gives up on ops past the op timeout),
 * pulls complete frames off the ready rings, then hands the device at most
 * dev_inflight ops, choosing by priority, then deficit round robin by
 * weight, within quotas and batching rules. Results go back as mbufs to the
 * worker that ingested each frame.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "bridge_priv.h"
#include "sluice_nmodel.h"

/* ---- Result messages ---------------------------------------------------------------- */

static inline void put16(uint8_t *p, uint16_t v)
{
	v = rte_cpu_to_be_16(v);
	memcpy(p, &v, 2);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

static inline void put64(uint8_t *p, uint64_t v)
{
	v = rte_cpu_to_be_64(v);
	memcpy(p, &v, 8);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Swap an IP header's addresses and set its length to `len` bytes from its start. */
static void ip_turn(uint8_t *ip, uint32_t len)
{
	if ((ip[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		swap_bytes(ip + 12, ip + 16, 4);
		h->total_length = rte_cpu_to_be_16((uint16_t)len);
		h->time_to_live = 64;
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		swap_bytes(ip + 8, ip + 24, 16);
		put16(ip + 4, (uint16_t)(len - 40));
		ip[7] = 64;
	}
}

/* UDP checksum over the pseudo-header of the IP header at `ip`. */
static uint16_t udp_cksum(const uint8_t *ip, const uint8_t *udp, uint32_t udp_len)
{
	uint32_t sum;
	uint16_t l = rte_cpu_to_be_16((uint16_t)udp_len), pr = rte_cpu_to_be_16(IPPROTO_UDP);
	uint16_t c;

	if ((ip[0] >> 4) == 4)
		sum = rte_raw_cksum(ip + 12, 8);
	else
		sum = rte_raw_cksum(ip + 8, 32);
	sum += l + pr;
	sum += rte_raw_cksum(udp, udp_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	return c == 0 ? 0xffff : c;
}

/* Turn the first packet's headers around: the result goes back the way the frame came. */
static void hdr_turn(uint8_t *h, const struct slot *s, uint32_t total)
{
	uint8_t *udp = h + s->l4_off;
	uint32_t udp_len = total - s->l4_off;

	swap_bytes(h, h + 6, 6);
	if (s->pkt_flags & SLUICE_PKT_VXLAN) {
		uint32_t ol3 = 14u + 4u * s->nb_vlans, ol4 = s->inner_off - 16u;

		ip_turn(h + ol3, total - ol3);
		put16(h + ol4 + 4, (uint16_t)(total - ol4));
		put16(h + ol4 + 6, 0); /* VXLAN's outer UDP checksum may be zero */
		swap_bytes(h + s->inner_off, h + s->inner_off + 6, 6);
	}
	ip_turn(h + s->l3_off, total - s->l3_off);
	swap_bytes(udp, udp + 2, 2);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	{
		uint16_t c = udp_cksum(h + s->l3_off, udp, udp_len);

		memcpy(udp + 6, &c, 2);
	}
}

/* Headers to an explicit destination: Ethernet, IPv4, UDP. */
static void hdr_build(uint8_t *h, const struct sluice_npu_result_dest *d, uint16_t sport,
		      uint32_t total)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + 14);
	uint8_t *udp = h + 34;
	uint16_t c;

	memcpy(h, d->dst_mac, 6);
	memcpy(h + 6, d->src_mac, 6);
	put16(h + 12, RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(total - 14));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = d->src_ip;
	ip->dst_addr = d->dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	put16(udp, sport);
	put16(udp + 2, d->dport);
	put16(udp + 4, (uint16_t)(total - 34));
	put16(udp + 6, 0);
	c = udp_cksum((const uint8_t *)ip, udp, total - 34);
	memcpy(udp + 6, &c, 2);
}

static unsigned int log2_bucket(uint64_t ns)
{
	unsigned int k = ns < 2 ? 0 : 63u - (unsigned int)__builtin_clzll(ns);

	return k < SLUICE_BRIDGE_HIST ? k : SLUICE_BRIDGE_HIST - 1;
}

static uint8_t status_of(int32_t st)
{
	switch (st) {
	case 0:
		return SLUICE_RESULT_OK;
	case -EFAULT:
		return SLUICE_RESULT_WINDOW_FAULT;
	case -EINVAL:
		return SLUICE_RESULT_INVALID;
	case -ETIMEDOUT:
		return SLUICE_RESULT_TIMEOUT;
	default:
		return SLUICE_RESULT_DEVICE_ERROR;
	}
}

static void result_send(struct sluice_bridge *b, struct bctx *c, uint32_t slot, int32_t dev_status,
			uint32_t device_ns, uint64_t now)
{
	const struct sluice_npu_result_dest *d = &c->conf.result;
	const struct slot *s = &c->slots[slot];
	uint32_t hl, plen = SLUICE_RESULT_HDR_LEN + 4u * c->nb_classes, k;
	uint8_t status = status_of(dev_status);
	uint16_t cls = UINT16_MAX;
	uint64_t ns = 0;
	struct rte_mbuf *m;
	uint8_t *p, *r;

	if (now > s->first_tsc)
		ns = (now - s->first_tsc) * 1000000000ull / b->tsc_hz;
	c->ss.hist[log2_bucket(ns)]++;
	hl = d->to_sender ? s->hdr_len : 42u;
	m = hl ? rte_pktmbuf_alloc(b->opts.pool) : NULL;
	p = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + plen)) : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(m);
		c->ss.ctr[SLUICE_BRIDGE_CTR_RESULTS_DROPPED]++;
		return;
	}
	r = p + hl;
	memset(r, 0, plen);
	put32(r, SLUICE_RESULT_MAGIC);
	r[4] = SLUICE_RESULT_VERSION;
	r[5] = status;
	put16(r + 6, c->nb_classes);
	put32(r + 8, s->frame);
	put32(r + 12, s->ssrc);
	put32(r + 20, device_ns);
	put64(r + 24, ns);
	memcpy(r + 32, c->conf.name, SLUICE_NAME_MAX);
	if (status == SLUICE_RESULT_OK) {
		const uint8_t *out = c->win_va + c->out_off + (uint64_t)slot * c->out_stride;
		int32_t sc[1024];

		/* Copied out of device memory once, then used. */
		memcpy(sc, out, 4u * c->nb_classes);
		cls = sluice_nmodel_argmax(sc, c->nb_classes);
		for (k = 0; k < c->nb_classes; k++)
			put32(r + SLUICE_RESULT_HDR_LEN + 4 * k, (uint32_t)sc[k]);
	}
	put16(r + 16, cls);
	if (d->to_sender) {
		memcpy(p, s->hdr, hl);
		hdr_turn(p, s, hl + plen);
		m->port = s->port;
	} else {
		hdr_build(p, d, d->sport ? d->sport : s->dport, hl + plen);
		m->port = d->port;
	}
	if (rte_ring_sp_enqueue(b->w[s->worker].results, m) != 0) {
		rte_pktmbuf_free(m);
		c->ss.ctr[SLUICE_BRIDGE_CTR_RESULTS_DROPPED]++;
		return;
	}
	c->ss.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT]++;
}

/* ---- Device queues ----------------------------------------------------------------- */

static void fly_remove(struct ctx_sched *q, uint32_t depth, uint32_t slot)
{
	uint32_t i, j;

	if (q->fly[q->fly_head] == slot) {
		q->fly_head = (q->fly_head + 1) % depth;
		q->fly_len--;
		return;
	}
	/* Out of order: rare, the device completes a context's ops in order. */
	for (i = 1; i < q->fly_len; i++) {
		if (q->fly[(q->fly_head + i) % depth] != slot)
			continue;
		for (j = i; j + 1 < q->fly_len; j++)
			q->fly[(q->fly_head + j) % depth] = q->fly[(q->fly_head + j + 1) % depth];
		q->fly_len--;
		return;
	}
}

static void on_completion(struct sluice_bridge *b, struct bctx *c, struct sluice_npu_op *op,
			  uint64_t now)
{
	uint32_t slot = (uint32_t)op->user_data;
	struct slot *s;

	if (slot >= c->depth)
		return;
	s = &c->slots[slot];
	if (s->state == SLOT_TIMED_OUT) {
		c->sch.quarantined--;
		c->ss.ctr[SLUICE_BRIDGE_CTR_LATE_COMPLETIONS]++;
		bridge_slot_free(c, slot);
		return;
	}
	if (s->state != SLOT_INFLIGHT)
		return;
	fly_remove(&c->sch, c->depth, slot);
	b->inflight--;
	c->ss.ctr[op->status == 0 ? SLUICE_BRIDGE_CTR_FRAMES_INFERRED :
				    SLUICE_BRIDGE_CTR_FRAMES_ERRORS]++;
	result_send(b, c, slot, op->status, op->device_ns, now);
	bridge_slot_free(c, slot);
}

/*
 * A hung op keeps its frame buffer (the device could still write its output).
 * A driver takes them back by resetting the context's queues: once nothing
 * else is in flight, or at once when hung ops hold half the buffers (ops
 * still in flight then come back cancelled: device error).
 */
static unsigned int sched_reset(struct sluice_bridge *b, struct bctx *c, uint64_t now)
{
	struct sluice_npu_op *ops[SLUICE_NPU_QUEUE_DEPTH_MAX];
	int n, i;

	if (c->sch.quarantined == 0 || (c->sch.fly_len > 0 && c->sch.quarantined * 2 < c->depth))
		return 0;
	n = sluice_npu_ctx_reset(b->dev, c->dev_ctx, ops, RTE_DIM(ops));
	if (n < 0)
		return 0; /* a device without resets: the buffers wait for late completions */
	c->ss.ctr[SLUICE_BRIDGE_CTR_CTX_RESETS]++;
	for (i = 0; i < n; i++) {
		uint32_t slot = (uint32_t)ops[i]->user_data;

		if (slot < c->depth && c->slots[slot].state == SLOT_TIMED_OUT) {
			c->sch.quarantined--;
			bridge_slot_free(c, slot);
		} else {
			on_completion(b, c, ops[i], now);
		}
	}
	return (unsigned int)n + 1;
}

static unsigned int sched_complete(struct sluice_bridge *b, struct bctx *c, uint64_t now)
{
	struct sluice_npu_op *ops[32];
	unsigned int work = 0;
	uint16_t n, i;

	if (c->sch.fly_len == 0 && c->sch.quarantined == 0)
		return 0;
	do {
		n = sluice_npu_dequeue_burst(b->dev, c->dev_ctx, ops, RTE_DIM(ops));
		for (i = 0; i < n; i++)
			on_completion(b, c, ops[i], now);
		work += n;
	} while (n == RTE_DIM(ops));
	/* The oldest op past the timeout: a device fault. Its slot waits for the op. */
	while (c->sch.fly_len > 0) {
		uint32_t slot = c->sch.fly[c->sch.fly_head];
		struct slot *s = &c->slots[slot];

		if (now <= s->submit_tsc || now - s->submit_tsc < b->op_timeout_tsc)
			break;
		c->sch.fly_head = (c->sch.fly_head + 1) % c->depth;
		c->sch.fly_len--;
		b->inflight--;
		s->state = SLOT_TIMED_OUT;
		c->sch.quarantined++;
		c->ss.ctr[SLUICE_BRIDGE_CTR_OP_TIMEOUTS]++;
		c->ss.ctr[SLUICE_BRIDGE_CTR_FRAMES_ERRORS]++;
		result_send(b, c, slot, -ETIMEDOUT, 0, now);
		work++;
	}
	return work + sched_reset(b, c, now);
}

static void sched_pull(struct bctx *c)
{
	void *objs[64];
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst(c->ready_ring, objs, RTE_DIM(objs), NULL);
		for (i = 0; i < n; i++)
			c->sch.q[(c->sch.q_head + c->sch.q_len++) % c->depth] =
				(uint32_t)(uintptr_t)objs[i];
	} while (n == RTE_DIM(objs));
}

static void refill(struct sluice_bridge *b, struct bctx *c, uint64_t now)
{
	struct ctx_sched *q = &c->sch;

	RTE_SET_USED(b);
	if (c->conf.quota_fps == 0)
		return;
	if (now > q->last_refill) {
		uint64_t dt = now - q->last_refill, room = q->tokens_max - q->tokens;

		/* dt * quota_fps overflows after hours idle: compare before multiplying. */
		q->tokens = dt >= room / c->conf.quota_fps + 1 ? q->tokens_max :
			    RTE_MIN(q->tokens_max, q->tokens + dt * c->conf.quota_fps);
	}
	q->last_refill = now;
}

/* Frames the context may submit now (0: not eligible). */
static uint32_t ready_frames(const struct sluice_bridge *b, const struct bctx *c, uint64_t now)
{
	const struct ctx_sched *q = &c->sch;
	uint32_t n = q->q_len;

	if (n == 0 || q->busy_round == atomic_load_explicit(&b->round, memory_order_relaxed) + 1)
		return 0;
	if (c->conf.quota_fps) {
		uint64_t tok = q->tokens / b->tsc_hz;

		if (tok == 0)
			return 0;
		n = (uint32_t)RTE_MIN((uint64_t)n, tok);
	}
	if (q->q_len < c->conf.batch_threshold) {
		const struct slot *oldest = &c->slots[q->q[q->q_head]];
		uint64_t wait = (uint64_t)c->conf.batch_timeout_us * b->tsc_hz / 1000000;

		if (now < oldest->ready_tsc || now - oldest->ready_tsc < wait)
			return 0;
	}
	return n;
}

/*
 * Priority first; within one, deficit round robin with a quantum of `weight`
 * frames. The context under b->rr[p] keeps its turn while it has deficit
 * left, so a turn cut short by the device's credit resumes next round.
 */
#define PICK_PASSES (SLUICE_NPU_QUEUE_DEPTH_MAX + 2)

static struct bctx *pick(struct sluice_bridge *b, uint64_t now, uint32_t *nready)
{
	uint32_t hi = atomic_load(&b->ctx_hi);
	int p;

	if (hi == 0)
		return NULL;
	for (p = SLUICE_NPU_PRIORITY_MAX; p >= 0; p--) {
		unsigned int pass;

		/* A batch's debt is at most threshold - 1, so a few passes clear it. */
		for (pass = 0; pass < PICK_PASSES; pass++) {
			bool any = false;
			uint32_t k;

			for (k = 0; k < hi; k++) {
				uint32_t idx = b->rr[p] % hi;
				struct bctx *c = atomic_load_explicit(&b->ctx[idx],
								      memory_order_acquire);

				if (c != NULL && c->conf.priority == p && !atomic_load(&c->dying)) {
					uint32_t n = ready_frames(b, c, now);

					if (n > 0) {
						any = true;
						if (!c->sch.turn) {
							c->sch.turn = true;
							c->sch.deficit += c->conf.weight;
						}
						if (c->sch.deficit > 0) {
							*nready = n;
							return c;
						}
					} else if (c->sch.q_len == 0) {
						c->sch.deficit = 0; /* an idle context banks nothing */
					}
					c->sch.turn = false;
				}
				b->rr[p] = (idx + 1) % hi;
			}
			if (!any)
				break;
		}
	}
	return NULL;
}

static unsigned int submit(struct sluice_bridge *b, struct bctx *c, uint32_t n, uint64_t now)
{
	struct sluice_npu_op *ops[64];
	struct ctx_sched *q = &c->sch;
	uint16_t i, k;

	n = RTE_MIN(n, (uint32_t)RTE_DIM(ops));
	for (i = 0; i < n; i++) {
		uint32_t slot = q->q[(q->q_head + i) % c->depth];

		ops[i] = &c->ops[slot];
		ops[i]->status = 0;
		ops[i]->device_ns = 0;
		/* Zero copy: the frame is its gather list, in the window. */
		ops[i]->nb_segs = c->slots[slot].zc ? c->slots[slot].nb_segs : 0;
		ops[i]->segs_addr = c->win_addr + c->seg_off +
				    (uint64_t)slot * SLUICE_NPU_SEGS_MAX * sizeof(struct sluice_npu_seg);
		c->slots[slot].submit_tsc = now;
		c->slots[slot].state = SLOT_INFLIGHT;
	}
	k = sluice_npu_enqueue_burst(b->dev, c->dev_ctx, ops, (uint16_t)n);
	for (i = k; i < n; i++)
		c->slots[q->q[(q->q_head + i) % c->depth]].state = SLOT_READY;
	for (i = 0; i < k; i++) {
		c->ss.ctr[SLUICE_BRIDGE_CTR_FRAMES_GATHERED] += c->slots[q->q[q->q_head]].zc;
		q->fly[(q->fly_head + q->fly_len++) % c->depth] = q->q[q->q_head];
		q->q_head = (q->q_head + 1) % c->depth;
		q->q_len--;
	}
	if (k < n) {
		c->ss.ctr[SLUICE_BRIDGE_CTR_DEVICE_BUSY]++;
		q->busy_round = atomic_load_explicit(&b->round, memory_order_relaxed) + 1;
	}
	if (k > 0)
		c->ss.ctr[SLUICE_BRIDGE_CTR_BATCHES]++;
	b->inflight += k;
	q->deficit -= k;
	if (c->conf.quota_fps)
		q->tokens -= (uint64_t)k * b->tsc_hz;
	return k;
}

/* A retired context: once workers let go, queued frames are dropped, ops finish, it is done. */
static unsigned int sched_dying(struct sluice_bridge *b, struct bctx *c, uint64_t now)
{
	unsigned int work;

	if (atomic_load(&c->sched_done))
		return 0;
	work = sched_complete(b, c, now);
	if (!bridge_workers_released(b, c))
		return work;
	sched_pull(c);
	while (c->sch.q_len > 0) {
		bridge_slot_free(c, c->sch.q[c->sch.q_head]);
		c->sch.q_head = (c->sch.q_head + 1) % c->depth;
		c->sch.q_len--;
		c->ss.ctr[SLUICE_BRIDGE_CTR_FRAMES_CANCELLED]++;
		work++;
	}
	if (c->sch.fly_len == 0)
		atomic_store(&c->sched_done, true);
	return work;
}

/* Shutdown or destruction: forget what the scheduler holds (the device context goes too). */
void bridge_sched_drop_ctx(struct sluice_bridge *b, struct bctx *c)
{
	b->inflight -= RTE_MIN(b->inflight, c->sch.fly_len);
	c->sch.fly_len = c->sch.q_len = 0;
}

static unsigned int sched_round(struct sluice_bridge *b)
{
	uint32_t hi = atomic_load(&b->ctx_hi), i;
	unsigned int work = 0;
	uint64_t now;

	atomic_store(&b->in_round, true);
	now = bridge_now(b);
	for (i = 0; i < hi && b->dev != NULL; i++) {
		struct bctx *c = atomic_load_explicit(&b->ctx[i], memory_order_acquire);

		if (c == NULL)
			continue;
		if (atomic_load(&c->dying)) {
			work += sched_dying(b, c, now);
			continue;
		}
		work += sched_complete(b, c, now);
		sched_pull(c);
		refill(b, c, now);
	}
	while (b->dev != NULL && b->inflight < b->dev_inflight) {
		uint32_t n;
		struct bctx *c = pick(b, now, &n);
		unsigned int k;

		if (c == NULL)
			break;
		n = RTE_MIN(n, (uint32_t)(b->dev_inflight - b->inflight));
		/* A batch may overdraw the deficit; the debt is paid in later turns. */
		if ((int64_t)n > c->sch.deficit && n > c->conf.batch_threshold)
			n = (uint32_t)RTE_MAX(c->sch.deficit, (int64_t)c->conf.batch_threshold);
		k = submit(b, c, n, now);
		work += k;
		if (k == 0)
			c->sch.turn = false;
	}
	atomic_fetch_add(&b->round, 1);
	atomic_store(&b->in_round, false);
	return work;
}

unsigned int sluice_bridge_service_poll(struct sluice_bridge *b)
{
	return sched_round(b);
}

/* Whether the scheduler has anything to walk: no device or no context means no work can come. */
static bool has_ctx(struct sluice_bridge *b)
{
	uint32_t hi = atomic_load(&b->ctx_hi), i;

	if (b->dev == NULL)
		return false;
	for (i = 0; i < hi; i++)
		if (atomic_load_explicit(&b->ctx[i], memory_order_relaxed) != NULL)
			return true;
	return false;
}

/*
 * Busy while there is work; after 1000 idle rounds, naps of 50 us. With no
 * context at all, naps of 1 ms: this thread shares a CPU with the control
 * thread (and, next to a VM, the guest's vCPU), and 20,000 wakeups a second
 * for nothing cost that CPU about 5%. A context that appears waits at most
 * one such nap for its first round.
 */
static void *service_main(void *arg)
{
	struct sluice_bridge *b = arg;
	const struct timespec nap = { 0, 50000 }, long_nap = { 0, 1000000 };
	unsigned int idle = 0;

	while (!atomic_load(&b->service_quit)) {
		if (sched_round(b) != 0 || b->inflight > 0) {
			idle = 0;
			continue;
		}
		if (++idle < 1000) {
			rte_pause();
			continue;
		}
		nanosleep(has_ctx(b) ? &nap : &long_nap, NULL);
	}
	return NULL;
}

int sluice_bridge_service_start(struct sluice_bridge *b)
{
	int ret;

	if (b->service_running)
		return -EALREADY;
	atomic_store(&b->service_quit, false);
	ret = rte_ctrl_thread_create(&b->service, "sluice-npu", NULL, service_main, b);
	if (ret != 0)
		return -ret;
	b->service_running = true;
	return 0;
}

void sluice_bridge_service_stop(struct sluice_bridge *b)
{
	if (!b->service_running)
		return;
	atomic_store(&b->service_quit, true);
	pthread_join(b->service, NULL);
	b->service_running = false;
}
