/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sluice_gen.h"

#define GEN_QUEUES_MAX 16
#define GEN_FRAMES_MAX 1024
#define GEN_PER_TENANT 16
#define GEN_FRAME_LEN 64 /* without FCS, as a NIC reports it: 60 minimum */
#define GEN_TICK_MAX 4096

struct gen_frame {
	uint16_t len;
	uint8_t data[128];
};

struct sluice_gen {
	uint16_t port;
	uint16_t nb_queues;
	uint64_t pps;
	uint64_t last_tsc;
	uint64_t credit; /* frames owed, times the TSC rate, so low rates stay exact */
	unsigned int next_frame;
	uint16_t next_queue;
	struct rte_ring *rx[GEN_QUEUES_MAX];
	struct rte_ring *tx[GEN_QUEUES_MAX];
	struct rte_mempool *pool;
	unsigned int nb_frames;
	struct gen_frame *frames;
	uint64_t sent, refused, returned;
};

struct gen_tuple {
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static uint8_t *put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	uint16_t t = rte_cpu_to_be_16(type);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	memcpy(p + 12, &t, 2);
	return p + 14;
}

/* Ethernet with VLAN tags for the match (none for port and VNI matches). */
static uint8_t *put_l2(uint8_t *p, const struct sluice_match *m, uint16_t type)
{
	uint16_t v;

	if (m == NULL || m->kind == SLUICE_MATCH_PORT || m->kind == SLUICE_MATCH_VNI)
		return put_eth(p, type);
	if (m->kind == SLUICE_MATCH_QINQ) {
		p = put_eth(p, RTE_ETHER_TYPE_QINQ);
		v = rte_cpu_to_be_16(m->vlan);
		memcpy(p, &v, 2);
		v = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		memcpy(p + 2, &v, 2);
		p += 4;
		v = rte_cpu_to_be_16(m->inner_vlan);
	} else {
		p = put_eth(p, RTE_ETHER_TYPE_VLAN);
		v = rte_cpu_to_be_16(m->vlan);
	}
	memcpy(p, &v, 2);
	v = rte_cpu_to_be_16(type);
	memcpy(p + 2, &v, 2);
	return p + 4;
}

/* IP + L4 of `t`, payload zero, total frame padded to GEN_FRAME_LEN by the caller. */
static uint8_t *put_l3(uint8_t *p, const struct gen_tuple *t, uint16_t l4_payload)
{
	uint16_t l4_len = (t->proto == IPPROTO_TCP ? 20 : 8) + l4_payload;
	uint8_t *l4;

	if (t->family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + l4_len);
		ip->time_to_live = 64;
		ip->next_proto_id = t->proto;
		memcpy(&ip->src_addr, t->src, 4);
		memcpy(&ip->dst_addr, t->dst, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4 = p + 20;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(l4_len);
		ip->proto = t->proto;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, t->src, 16);
		memcpy(ip->dst_addr, t->dst, 16);
		l4 = p + 40;
	}
	memset(l4, 0, l4_len);
	if (t->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)l4;

		tcp->src_port = rte_cpu_to_be_16(t->sport);
		tcp->dst_port = rte_cpu_to_be_16(t->dport);
		tcp->data_off = 5 << 4;
		tcp->tcp_flags = RTE_TCP_ACK_FLAG;
	} else if (t->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4;

		udp->src_port = rte_cpu_to_be_16(t->sport);
		udp->dst_port = rte_cpu_to_be_16(t->dport);
		udp->dgram_len = rte_cpu_to_be_16(l4_len);
	}
	return l4 + l4_len;
}

