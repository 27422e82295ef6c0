/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: run to completion over bursts. Each stage is a loop over the
 * burst (parse, tenant, exact flow, wildcard rules, actions, transmit), so
 * each table is touched by one tight loop and the hash and ACL lookups run
 * in bulk. Stage costs are sampled on one iteration in 64.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>
#include <rte_vhost.h>

#include "sluice_dp_priv.h"

#define STAGE_SAMPLE_MASK 63
#define NO_ACTION UINT32_MAX

static inline void drop_pkt(struct dp_worker *w, struct burst *b, struct rte_mbuf *m,
			    enum sluice_drop why)
{
	dp_drop(w, b, m, why);
}

/* Parse the burst; refused packets leave it, the rest are compacted. */
static void stage_parse(struct sluice_dp *dp, struct dp_worker *w, const struct dp_table *t,
			struct burst *b)
{
	uint16_t i, k = 0, n = b->n;
	uint64_t bytes = 0;
	bool tags_only = t->port_tags_only[b->port];

	if (t->port_l2only[b->port]) {
		dp_parse_l2only(w, b);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		enum sluice_drop r;

		if (i + 2 < n)
			rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + 2], void *));
		bytes += m->pkt_len;
		r = tags_only ? sluice_parse_l2(m, &b->meta[k]) :
				sluice_parse(m, &b->meta[k], dp->vxlan_port);
		if (unlikely(r != SLUICE_DROP_NONE)) {
			drop_pkt(w, b, m, r);
			continue;
		}
		b->pkts[k++] = m;
	}
	w->st.rx_bytes[b->port] += bytes;
	b->n = k;
}

static inline uint16_t ext_lookup(const struct dp_table *t, struct ext_key *k)
{
	void *data;

	if (rte_hash_lookup_data(t->ext_tenant, k, &data) < 0)
		return 0;
	return (uint16_t)((uintptr_t)data + 1);
}

/* Most specific first: VNI, QinQ, VLAN, port. Returns tenant index + 1, 0 for none. */
static inline uint16_t tenant_lookup(const struct dp_table *t, uint16_t port,
				     const struct sluice_pkt *p)
{
	struct ext_key k;
	uint16_t ti;

	/* A vNIC's frames are its tenant's, whatever VLAN or VNI they carry. */
	if (t->port_owned[port])
		return t->port_tenant[port];
	if (unlikely(t->has_vni && (p->flags & SLUICE_PKT_VXLAN))) {
		memset(&k, 0, sizeof(k));
		k.kind = EXT_VNI;
		k.vni = p->vni;
		k.port = port;
		if ((ti = ext_lookup(t, &k)) != 0)
			return ti;
		k.port = SLUICE_PORT_ANY;
		if ((ti = ext_lookup(t, &k)) != 0)
			return ti;
	}
	if (unlikely(t->has_qinq && p->nb_vlans == 2)) {
		memset(&k, 0, sizeof(k));
		k.kind = EXT_QINQ;
		k.port = port;
		k.vlan = p->outer_vlan;
		k.inner_vlan = p->inner_vlan;
		if ((ti = ext_lookup(t, &k)) != 0)
			return ti;
	}
	if (p->nb_vlans && t->vlan_tenant != NULL && (ti = t->vlan_tenant[port][p->outer_vlan]) != 0)
		return ti;
	return t->port_tenant[port];
}

static void stage_tenant(struct dp_worker *w, const struct dp_table *t, struct burst *b)
{
	uint16_t i, k = 0;

	for (i = 0; i < b->n; i++) {
		uint16_t ti = tenant_lookup(t, b->port, &b->meta[i]);

		if (unlikely(ti == 0)) {
			drop_pkt(w, b, b->pkts[i], SLUICE_DROP_NO_TENANT);
			continue;
		}
		if (k != i) {
			b->pkts[k] = b->pkts[i];
			b->meta[k] = b->meta[i];
		}
		b->tenant[k] = ti - 1;
		b->action[k] = NO_ACTION;
		k++;
	}
	b->n = k;
}

