/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
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
#include "sluice_parse.h"

#define GEN_QUEUES_MAX 16
#define GEN_FRAMES_MAX 1024
#define GEN_PER_TENANT 16
#define GEN_FRAME_LEN 64 /* without FCS, as a NIC reports it: 60 minimum */
#define GEN_TICK_MAX 4096
#define GEN_CAMERAS_MAX 16
#define GEN_CAMERA_FPS 30
#define GEN_RTP_CLOCK 90000
#define GEN_RTP_MTU 1200 /* RTP payload bytes per packet, at most */

/*
 * One digit of each class from the test half of sklearn's digits set (the
 * split tools/train_digits.py makes), each one the model gets right: pixel
 * values 0..16, row by row. A camera sends them in turn as video frames.
 */
static const uint8_t gen_digits[10][64] = {
	{ /* 0 */
	   0,  0,  5, 16, 14,  1,  0,  0,
	   0,  0, 14, 14, 14,  9,  0,  0,
	   0,  1, 15,  6,  1, 12,  1,  0,
	   0,  3, 16,  1,  0, 10,  4,  0,
	   0,  5, 16,  5,  0, 11,  2,  0,
	   0,  2, 16,  2,  3, 16,  0,  0,
	   0,  0, 11, 13, 14, 12,  0,  0,
	   0,  0,  3, 15, 15,  5,  0,  0,
	},
	{ /* 1 */
	   0,  0,  0,  1,  8, 16,  2,  0,
	   0,  0,  5, 13, 16, 16,  0,  0,
	   0, 11, 16, 15, 12, 16,  0,  0,
	   0,  3,  8,  1,  8, 16,  0,  0,
	   0,  0,  0,  0,  8, 16,  3,  0,
	   0,  0,  0,  0,  8, 16,  4,  0,
	   0,  0,  0,  0,  7, 16,  7,  0,
	   0,  0,  0,  0, 10, 16,  8,  0,
	},
	{ /* 2 */
	   0,  3, 15, 14,  5,  0,  0,  0,
	   0, 14, 14, 14, 15,  0,  0,  0,
	   0,  8,  1,  6, 16,  2,  0,  0,
	   0,  0,  0,  9, 16,  2,  0,  0,
	   0,  0,  1, 14, 11,  0,  0,  0,
	   0,  0,  9, 16,  2,  0,  1,  0,
	   0,  4, 16, 15,  8,  9, 15,  0,
	   0,  3, 16, 16, 16, 15,  5,  0,
	},
	{ /* 3 */
	   0,  0, 11, 16, 16, 10,  0,  0,
	   1, 14, 16,  9, 11, 16,  1,  0,
	   1, 14,  3,  0, 12, 14,  0,  0,
	   0,  0,  0,  6, 16,  7,  0,  0,
	   0,  0,  0,  0,  8, 16,  5,  0,
	   0,  0,  0,  0,  0, 12, 10,  0,
	   0,  0,  2,  4,  5, 14, 13,  0,
	   0,  0, 11, 16, 16, 16,  4,  0,
	},
	{ /* 4 */
	   0,  0,  0,  7, 14,  0,  0,  0,
	   0,  0,  4, 16,  5,  0,  0,  0,
	   0,  0, 14,  9,  0,  0, 10,  3,
	   0,  7, 15,  0,  0,  9, 15,  0,
	   0, 12, 15,  8, 10, 15, 10,  0,
	   0,  8, 15, 12, 16, 12,  1,  0,
	   0,  0,  0,  5, 15,  3,  0,  0,
	   0,  0,  0,  9, 13,  0,  0,  0,
	},
	{ /* 5 */
	   0,  0, 10, 10, 14, 16, 14,  0,
	   0,  0, 14,  8,  4,  0,  0,  0,
	   0,  0, 16,  0,  6, 11,  5,  0,
	   0,  3, 16, 14, 10, 10,  9,  0,
	   0,  3, 14,  5,  0,  9,  8,  0,
	   0,  0,  0,  0,  6, 13,  0,  0,
	   0,  0,  3,  9, 13,  3,  0,  0,
	   0,  0,  8, 13,  1,  0,  0,  0,
	},
	{ /* 6 */
	   0,  0,  0,  8, 15,  3,  0,  0,
	   0,  0,  1, 15, 11,  2,  0,  0,
	   0,  0, 13, 16,  1,  0,  0,  0,
	   0,  3, 16, 14,  0,  0,  0,  0,
	   0,  3, 16, 15,  5,  0,  0,  0,
	   0,  3, 15, 16, 11, 14,  7,  0,
	   0,  0, 11, 16,  6,  6, 15,  0,
	   0,  0,  0, 10, 14, 12,  8,  0,
	},
	{ /* 7 */
	   0,  0,  2, 10, 10, 12, 15, 10,
	   0,  0,  9, 16, 12,  8, 15,  6,
	   0,  0, 13,  9,  0,  4, 12,  1,
	   0,  1, 16,  3,  1, 13,  2,  0,
	   0,  0,  5,  0,  9,  7,  0,  0,
	   0,  0,  0,  3, 13,  1,  0,  0,
	   0,  0,  0, 12,  7,  0,  0,  0,
	   0,  0,  0, 14,  2,  0,  0,  0,
	},
	{ /* 8 */
	   0,  0,  5, 12, 13,  4,  0,  0,
	   0,  3, 16, 10,  2,  5,  9,  0,
	   0,  0, 15, 14, 11, 15,  3,  0,
	   0,  0,  7, 16, 15,  1,  0,  0,
	   0,  0,  3, 16, 16,  4,  0,  0,
	   0,  0,  8, 14, 13, 12,  0,  0,
	   0,  0, 12, 12, 13, 11,  0,  0,
	   0,  0,  7, 16, 11,  2,  0,  0,
	},
	{ /* 9 */
	   0,  0, 12, 16, 15,  6,  0,  0,
	   0,  0, 15, 12,  7, 15,  1,  0,
	   0,  1, 15, 15,  7, 16,  4,  0,
	   0,  1, 12, 16, 16, 14,  1,  0,
	   0,  0,  0,  4, 10, 13,  0,  0,
	   0,  0,  0,  0,  1, 15,  3,  0,
	   0,  0,  3,  0,  2, 16,  6,  0,
	   0,  0, 13, 16, 16, 15,  1,  0,
	},
};