static void frame_add(struct sluice_gen *g, const struct sluice_match *m, const struct gen_tuple *t)
{
	struct gen_frame *f;
	uint8_t *p, *start;

	if (g->nb_frames == GEN_FRAMES_MAX)
		return;
	f = &g->frames[g->nb_frames++];
	memset(f, 0, sizeof(*f));
	start = p = f->data;
	if (m && m->kind == SLUICE_MATCH_VNI) {
		/* Outer Ethernet/IPv4/UDP/VXLAN around the tenant's inner frame. */
		struct gen_tuple outer = { .family = 4, .proto = IPPROTO_UDP,
					   .src = { 192, 0, 2, 1 }, .dst = { 192, 0, 2, 2 },
					   .sport = 49152, .dport = SLUICE_VXLAN_PORT };
		uint16_t inner_len = 14 + (t->family == 4 ? 20 : 40) + 8;
		uint8_t *vx;

		p = put_eth(p, RTE_ETHER_TYPE_IPV4);
		vx = put_l3(p, &outer, 8 + inner_len) - 8 - inner_len;
		vx[0] = 0x08;
		vx[4] = (uint8_t)(m->vni >> 16);
		vx[5] = (uint8_t)(m->vni >> 8);
		vx[6] = (uint8_t)m->vni;
		p = put_eth(vx + 8, t->family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
		p = put_l3(p, t, 0);
	} else {
		p = put_l2(p, m, t->family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
		p = put_l3(p, t, 0);
	}
	f->len = (uint16_t)RTE_MAX(p - start, GEN_FRAME_LEN);
}

/* A host inside a prefix: the prefix itself with its last bit set, so /32 stays exact. */
static void host_in(uint8_t out[16], const uint8_t addr[16], uint8_t family, uint8_t len)
{
	unsigned int bits = family == 4 ? 32 : 128;

	memcpy(out, addr, 16);
	if (len < bits)
		out[bits / 8 - 1] |= 1;
}

static void tuple_of(struct gen_tuple *t, const struct sluice_flow_match *fm)
{
	memset(t, 0, sizeof(*t));
	t->family = fm->family;
	t->proto = fm->proto_any ? IPPROTO_UDP : fm->proto;
	host_in(t->src, fm->src, fm->family, fm->src_len);
	host_in(t->dst, fm->dst, fm->family, fm->dst_len);
	t->sport = fm->sport_lo;
	t->dport = fm->dport_lo;
}

/* The match by which frames from the generator's port reach this tenant. */
static const struct sluice_match *reachable(const struct sluice_gen *g, const struct sluice_tenant *tn)
{
	uint32_t i;

	for (i = 0; i < tn->nb_matches; i++) {
		const struct sluice_match *m = &tn->matches[i];

		if (m->port == g->port || (m->kind == SLUICE_MATCH_VNI && m->port == SLUICE_PORT_ANY))
			return m;
	}
	return NULL;
}

unsigned int sluice_gen_set_config(struct sluice_gen *g, const struct sluice_config *cfg)
{
	static const struct gen_tuple nomatch = {
		.family = 4, .proto = IPPROTO_UDP, .src = { 203, 0, 113, 1 },
		.dst = { 203, 0, 113, 2 }, .sport = 9, .dport = 9,
	};
	const struct sluice_match stray = { .kind = SLUICE_MATCH_VLAN, .port = g->port, .vlan = 4094 };
	struct gen_tuple t;
	uint32_t i, j;

	g->nb_frames = 0;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];
		const struct sluice_match *m = reachable(g, tn);

		if (m == NULL)
			continue;
		for (j = 0; j < tn->nb_flows && j < GEN_PER_TENANT; j++) {
			tuple_of(&t, &tn->flows[j].match);
			frame_add(g, m, &t);
		}
		for (j = 0; j < tn->nb_rules && j < GEN_PER_TENANT; j++) {
			tuple_of(&t, &tn->rules[j].match);
			frame_add(g, m, &t);
		}
		frame_add(g, m, &nomatch);
	}
	/* One frame nobody claims, unless a tenant really owns VLAN 4094 here. */
	frame_add(g, &stray, &nomatch);
	g->next_frame = 0;
	return g->nb_frames;
}

struct sluice_gen *sluice_gen_create(const char *name, uint16_t nb_queues, uint64_t pps)
{
	char rname[RTE_RING_NAMESIZE];
	struct sluice_gen *g;
	uint16_t q;
	int port, err = ENOMEM;