/* Exact flows: one bulk hash lookup per family. */
static void stage_flow(const struct dp_table *t, struct burst *b)
{
	struct flow4_key k4[SLUICE_DP_BURST_MAX];
	struct flow6_key k6[SLUICE_DP_BURST_MAX];
	const void *kp[SLUICE_DP_BURST_MAX];
	void *data[SLUICE_DP_BURST_MAX];
	uint16_t idx[SLUICE_DP_BURST_MAX];
	uint64_t hits;
	uint16_t i, n;

	if (t->flow4 != NULL) {
		for (i = 0, n = 0; i < b->n; i++) {
			const struct sluice_pkt *p = &b->meta[i];
			struct flow4_key *k = &k4[n];

			if (p->family != 4)
				continue;
			k->tenant = b->tenant[i];
			k->proto = p->proto;
			k->pad = 0;
			memcpy(&k->src, p->src, 4);
			memcpy(&k->dst, p->dst, 4);
			k->sport = rte_cpu_to_be_16(p->sport);
			k->dport = rte_cpu_to_be_16(p->dport);
			kp[n] = k;
			idx[n++] = i;
		}
		if (n && rte_hash_lookup_bulk_data(t->flow4, kp, n, &hits, data) > 0)
			for (i = 0; i < n; i++)
				if (hits & (1ull << i)) {
					b->action[idx[i]] = (uint32_t)(uintptr_t)data[i];
					/* 100k actions miss L2; fetch while the rest classifies. */
					rte_prefetch0(&t->actions[b->action[idx[i]]]);
				}
	}
	if (t->flow6 != NULL) {
		for (i = 0, n = 0; i < b->n; i++) {
			const struct sluice_pkt *p = &b->meta[i];
			struct flow6_key *k = &k6[n];

			if (p->family != 6)
				continue;
			k->tenant = b->tenant[i];
			k->proto = p->proto;
			k->pad = 0;
			memcpy(k->src, p->src, 16);
			memcpy(k->dst, p->dst, 16);
			k->sport = rte_cpu_to_be_16(p->sport);
			k->dport = rte_cpu_to_be_16(p->dport);
			kp[n] = k;
			idx[n++] = i;
		}
		if (n && rte_hash_lookup_bulk_data(t->flow6, kp, n, &hits, data) > 0)
			for (i = 0; i < n; i++)
				if (hits & (1ull << i)) {
					b->action[idx[i]] = (uint32_t)(uintptr_t)data[i];
					/* 100k actions miss L2; fetch while the rest classifies. */
					rte_prefetch0(&t->actions[b->action[idx[i]]]);
				}
	}
}

/* Wildcard rules for what exact flows missed; then the tenant default. */
static void stage_acl(const struct dp_table *t, struct burst *b)
{
	struct acl4_key k4[SLUICE_DP_BURST_MAX];
	struct acl6_key k6[SLUICE_DP_BURST_MAX];
	const uint8_t *kp[SLUICE_DP_BURST_MAX];
	uint32_t res[SLUICE_DP_BURST_MAX];
	uint16_t idx[SLUICE_DP_BURST_MAX];
	uint16_t i, n;

	if (t->acl4 != NULL) {
		for (i = 0, n = 0; i < b->n; i++) {
			const struct sluice_pkt *p = &b->meta[i];
			struct acl4_key *k = &k4[n];

			if (b->action[i] != NO_ACTION || p->family != 4)
				continue;
			memset(k, 0, sizeof(*k));
			k->proto = p->proto;
			k->tenant = rte_cpu_to_be_32(b->tenant[i]);
			memcpy(&k->src, p->src, 4);
			memcpy(&k->dst, p->dst, 4);
			k->sport = rte_cpu_to_be_16(p->sport);
			k->dport = rte_cpu_to_be_16(p->dport);
			kp[n] = (const uint8_t *)k;
			idx[n++] = i;
		}
		if (n && rte_acl_classify(t->acl4, kp, res, n, 1) == 0)
			for (i = 0; i < n; i++)
				if (res[i] != 0)
					b->action[idx[i]] = res[i] - 1;
	}
	if (t->acl6 != NULL) {
		for (i = 0, n = 0; i < b->n; i++) {
			const struct sluice_pkt *p = &b->meta[i];
			struct acl6_key *k = &k6[n];

			if (b->action[i] != NO_ACTION || p->family != 6)
				continue;
			memset(k, 0, sizeof(*k));
			k->proto = p->proto;
			k->tenant = rte_cpu_to_be_32(b->tenant[i]);
			memcpy(k->src, p->src, 16);
			memcpy(k->dst, p->dst, 16);
			k->sport = rte_cpu_to_be_16(p->sport);
			k->dport = rte_cpu_to_be_16(p->dport);
			kp[n] = (const uint8_t *)k;
			idx[n++] = i;
		}
		if (n && rte_acl_classify(t->acl6, kp, res, n, 1) == 0)
			for (i = 0; i < n; i++)
				if (res[i] != 0)
					b->action[idx[i]] = res[i] - 1;
	}
	for (i = 0; i < b->n; i++)
		if (b->action[i] == NO_ACTION)
			b->action[i] = b->tenant[i]; /* tenant default */
}