struct gen_tuple {
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/*
 * A camera: an RTP raw video (RFC 4175) sender for a to_npu rule whose NPU
 * context takes RFC 4175 frames. It sends GEN_CAMERA_FPS frames per second
 * of the digits above, scaled to the context's geometry, and reads the result
 * messages that come back, so a default run shows frames being inferred.
 */
struct gen_camera {
	struct sluice_match match;
	struct gen_tuple tuple;
	uint16_t width, height;
	uint8_t bpp;            /* bytes per pixel: 1 gray8, 3 rgb8 */
	uint8_t payload_type;
	uint32_t ssrc;
	uint32_t seq;           /* extended sequence number */
	uint32_t frame;         /* frames sent */
	uint64_t next_tsc;
};

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
	unsigned int nb_cameras;
	struct gen_camera cameras[GEN_CAMERAS_MAX];
	unsigned int nb_old_cameras;
	uint32_t next_ssrc;
	struct gen_camera old_cameras[GEN_CAMERAS_MAX];
	struct sluice_gen_npu_stats npu;
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

/* The tenant's NPU context called `name`, or NULL. */
static const struct sluice_npu_context *npu_context(const struct sluice_tenant *tn, const char *name)
{
	uint32_t i;

	for (i = 0; i < tn->nb_npu_contexts; i++)
		if (strcmp(tn->npu_contexts[i].name, name) == 0)
			return &tn->npu_contexts[i];
	return NULL;
}

/*
 * The same camera before the configuration change (same match, tuple and
 * geometry): carry its stream on. A restarted RTP stream with the same SSRC
 * would look late to the frame assembler, whose stream state the data plane
 * keeps across the change.
 */
static void camera_keep(struct sluice_gen *g, struct gen_camera *cam)
{
	unsigned int i;

	for (i = 0; i < g->nb_old_cameras; i++) {
		const struct gen_camera *o = &g->old_cameras[i];

		if (o->match.kind == cam->match.kind && o->match.port == cam->match.port &&
		    o->match.vlan == cam->match.vlan &&
		    o->match.inner_vlan == cam->match.inner_vlan &&
		    memcmp(&o->tuple, &cam->tuple, sizeof(cam->tuple)) == 0 &&
		    o->width == cam->width && o->height == cam->height && o->bpp == cam->bpp) {
			cam->ssrc = o->ssrc;
			cam->seq = o->seq;
			cam->frame = o->frame;
			cam->next_tsc = o->next_tsc;
			return;
		}
	}
}

/* A camera for a to_npu flow or rule whose context takes RFC 4175 video we can send. */
static bool camera_add(struct sluice_gen *g, const struct sluice_tenant *tn,
		       const struct sluice_match *m, const struct sluice_flow *f)
{
	const struct sluice_npu_context *c;
	struct gen_camera *cam;
	uint8_t bpp;

	if (!(f->actions.flags & SLUICE_ACT_TO_NPU) || m->kind == SLUICE_MATCH_VNI ||
	    g->nb_cameras == GEN_CAMERAS_MAX)
		return false;
	if (!f->match.proto_any && f->match.proto != IPPROTO_UDP)
		return false;
	c = npu_context(tn, f->actions.npu_context);
	if (c == NULL || c->model[0] == '\0' || c->input.format != SLUICE_NPU_FMT_RFC4175)
		return false;
	bpp = c->input.pixel == SLUICE_NPU_PIX_RGB8 ? 3 : 1;
	if (c->input.width < 8 || c->input.height < 8 ||
	    (uint32_t)c->input.width * bpp > GEN_RTP_MTU - 20)
		return false;
	cam = &g->cameras[g->nb_cameras];
	memset(cam, 0, sizeof(*cam));
	cam->match = *m;
	tuple_of(&cam->tuple, &f->match);
	cam->tuple.proto = IPPROTO_UDP;
	cam->width = c->input.width;
	cam->height = c->input.height;
	cam->bpp = bpp;
	cam->payload_type = c->input.payload_type ? c->input.payload_type : 96;
	/* A new stream each time: an SSRC is never reused by another camera. */
	cam->ssrc = 0x51ce0000u | (g->next_ssrc++ & 0xffffu);
	cam->next_tsc = rte_rdtsc();
	camera_keep(g, cam);
	g->nb_cameras++;
	return true;
}

/* Frame pixel value at (y, x): the digit's pixel, scaled 0..16 -> 0..255 (docs/npu-model.md). */
static uint8_t camera_pixel(const struct gen_camera *cam, unsigned int digit, unsigned int y,
			    unsigned int x)
{
	unsigned int v = gen_digits[digit][(y * 8 / cam->height) * 8 + x * 8 / cam->width];

	return (uint8_t)((v * 255 + 8) / 16);
}

/*
 * One packet of a frame: lines [line, line + n) whole, RTP marker on the
 * frame's last packet. @return the packet, or NULL when out of mbufs.
 */
static struct rte_mbuf *camera_packet(struct sluice_gen *g, struct gen_camera *cam,
				      unsigned int digit, unsigned int line, unsigned int n)
{
	uint32_t line_bytes = (uint32_t)cam->width * cam->bpp;
	uint16_t rtp_len = (uint16_t)(12 + 2 + 6 * n + line_bytes * n);
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	uint8_t *start, *p, *rtp, *l3;
	uint32_t ts = cam->frame * (GEN_RTP_CLOCK / GEN_CAMERA_FPS);
	bool last = line + n == cam->height;
	unsigned int i, x, k;

	if (m == NULL)
		return NULL;
	start = p = rte_pktmbuf_mtod(m, uint8_t *);
	p = put_l2(p, &cam->match,
		   cam->tuple.family == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	l3 = p;
	p = put_l3(p, &cam->tuple, rtp_len);
	rtp = p - rtp_len;
	rtp[0] = 0x80;
	rtp[1] = (uint8_t)((last ? 0x80 : 0) | cam->payload_type);
	rtp[2] = (uint8_t)(cam->seq >> 8);
	rtp[3] = (uint8_t)cam->seq;
	for (k = 0; k < 4; k++) {
		rtp[4 + k] = (uint8_t)(ts >> (24 - 8 * k));
		rtp[8 + k] = (uint8_t)(cam->ssrc >> (24 - 8 * k));
	}
	rtp[12] = (uint8_t)(cam->seq >> 24);
	rtp[13] = (uint8_t)(cam->seq >> 16);
	p = rtp + 14;
	for (i = 0; i < n; i++, p += 6) {
		p[0] = (uint8_t)(line_bytes >> 8);
		p[1] = (uint8_t)line_bytes;
		p[2] = (uint8_t)((line + i) >> 8) & 0x7f;
		p[3] = (uint8_t)(line + i);
		p[4] = i + 1 < n ? 0x80 : 0; /* continuation: another line header follows */
		p[5] = 0;
	}
	for (i = 0; i < n; i++)
		for (x = 0; x < cam->width; x++)
			for (k = 0; k < cam->bpp; k++)
				*p++ = camera_pixel(cam, digit, line + i, x);
	m->data_len = m->pkt_len = (uint32_t)RTE_MAX(p - start, GEN_FRAME_LEN);
	m->port = g->port;
	if (cam->tuple.family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	cam->seq++;
	return m;
}

/* Send every frame due of every camera, whole or not at all. */
static void cameras_tick(struct sluice_gen *g, uint64_t now)
{
	uint64_t period = rte_get_tsc_hz() / GEN_CAMERA_FPS;
	struct rte_mbuf *pk[64];
	unsigned int c;

	for (c = 0; c < g->nb_cameras; c++) {
		struct gen_camera *cam = &g->cameras[c];
		uint32_t lines = RTE_MIN((GEN_RTP_MTU - 14u) / (6u + cam->width * cam->bpp), 16u);
		unsigned int digit = cam->frame % 10, line, n = 0, sent;

		if (now < cam->next_tsc)
			continue;
		/* Behind by more than a frame (a stalled loop): skip, do not burst. */
		cam->next_tsc = RTE_MAX(cam->next_tsc + period, now);
		if ((cam->height + lines - 1) / lines > RTE_DIM(pk))
			continue;
		for (line = 0; line < cam->height; line += lines) {
			pk[n] = camera_packet(g, cam, digit, line, RTE_MIN(lines, cam->height - line));
			if (pk[n] == NULL)
				break;
			n++;
		}
		if (line < cam->height) {
			rte_pktmbuf_free_bulk(pk, n);
			cam->seq -= n;
			continue;
		}
		sent = rte_ring_enqueue_bulk(g->rx[g->next_queue], (void **)pk, n, NULL);
		if (sent == 0) {
			rte_pktmbuf_free_bulk(pk, n);
			cam->seq -= n;
			g->npu.refused++;
			continue;
		}
		g->npu.frames++;
		g->npu.pkts += n;
		cam->frame++;
	}
}

/*
 * A packet that came back: a result message (docs/npu-results.md) for one
 * of our cameras? Count it, and whether the class is the digit sent.
 */
static void camera_result(struct sluice_gen *g, const struct rte_mbuf *m)
{
	uint8_t buf[64];
	const uint8_t *r;
	struct sluice_pkt p;
	uint32_t frame, ssrc;
	uint16_t cls;

	if (g->nb_cameras == 0 || sluice_parse(m, &p, 0) != SLUICE_DROP_NONE ||
	    p.proto != IPPROTO_UDP)
		return;
	r = rte_pktmbuf_read(m, p.l4_off + 8, sizeof(buf), buf);
	if (r == NULL || memcmp(r, "SLNR", 4) != 0)
		return;
	frame = (uint32_t)r[8] << 24 | (uint32_t)r[9] << 16 | (uint32_t)r[10] << 8 | r[11];
	ssrc = (uint32_t)r[12] << 24 | (uint32_t)r[13] << 16 | (uint32_t)r[14] << 8 | r[15];
	cls = (uint16_t)(r[16] << 8 | r[17]);
	if ((ssrc & 0xffff0000u) != 0x51ce0000u)
		return;
	g->npu.results++;
	if (r[5] != 0)
		g->npu.failed++;
	else if (cls == (frame / (GEN_RTP_CLOCK / GEN_CAMERA_FPS)) % 10)
		g->npu.correct++;
	else
		g->npu.wrong++;
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
	/* Cameras that survive the change keep their stream (see camera_keep()). */
	g->nb_old_cameras = g->nb_cameras;
	memcpy(g->old_cameras, g->cameras, sizeof(g->cameras[0]) * g->nb_cameras);
	g->nb_cameras = 0;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];
		const struct sluice_match *m = reachable(g, tn);

		if (m == NULL)
			continue;
		for (j = 0; j < tn->nb_flows && j < GEN_PER_TENANT; j++) {
			if (camera_add(g, tn, m, &tn->flows[j]))
				continue;
			tuple_of(&t, &tn->flows[j].match);
			frame_add(g, m, &t);
		}
		for (j = 0; j < tn->nb_rules && j < GEN_PER_TENANT; j++) {
			if (camera_add(g, tn, m, &tn->rules[j]))
				continue;
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

void sluice_gen_drain(struct sluice_gen *g)
{
	struct rte_mbuf *m[64];
	unsigned int i, n;
	uint16_t q;

	for (q = 0; q < g->nb_queues; q++) {
		while ((n = rte_ring_dequeue_burst(g->tx[q], (void **)m, RTE_DIM(m), NULL)) > 0) {
			g->returned += n;
			for (i = 0; i < n; i++)
				camera_result(g, m[i]);
			rte_pktmbuf_free_bulk(m, n);
		}
	}
}

void sluice_gen_tick(struct sluice_gen *g)
{
	struct rte_mbuf *m[64];
	uint64_t now = rte_rdtsc(), due;
	unsigned int i, n, done;

	sluice_gen_drain(g);
	/* A stalled main loop does not turn into a burst: at most GEN_TICK_MAX a tick. */
	g->credit += RTE_MIN(now - g->last_tsc, rte_get_tsc_hz()) * g->pps;
	g->last_tsc = now;
	due = g->credit / rte_get_tsc_hz();
	g->credit -= due * rte_get_tsc_hz();
	due = RTE_MIN(due, (uint64_t)GEN_TICK_MAX);
	cameras_tick(g, now);
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

unsigned int sluice_gen_pending(const struct sluice_gen *g)
{
	unsigned int n = 0;
	uint16_t q;

	for (q = 0; q < g->nb_queues; q++)
		n += rte_ring_count(g->rx[q]);
	return n;
}

void sluice_gen_npu_stats(const struct sluice_gen *g, struct sluice_gen_npu_stats *st)
{
	*st = g->npu;
	st->cameras = g->nb_cameras;
}

unsigned int sluice_gen_destroy(struct sluice_gen *g)
{
	struct rte_mbuf *m[64];
	unsigned int n, leaked;
	uint16_t q;

	if (g == NULL)
		return 0;
	for (q = 0; q < g->nb_queues; q++) {
		while ((n = rte_ring_dequeue_burst(g->rx[q], (void **)m, RTE_DIM(m), NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
		rte_ring_free(g->rx[q]);
		rte_ring_free(g->tx[q]);
	}
	leaked = rte_mempool_in_use_count(g->pool);
	if (leaked > 0)
		RTE_LOG(ERR, USER1, "mempool %s: %u mbufs not returned\n", g->pool->name, leaked);
	rte_mempool_free(g->pool);
	free(g->frames);
	free(g);
	return leaked;
}