	if (nb_queues == 0 || nb_queues > GEN_QUEUES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->frames = calloc(GEN_FRAMES_MAX, sizeof(*g->frames));
	if (g->frames == NULL)
		goto out_free;
	g->nb_queues = nb_queues;
	g->pps = pps;
	for (q = 0; q < nb_queues; q++) {
		snprintf(rname, sizeof(rname), "%s_rx%u", name, q);
		g->rx[q] = rte_ring_create(rname, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "%s_tx%u", name, q);
		g->tx[q] = rte_ring_create(rname, 1024, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (g->rx[q] == NULL || g->tx[q] == NULL)
			goto out_free_rings;
	}
	snprintf(rname, sizeof(rname), "%s_pool", name);
	g->pool = rte_pktmbuf_pool_create(rname, 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (g->pool == NULL)
		goto out_free_rings;
	port = rte_eth_from_rings(name, g->rx, nb_queues, g->tx, nb_queues, rte_socket_id());
	if (port < 0) {
		err = EINVAL;
		goto out_free_pool;
	}
	g->port = (uint16_t)port;
	g->last_tsc = rte_rdtsc();
	return g;

out_free_pool:
	rte_mempool_free(g->pool);
out_free_rings:
	for (q = 0; q < nb_queues; q++) {
		rte_ring_free(g->rx[q]);
		rte_ring_free(g->tx[q]);
	}
out_free:
	free(g->frames);
	free(g);
	errno = err;
	return NULL;
}

uint16_t sluice_gen_port(const struct sluice_gen *g)
{
	return g->port;
}

void sluice_gen_tick(struct sluice_gen *g)
{
	struct rte_mbuf *m[64];
	uint64_t now = rte_rdtsc(), due;
	unsigned int i, n, done;
	uint16_t q;

	for (q = 0; q < g->nb_queues; q++) {
		while ((n = rte_ring_dequeue_burst(g->tx[q], (void **)m, RTE_DIM(m), NULL)) > 0) {
			g->returned += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	/* A stalled main loop does not turn into a burst: at most GEN_TICK_MAX a tick. */
	g->credit += RTE_MIN(now - g->last_tsc, rte_get_tsc_hz()) * g->pps;
	g->last_tsc = now;
	due = g->credit / rte_get_tsc_hz();
	g->credit -= due * rte_get_tsc_hz();
	due = RTE_MIN(due, (uint64_t)GEN_TICK_MAX);
	if (g->nb_frames == 0)
		return;
	for (done = 0; done < due; done += n) {
		n = (unsigned int)RTE_MIN(due - done, RTE_DIM(m));
		if (rte_pktmbuf_alloc_bulk(g->pool, m, n) != 0)
			break;
		for (i = 0; i < n; i++) {
			const struct gen_frame *f = &g->frames[g->next_frame];

			rte_memcpy(rte_pktmbuf_mtod(m[i], void *), f->data, f->len);
			m[i]->data_len = m[i]->pkt_len = f->len;
			m[i]->port = g->port;
			g->next_frame = (g->next_frame + 1) % g->nb_frames;
		}
		i = rte_ring_enqueue_burst(g->rx[g->next_queue], (void **)m, n, NULL);
		g->sent += i;
		if (i < n) {
			g->refused += n - i;
			rte_pktmbuf_free_bulk(m + i, n - i);
		}
		g->next_queue = (uint16_t)((g->next_queue + 1) % g->nb_queues);
	}
}

void sluice_gen_stats(const struct sluice_gen *g, uint64_t *sent, uint64_t *refused,
		      uint64_t *returned)
{
	*sent = g->sent;
	*refused = g->refused;
	*returned = g->returned;
}

void sluice_gen_destroy(struct sluice_gen *g)
{
	uint16_t q;

	if (g == NULL)
		return;
	for (q = 0; q < g->nb_queues; q++) {
		rte_ring_free(g->rx[q]);
		rte_ring_free(g->tx[q]);
	}
	rte_mempool_free(g->pool);
	free(g->frames);
	free(g);
}