/* RFC 7348: the outer source port carries entropy from the inner flow. */
static inline uint16_t encap_sport(const struct sluice_pkt *p, const struct rte_mbuf *m)
{
	uint32_t h;

	if (p->family != 0) {
		/* rte_hash_crc loads 4 bytes at a time; the packet's addresses are 2-aligned. */
		uint32_t a[8];

		memcpy(a, p->src, 16);
		memcpy(a + 4, p->dst, 16);
		h = rte_hash_crc(a, p->family == 4 ? 4 : 16, p->proto);
		h = rte_hash_crc(a + 4, p->family == 4 ? 4 : 16, h);
		h = rte_hash_crc_4byte(((uint32_t)p->sport << 16) | p->dport, h);
	} else {
		uint32_t macs[3];

		memcpy(macs, rte_pktmbuf_mtod(m, const void *), sizeof(macs));
		h = rte_hash_crc(macs, sizeof(macs), 0);
	}
	return (uint16_t)(0xc000 | (h & 0x3fff));
}

/* Strip outer VLAN tags (if asked), then prepend the VXLAN header. */
enum sluice_drop dp_vxlan_encap(const struct dp_encap *e, struct rte_mbuf *m,
				const struct sluice_pkt *p, bool strip_vlans)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t sport = 0;
	uint32_t sum;
	uint8_t *h;

	if (e->derive_sport)
		sport = encap_sport(p, m);
	if (strip_vlans && p->nb_vlans) {
		uint16_t tags = 4 * p->nb_vlans;

		if (unlikely(m->data_len < 2 * RTE_ETHER_ADDR_LEN + tags))
			return SLUICE_DROP_HDR_SPLIT;
		h = rte_pktmbuf_mtod(m, uint8_t *);
		memmove(h + tags, h, 2 * RTE_ETHER_ADDR_LEN);
		rte_pktmbuf_adj(m, tags);
	}
	h = (uint8_t *)rte_pktmbuf_prepend(m, VXLAN_HDR_LEN);
	if (unlikely(h == NULL))
		return SLUICE_DROP_ENCAP_NO_HEADROOM;
	rte_memcpy(h, e->hdr, VXLAN_HDR_LEN);
	ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);
	udp = (struct rte_udp_hdr *)(ip + 1);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN));
	sum = e->ip_csum_base + ip->total_length;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
	if (sport == 0xffff || sport == 0)
		sport = 0xc000;
	if (e->derive_sport)
		udp->src_port = rte_cpu_to_be_16(sport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN -
						      sizeof(*ip)));
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
	return SLUICE_DROP_NONE;
}

/* Run each packet's actions; out_port[i] is set for forwarded packets, else UINT16_MAX. */
static void stage_action(struct dp_worker *w, const struct dp_table *t, struct burst *b,
			 uint64_t now)
{
	struct dp_table_worker *tw = (struct dp_table_worker *)&t->w[w->id];
	uint16_t i;

	b->nb_npu = 0;
	for (i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		const struct dp_action *a = &t->actions[b->action[i]];
		const struct sluice_pkt *p = &b->meta[i];
		uint32_t fl = a->flags, len = m->pkt_len;
		enum sluice_drop why = SLUICE_DROP_NONE;
		bool decapped = false;

		b->out_port[i] = UINT16_MAX;
		tw->tenant[a->tenant].pkts++;
		tw->tenant[a->tenant].bytes += len;
		if (fl & SLUICE_ACT_COUNT) {
			tw->action[b->action[i]].pkts++;
			tw->action[b->action[i]].bytes += len;
		}
		if (fl & SLUICE_ACT_DECAP) {
			if (!(p->flags & SLUICE_PKT_VXLAN))
				why = SLUICE_DROP_DECAP_NOT_VXLAN;
			else if (rte_pktmbuf_adj(m, p->inner_off) == NULL)
				why = SLUICE_DROP_HDR_SPLIT;
			decapped = true;
			if (why)
				goto out_drop;
		}
		if (fl & SLUICE_ACT_METER) {
			struct dp_meter *mt = &tw->meters[a->meter];
			enum rte_color c = rte_meter_trtcm_color_blind_check(
				&mt->m, (struct rte_meter_trtcm_profile *)&t->meter_profiles[a->meter],
				now, m->pkt_len);

			mt->color[c]++;
			if (c == RTE_COLOR_RED) {
				why = SLUICE_DROP_METER_RED;
				goto out_drop;
			}
		}
		if (fl & SLUICE_ACT_ENCAP) {
			why = dp_vxlan_encap(&t->encaps[a->encap], m, p, !decapped);
			if (why)
				goto out_drop;
		}
		if (likely(fl & SLUICE_ACT_FORWARD)) {
			b->out_port[i] = a->port;
			continue;
		}
		if (fl & SLUICE_ACT_SWITCH) {
			b->out_port[i] = DP_OUT_SWITCH;
			b->nb_switch++;
			continue;
		}
		if (fl & SLUICE_ACT_TO_NPU) {
			if (likely(a->npu != NULL)) {
				struct sluice_bridge_pkt *np = &b->npu[b->nb_npu++];

				np->m = m;
				np->ctx = a->npu;
				np->meta = p;
				np->port = b->port;
				continue;
			}
			why = SLUICE_DROP_NPU_NOT_ATTACHED;
		} else /* drop: a tenant default drop means nothing matched */
			why = b->action[i] < t->nb_tenants ? SLUICE_DROP_NO_FLOW :
							     SLUICE_DROP_ACTION_DROP;
out_drop:
		drop_pkt(w, b, m, why);
	}
	if (b->nb_npu) {
		struct sluice_bridge *br = w->dp->bridge;

		if (sluice_bridge_ingest(br, w->id, b->npu, b->nb_npu, now) != b->nb_npu)
			for (i = 0; i < b->nb_npu; i++)
				if (b->npu[i].drop != SLUICE_DROP_NONE)
					drop_pkt(w, b, b->npu[i].m, (enum sluice_drop)b->npu[i].drop);
	}
}

static void stage_tx(struct dp_worker *w, struct burst *b)
{
	uint16_t i;

	for (i = 0; i < b->n; i++) {
		uint16_t port = b->out_port[i];

		if (port == UINT16_MAX)
			continue;
		dp_tx(w, port, b->pkts[i]);
	}
}

/* testpmd io/macswap: port 2k <-> 2k+1 (a lone last port loops to itself). */
static void process_io(struct sluice_dp *dp, struct dp_worker *w, struct burst *b, bool swap)
{
	uint16_t out = b->port ^ 1, i;
	uint64_t bytes = 0;

	if (out >= dp->nb_ports)
		out = b->port;
	for (i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];

		bytes += m->pkt_len;
		if (swap && m->data_len >= RTE_ETHER_HDR_LEN) {
			struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
			struct rte_ether_addr tmp = eth->src_addr;

			eth->src_addr = eth->dst_addr;
			eth->dst_addr = tmp;
		}
		dp_tx(w, out, m);
	}
	w->st.rx_bytes[b->port] += bytes;
}

static void process_tenant(struct sluice_dp *dp, struct dp_worker *w, const struct dp_table *t,
			   struct burst *b, uint64_t now, bool sample, uint64_t tsc)
{
	uint64_t c[SLUICE_STAGE_MAX] = { 0 };
	uint16_t n = b->n;

	stage_parse(dp, w, t, b);
	if (sample)
		c[SLUICE_STAGE_PARSE] = rte_rdtsc();
	stage_tenant(w, t, b);
	if (sample)
		c[SLUICE_STAGE_TENANT] = rte_rdtsc();
	stage_flow(t, b);
	if (sample)
		c[SLUICE_STAGE_FLOW] = rte_rdtsc();
	stage_acl(t, b);
	if (sample)
		c[SLUICE_STAGE_ACL] = rte_rdtsc();
	stage_action(w, t, b, now);
	if (sample)
		c[SLUICE_STAGE_ACTION] = rte_rdtsc();
	if (b->nb_switch)
		dp_l2_stage(dp, w, t, b, now);
	if (sample)
		c[SLUICE_STAGE_L2] = rte_rdtsc();
	stage_tx(w, b);
	if (b->nb_drop)
		rte_pktmbuf_free_bulk(b->drop, b->nb_drop);
	if (sample) {
		c[SLUICE_STAGE_TX] = rte_rdtsc();
		w->st.stage_cyc[SLUICE_STAGE_PARSE] += c[SLUICE_STAGE_PARSE] - tsc;
		w->st.stage_cyc[SLUICE_STAGE_TENANT] += c[SLUICE_STAGE_TENANT] - c[SLUICE_STAGE_PARSE];
		w->st.stage_cyc[SLUICE_STAGE_FLOW] += c[SLUICE_STAGE_FLOW] - c[SLUICE_STAGE_TENANT];
		w->st.stage_cyc[SLUICE_STAGE_ACL] += c[SLUICE_STAGE_ACL] - c[SLUICE_STAGE_FLOW];
		w->st.stage_cyc[SLUICE_STAGE_ACTION] += c[SLUICE_STAGE_ACTION] - c[SLUICE_STAGE_ACL];
		w->st.stage_cyc[SLUICE_STAGE_L2] += c[SLUICE_STAGE_L2] - c[SLUICE_STAGE_ACTION];
		w->st.stage_cyc[SLUICE_STAGE_TX] += c[SLUICE_STAGE_TX] - c[SLUICE_STAGE_L2];
		w->st.stage_pkts += n;
	}
}

int sluice_dp_classify(struct sluice_dp *dp, uint16_t port, const struct sluice_pkt *p,
		       struct sluice_verdict *v)
{
	const struct dp_table *t;
	struct dp_worker scratch;
	struct burst b;
	int ret = 0;

	memset(&scratch, 0, sizeof(scratch)); /* absorbs the no_tenant count */
	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	b.n = 1;
	b.port = port;
	b.nb_drop = 0;
	b.pkts[0] = NULL;
	b.meta[0] = *p;
	stage_tenant(&scratch, t, &b);
	if (b.n == 0) {
		ret = -ENOENT;
		goto out_unlock;
	}
	stage_flow(t, &b);
	stage_acl(t, &b);
	snprintf(v->tenant, sizeof(v->tenant), "%s", t->tenant_names[b.tenant[0]]);
	v->kind = t->action_ids[b.action[0]].kind;
	snprintf(v->name, sizeof(v->name), "%s", t->action_ids[b.action[0]].name);
out_unlock:
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

/*
 * n frames to TX queue q of `port`; unsent ones are dropped (tx_full). A
 * vNIC's go straight to the guest's receive ring through the vhost library,
 * which copies them (and checks every guest address it writes to): the
 * PMD's transmit would count and free them one by one. Nothing is sent
 * while no guest is attached (vhost_vid -1, seen before the library frees
 * the device: on_lsc waits for the workers).
 */
static void port_send(struct dp_worker *w, uint16_t port, uint16_t q, struct rte_mbuf **pkts,
		      uint16_t n)
{
	uint16_t sent = 0, want, k;

	if (w->tx_vhost[port]) {
		int vid = atomic_load_explicit(&w->dp->vhost_vid[port], memory_order_acquire);

		/* The library takes at most 32 a call. */
		while (vid >= 0 && sent < n) {
			want = (uint16_t)RTE_MIN(n - sent, 32);
			k = rte_vhost_enqueue_burst(vid, (uint16_t)(2 * q), pkts + sent, want);
			sent = (uint16_t)(sent + k);
			if (k < want)
				break;
		}
		/* Copied or refused, every frame is done with. */
		rte_pktmbuf_free_bulk(pkts, n);
		w->st.tx_missed[port] += n - sent;
	} else {
		sent = rte_eth_tx_burst(port, q, pkts, n);
		if (unlikely(sent < n))
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
	w->st.tx_pkts[port] += sent;
	w->st.drops[SLUICE_DROP_TX_FULL] += n - sent;
}

void dp_tx_flush(struct dp_worker *w, uint16_t port)
{
	struct rte_eth_dev_tx_buffer *b = w->txb[port];
	uint16_t n = b->length;

	b->length = 0;
	port_send(w, port, w->txq_of[port], b->pkts, n);
}

void sluice_dp_worker_flush(struct sluice_dp *dp, uint16_t worker)
{
	struct dp_worker *w = &dp->workers[worker];
	uint16_t port;

	/* Empty buffers (ports gone, ports never used) cost a test and no call. */
	for (port = 0; port < SLUICE_DP_PORTS; port++)
		if (w->txb[port]->length)
			dp_tx_flush(w, port);
}

/* Send what other workers handed over for the vNIC TX queues this worker owns. */
static void drain_rings(struct dp_worker *w, const struct dp_table *t)
{
	struct rte_mbuf *pkts[SLUICE_DP_BURST_MAX];
	uint16_t i, n;

	for (i = 0; i < t->l2->nb_drain[w->id]; i++) {
		const struct dp_drain *d = &t->l2->drain[w->id][i];

		n = (uint16_t)rte_ring_sc_dequeue_burst(d->ring, (void **)pkts, RTE_DIM(pkts), NULL);
		if (n != 0)
			port_send(w, d->port, d->queue, pkts, n);
	}
}

/* The bridge's housekeeping; result messages leave on this worker's own TX queue. */
static void worker_npu_results(struct sluice_dp *dp, struct dp_worker *w, uint64_t now)
{
	struct rte_mbuf *res[SLUICE_DP_BURST_MAX];
	uint16_t n, i;

	n = sluice_bridge_worker_poll(dp->bridge, w->id, now, res, dp->burst);
	for (i = 0; i < n; i++) {
		uint16_t port = res[i]->port;

		if (unlikely(port >= SLUICE_DP_PORTS)) {
			w->st.drops[SLUICE_DROP_TX_FULL]++;
			rte_pktmbuf_free(res[i]);
			continue;
		}
		dp_tx(w, port, res[i]);
	}
}

/* One iteration; RCU reporting is the caller's. */
static uint32_t worker_iter(struct sluice_dp *dp, uint16_t worker)
{
	struct dp_worker *w = &dp->workers[worker];
	const struct dp_table *t;
	uint32_t total = 0;
	uint64_t now;
	uint16_t i;
	int mode;

	t = atomic_load_explicit(&dp->table, memory_order_acquire);
	/* Nothing buffered may outlive the table that chose its port: ports leave with tables. */
	if (unlikely(t->generation != w->table_gen)) {
		sluice_dp_worker_flush(dp, worker);
		w->table_gen = t->generation;
	}
	now = dp_now(dp);
	/* Frames in flight still get their results, stopped or not. */
	worker_npu_results(dp, w, now);
	if (!atomic_load_explicit(&dp->forwarding, memory_order_relaxed))
		return 0;
	mode = atomic_load_explicit(&dp->fwd_mode, memory_order_relaxed);
	for (i = 0; i < t->l2->nb_rxq[w->id]; i++) {
		const struct dp_rxq *q = &t->l2->rxq[w->id][i];
		struct burst b;
		bool sample = (w->bursts_seen & STAGE_SAMPLE_MASK) == 0;
		uint64_t t0 = 0, t1 = 0;

		if (sample)
			t0 = rte_rdtsc();
		b.port = q->port;
		b.n = rte_eth_rx_burst(b.port, q->queue, b.pkts, dp->burst);
		if (b.n == 0)
			continue;
		w->bursts_seen++;
		if (sample) {
			t1 = rte_rdtsc();
			w->st.stage_cyc[SLUICE_STAGE_RX] += t1 - t0;
		}
		b.nb_drop = 0;
		b.nb_switch = 0;
		total += b.n;
		w->st.rx_pkts[b.port] += b.n;
		w->st.bursts++;
		if (likely(mode == SLUICE_FWD_TENANT)) {
			process_tenant(dp, w, t, &b, now, sample, t1);
		} else {
			process_io(dp, w, &b, mode == SLUICE_FWD_MACSWAP);
			if (sample) {
				w->st.stage_cyc[SLUICE_STAGE_TX] += rte_rdtsc() - t1;
				w->st.stage_pkts += b.n;
			}
		}
	}
	if (now >= w->next_drain) {
		sluice_dp_worker_flush(dp, worker);
		w->next_drain = now + dp->drain_tsc;
	}
	if (t->l2->nb_drain[w->id])
		drain_rings(w, t);
	return total;
}

/*
 * For a thread that is not a launched worker: online only while it reads
 * the table, so an apply from this same thread between polls never waits
 * for itself, and one from another thread waits for the poll to finish.
 */
uint32_t sluice_dp_worker_poll(struct sluice_dp *dp, uint16_t worker)
{
	uint32_t n;

	rte_rcu_qsbr_thread_online(dp->qsbr, worker);
	n = worker_iter(dp, worker);
	rte_rcu_qsbr_thread_offline(dp->qsbr, worker);
	return n;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct sluice_dp *dp = w->dp;

	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	while (!atomic_load_explicit(&dp->quit, memory_order_relaxed)) {
		/* Stopped, it still follows table changes (and their port removals). */
		worker_iter(dp, w->id);
		rte_rcu_qsbr_quiescent(dp->qsbr, w->id);
		if (!atomic_load_explicit(&dp->forwarding, memory_order_relaxed))
			rte_pause();
	}
	sluice_dp_worker_flush(dp, w->id);
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	return 0;
}
