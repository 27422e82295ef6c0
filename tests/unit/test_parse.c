/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice_parse() unit tests. No EAL: an mbuf here is a plain struct over
 * malloc'd data, which is all that rte_pktmbuf_read() and its out-of-line
 * slow path __rte_pktmbuf_read() touch. Every segment's data is its own
 * allocation of exactly data_len bytes, so under ASan or valgrind any read
 * past a segment or past pkt_len is reported.
 *
 * Packets are built layer by layer; the builder records where each header
 * lies, which is what the every-byte truncation tests derive the expected
 * drop reason from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_test.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_mbuf.h>

#include "sluice_parse.h"

#define VXLAN_PORT 4789
#define PKT_MAX 512
#define LAYER_MAX 24
#define SEG_MAX 3

/* ---------------------------------------------------------------------------
 * Hand-made mbufs
 */

struct chain {
	struct rte_mbuf seg[SEG_MAX];
	uint8_t *data[SEG_MAX];
	unsigned int n;
};

/*
 * Split bytes[0, len) into segments at the nsplit offsets in split[]
 * (ascending, each <= len; equal offsets make empty segments).
 */
static struct rte_mbuf *chain_make(struct chain *ch, const uint8_t *bytes, uint32_t len,
				   const uint32_t *split, unsigned int nsplit)
{
	uint32_t from = 0;
	unsigned int i;

	assert_true(nsplit < SEG_MAX);
	memset(ch, 0, sizeof(*ch));
	ch->n = nsplit + 1;
	for (i = 0; i < ch->n; i++) {
		uint32_t to = i < nsplit ? split[i] : len;
		struct rte_mbuf *s = &ch->seg[i];

		assert_true(from <= to && to <= len);
		/* Exactly the segment's bytes: a read past them is a heap overflow. */
		ch->data[i] = malloc(to - from ? to - from : 1);
		assert_non_null(ch->data[i]);
		memcpy(ch->data[i], bytes + from, to - from);
		s->buf_addr = ch->data[i];
		s->buf_len = (uint16_t)(to - from);
		s->data_off = 0;
		s->data_len = (uint16_t)(to - from);
		s->nb_segs = 1;
		s->next = i + 1 < ch->n ? &ch->seg[i + 1] : NULL;
		from = to;
	}
	ch->seg[0].pkt_len = len;
	ch->seg[0].nb_segs = (uint16_t)ch->n;
	return &ch->seg[0];
}

static void chain_free(struct chain *ch)
{
	unsigned int i;

	for (i = 0; i < ch->n; i++)
		free(ch->data[i]);
}

static enum sluice_drop parse_split(const uint8_t *bytes, uint32_t len, const uint32_t *split,
				    unsigned int nsplit, struct sluice_pkt *p, uint16_t port)
{
	struct chain ch;
	enum sluice_drop rc;

	rc = sluice_parse(chain_make(&ch, bytes, len, split, nsplit), p, port);
	chain_free(&ch);
	return rc;
}

static enum sluice_drop parse_bytes(const uint8_t *bytes, uint32_t len, struct sluice_pkt *p,
				    uint16_t port)
{
	return parse_split(bytes, len, NULL, 0, p, port);
}

/* ---------------------------------------------------------------------------
 * Packet builder
 */

enum layer_kind { L_ETH, L_VLAN, L_IPV4, L_IPV6, L_IPV6_EXT, L_UDP, L_TCP, L_VXLAN, L_DATA, L_PAD };

struct layer {
	enum layer_kind kind;
	uint16_t off;
	uint16_t len;
};

struct pkt {
	uint8_t b[PKT_MAX];
	uint16_t len;
	unsigned int nl;
	struct layer l[LAYER_MAX];
};

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };

#define V4_A { 10, 0, 0, 1 }
#define V4_B { 10, 0, 0, 2 }
#define V4_C { 192, 168, 7, 1 }
#define V4_D { 192, 168, 7, 2 }
#define V6_A { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
#define V6_B { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 }
#define V6_C { 0xfd, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 1 }
#define V6_D { 0xfd, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 2 }

static const uint8_t v4_a[4] = V4_A, v4_b[4] = V4_B, v4_c[4] = V4_C, v4_d[4] = V4_D;
static const uint8_t v6_a[16] = V6_A, v6_b[16] = V6_B, v6_c[16] = V6_C, v6_d[16] = V6_D;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *put(struct pkt *k, enum layer_kind kind, unsigned int len)
{
	uint8_t *h;

	assert_true(k->len + len <= PKT_MAX);
	assert_true(k->nl < LAYER_MAX);
	h = &k->b[k->len];
	memset(h, 0, len);
	k->l[k->nl++] = (struct layer){ kind, k->len, (uint16_t)len };
	k->len = (uint16_t)(k->len + len);
	return h;
}

static void add_eth(struct pkt *k, uint16_t type)
{
	uint8_t *h = put(k, L_ETH, 14);

	memcpy(h, mac_b, 6);
	memcpy(h + 6, mac_a, 6);
	put16(h + 12, type);
}

/* A tag after the TPID that precedes it: TCI, then the next ethertype. */
static void add_vlan(struct pkt *k, uint16_t tci, uint16_t next)
{
	uint8_t *h = put(k, L_VLAN, 4);

	put16(h, tci);
	put16(h + 2, next);
}

static void add_ipv4(struct pkt *k, uint8_t proto, unsigned int opt_words, uint16_t frag,
		     const uint8_t *src, const uint8_t *dst)
{
	uint8_t *h = put(k, L_IPV4, 20 + 4 * opt_words);

	h[0] = (uint8_t)(0x40 | (5 + opt_words));
	put16(h + 4, 0x1234);
	put16(h + 6, frag);
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	memset(h + 20, 1, 4 * opt_words); /* NOP options */
}

static void add_ipv6(struct pkt *k, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	uint8_t *h = put(k, L_IPV6, 40);

	h[0] = 0x60;
	h[3] = 0x42; /* flow label */
	h[6] = nh;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* Hop-by-hop, routing, destination options or AH (which counts differently). */
static void add_ext(struct pkt *k, uint8_t self, uint8_t nh, uint8_t hlen)
{
	unsigned int len = self == IPPROTO_AH ? (hlen + 2u) * 4 : (hlen + 1u) * 8;
	uint8_t *h = put(k, L_IPV6_EXT, len);

	h[0] = nh;
	h[1] = hlen;
	if (self != IPPROTO_AH) {
		h[2] = 1; /* PadN over the rest */
		h[3] = (uint8_t)(len - 4);
	}
}

static void add_frag6(struct pkt *k, uint8_t nh, uint16_t offset_units, bool more)
{
	uint8_t *h = put(k, L_IPV6_EXT, 8);

	h[0] = nh;
	put16(h + 2, (uint16_t)(offset_units << 3 | more));
	put16(h + 6, 0x5678);
}

static void add_udp(struct pkt *k, uint16_t sport, uint16_t dport)
{
	uint8_t *h = put(k, L_UDP, 8);

	put16(h, sport);
	put16(h + 2, dport);
}

static void add_tcp(struct pkt *k, uint16_t sport, uint16_t dport, unsigned int opt_words)
{
	uint8_t *h = put(k, L_TCP, 20 + 4 * opt_words);

	put16(h, sport);
	put16(h + 2, dport);
	h[12] = (uint8_t)((5 + opt_words) << 4);
	h[13] = 0x18;
	memset(h + 20, 1, 4 * opt_words);
}

static void add_vxlan(struct pkt *k, uint32_t vni)
{
	uint8_t *h = put(k, L_VXLAN, 8);

	h[0] = 0x08;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
}

static void add_data(struct pkt *k, unsigned int n)
{
	uint8_t *h = put(k, L_DATA, n);
	unsigned int i;

	for (i = 0; i < n; i++)
		h[i] = (uint8_t)(0xa0 + i);
}

/* Ethernet padding: in the frame, outside every length field. */
static void add_pad(struct pkt *k, unsigned int to)
{
	if (k->len < to)
		put(k, L_PAD, to - k->len);
}

static uint16_t datagram_end(const struct pkt *k)
{
	return k->nl && k->l[k->nl - 1].kind == L_PAD ? k->l[k->nl - 1].off : k->len;
}

/*
 * Set every length field (IPv4 total, IPv6 payload, UDP) as a sender would for
 * datagrams that end at dend. Fields of headers that start at or past dend
 * are left alone: those headers are not in the frame anyway.
 */
static void set_lengths(struct pkt *k, uint16_t dend)
{
	unsigned int i;

	for (i = 0; i < k->nl && k->l[i].off < dend; i++) {
		uint8_t *h = &k->b[k->l[i].off];
		uint16_t span = (uint16_t)(dend - k->l[i].off);

		if (k->l[i].kind == L_IPV4)
			put16(h + 2, span);
		else if (k->l[i].kind == L_IPV6)
			put16(h + 4, span >= 40 ? (uint16_t)(span - 40) : 0);
		else if (k->l[i].kind == L_UDP)
			put16(h + 4, span);
	}
}

static const struct layer *find_layer(const struct pkt *k, enum layer_kind kind, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < k->nl; i++)
		if (k->l[i].kind == kind && nth-- == 0)
			return &k->l[i];
	fail_msg("no such layer");
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Samples: one packet of each shape, with what the parser must report
 */

static void b_arp(struct pkt *k)
{
	add_eth(k, 0x0806);
	add_data(k, 28);
	add_pad(k, 60);
}

static void b_ipv4_udp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 1000, 53);
	add_data(k, 24);
}

static void b_ipv4_udp_padded(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 1000, 53);
	add_data(k, 2);
	add_pad(k, 60);
}

static void b_ipv4_tcp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_TCP, 0, 0x4000 /* DF */, v4_a, v4_b);
	add_tcp(k, 40000, 80, 0);
	add_data(k, 5);
}

static void b_ipv4_tcp_opts(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_TCP, 0, 0, v4_a, v4_b);
	add_tcp(k, 40001, 443, 3);
	add_data(k, 3);
}

static void b_ipv4_opts_udp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 2, 0, v4_a, v4_b);
	add_udp(k, 5000, 5001);
	add_data(k, 4);
}

static void b_ipv4_max_opts_tcp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_TCP, 10, 0, v4_a, v4_b);
	add_tcp(k, 1, 2, 10);
}

static void b_ipv4_icmp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_ICMP, 0, 0, v4_a, v4_b);
	add_data(k, 16);
}

static void b_vlan_8100(struct pkt *k)
{
	add_eth(k, 0x8100);
	add_vlan(k, 0xe000 | 100, 0x0800); /* PCP 7: not part of the VID */
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 1, 2);
	add_data(k, 6);
}

static void b_vlan_88a8(struct pkt *k)
{
	add_eth(k, 0x88a8);
	add_vlan(k, 7, 0x86dd);
	add_ipv6(k, IPPROTO_UDP, v6_a, v6_b);
	add_udp(k, 3, 4);
	add_data(k, 1);
}

static void b_qinq_88a8_8100(struct pkt *k)
{
	add_eth(k, 0x88a8);
	add_vlan(k, 10, 0x8100);
	add_vlan(k, 0x1000 | 20, 0x86dd); /* DEI set */
	add_ipv6(k, IPPROTO_TCP, v6_a, v6_b);
	add_tcp(k, 22, 50000, 1);
	add_data(k, 7);
}

static void b_qinq_8100_8100(struct pkt *k)
{
	add_eth(k, 0x8100);
	add_vlan(k, 4095, 0x8100);
	add_vlan(k, 1, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 7, 8);
}

static void b_qinq_arp(struct pkt *k)
{
	add_eth(k, 0x8100);
	add_vlan(k, 300, 0x88a8);
	add_vlan(k, 400, 0x0806);
	add_data(k, 28);
}

static void b_ipv4_frag_first(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0x2000 /* MF */, v4_a, v4_b);
	add_udp(k, 1000, 53);
	add_data(k, 16);
	/* A first fragment's UDP length covers the whole datagram. */
}

static void b_ipv4_frag_middle(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0x2000 | 185, v4_a, v4_b);
	add_data(k, 24);
}

static void b_ipv4_frag_last(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_TCP, 1, 370, v4_a, v4_b);
	add_data(k, 24);
}

static void b_ipv6_udp(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_UDP, v6_a, v6_b);
	add_udp(k, 546, 547);
	add_data(k, 12);
}

static void b_ipv6_tcp_opts(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_TCP, v6_a, v6_b);
	add_tcp(k, 179, 33000, 2);
}

static void b_ipv6_hbh_udp(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_HOPOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_HOPOPTS, IPPROTO_UDP, 0);
	add_udp(k, 9, 10);
	add_data(k, 3);
}

static void b_ipv6_routing_tcp(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_ROUTING, v6_a, v6_b);
	add_ext(k, IPPROTO_ROUTING, IPPROTO_TCP, 2);
	add_tcp(k, 11, 12, 0);
}

static void b_ipv6_dstopts_udp(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_DSTOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_DSTOPTS, IPPROTO_UDP, 1);
	add_udp(k, 13, 14);
}

static void b_ipv6_ah_tcp(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_AH, v6_a, v6_b);
	add_ext(k, IPPROTO_AH, IPPROTO_TCP, 4);
	add_tcp(k, 15, 16, 0);
	add_data(k, 2);
}

static void b_ipv6_frag_first(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_FRAGMENT, v6_a, v6_b);
	add_frag6(k, IPPROTO_UDP, 0, true);
	add_udp(k, 17, 18);
	add_data(k, 8);
}

static void b_ipv6_frag_later(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_HOPOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, 0);
	add_frag6(k, IPPROTO_UDP, 100, true);
	/* Looks like more extension headers, but it is fragment payload. */
	add_data(k, 8);
	k->b[k->len - 8] = IPPROTO_HOPOPTS;
}

static void b_ipv6_frag_atomic(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_FRAGMENT, v6_a, v6_b);
	add_frag6(k, IPPROTO_TCP, 0, false);
	add_tcp(k, 19, 20, 0);
}

static void b_ipv6_four_ext(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_HOPOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, 0);
	add_ext(k, IPPROTO_DSTOPTS, IPPROTO_ROUTING, 0);
	add_ext(k, IPPROTO_ROUTING, IPPROTO_FRAGMENT, 1);
	add_frag6(k, IPPROTO_UDP, 0, true);
	add_udp(k, 21, 22);
}

static void b_ipv6_no_next(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_DSTOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_DSTOPTS, IPPROTO_NONE, 0);
	add_pad(k, 64);
}

static void b_vxlan_ipv4_tcp(struct pkt *k)
{
	add_eth(k, 0x8100);
	add_vlan(k, 100, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 49152, VXLAN_PORT);
	add_vxlan(k, 0x123456);
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_TCP, 1, 0, v4_c, v4_d);
	add_tcp(k, 3333, 4444, 1);
	add_data(k, 4);
}

static void b_vxlan_ipv6_udp(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 49153, VXLAN_PORT);
	add_vxlan(k, 1);
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_HOPOPTS, v6_c, v6_d);
	add_ext(k, IPPROTO_HOPOPTS, IPPROTO_UDP, 0);
	add_udp(k, 5555, 6666);
	add_data(k, 2);
}

static void b_vxlan_arp(struct pkt *k)
{
	add_eth(k, 0x88a8);
	add_vlan(k, 5, 0x8100);
	add_vlan(k, 6, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 49154, VXLAN_PORT);
	add_vxlan(k, 0xffffff);
	add_eth(k, 0x0806);
	add_data(k, 28);
}

static void b_vxlan_inner_qinq(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 49155, VXLAN_PORT);
	add_vxlan(k, 77);
	add_eth(k, 0x88a8);
	add_vlan(k, 30, 0x8100);
	add_vlan(k, 40, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_c, v4_d);
	add_udp(k, 7777, 8888);
}

static void b_vxlan_inner_vlan_v6(struct pkt *k)
{
	add_eth(k, 0x86dd);
	add_ipv6(k, IPPROTO_DSTOPTS, v6_a, v6_b);
	add_ext(k, IPPROTO_DSTOPTS, IPPROTO_UDP, 0);
	add_udp(k, 49156, VXLAN_PORT);
	add_vxlan(k, 0x010203);
	add_eth(k, 0x8100);
	add_vlan(k, 50, 0x86dd);
	add_ipv6(k, IPPROTO_TCP, v6_c, v6_d);
	add_tcp(k, 1111, 2222, 0);
}

/* The inner packet is itself UDP to the VXLAN port: not looked into. */
static void b_vxlan_in_vxlan(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_a, v4_b);
	add_udp(k, 49157, VXLAN_PORT);
	add_vxlan(k, 9);
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0, v4_c, v4_d);
	add_udp(k, 49158, VXLAN_PORT);
	add_data(k, 8 + 14);
	k->b[k->len - 22] = 0x08;
}

/* An outer first fragment is not decapsulated. */
static void b_vxlan_outer_frag(struct pkt *k)
{
	add_eth(k, 0x0800);
	add_ipv4(k, IPPROTO_UDP, 0, 0x2000, v4_a, v4_b);
	add_udp(k, 49159, VXLAN_PORT);
	add_data(k, 8 + 14);
	k->b[k->len - 22] = 0x08;
}

#define FL(x) SLUICE_PKT_##x

struct sample {
	const char *name;
	void (*build)(struct pkt *k);
	struct sluice_pkt want;
};

static const struct sample samples[] = {
	{ "arp", b_arp, { 0 } },
	{ "ipv4_udp", b_ipv4_udp,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 17, .l3_off = 14, .l4_off = 34,
	    .sport = 1000, .dport = 53, .src = V4_A, .dst = V4_B } },
	{ "ipv4_udp_padded", b_ipv4_udp_padded,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 17, .l3_off = 14, .l4_off = 34,
	    .sport = 1000, .dport = 53, .src = V4_A, .dst = V4_B } },
	{ "ipv4_tcp", b_ipv4_tcp,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 6, .l3_off = 14, .l4_off = 34,
	    .sport = 40000, .dport = 80, .src = V4_A, .dst = V4_B } },
	{ "ipv4_tcp_opts", b_ipv4_tcp_opts,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 6, .l3_off = 14, .l4_off = 34,
	    .sport = 40001, .dport = 443, .src = V4_A, .dst = V4_B } },
	{ "ipv4_opts_udp", b_ipv4_opts_udp,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 17, .l3_off = 14, .l4_off = 42,
	    .sport = 5000, .dport = 5001, .src = V4_A, .dst = V4_B } },
	{ "ipv4_max_opts_tcp", b_ipv4_max_opts_tcp,
	  { .flags = FL(IP) | FL(L4), .family = 4, .proto = 6, .l3_off = 14, .l4_off = 74,
	    .sport = 1, .dport = 2, .src = V4_A, .dst = V4_B } },
	{ "ipv4_icmp", b_ipv4_icmp,
	  { .flags = FL(IP), .family = 4, .proto = 1, .l3_off = 14, .src = V4_A, .dst = V4_B } },
	{ "vlan_8100", b_vlan_8100,
	  { .flags = FL(IP) | FL(L4), .nb_vlans = 1, .outer_vlan = 100, .family = 4, .proto = 17,
	    .l3_off = 18, .l4_off = 38, .sport = 1, .dport = 2, .src = V4_A, .dst = V4_B } },
	{ "vlan_88a8", b_vlan_88a8,
	  { .flags = FL(IP) | FL(L4), .nb_vlans = 1, .outer_vlan = 7, .family = 6, .proto = 17,
	    .l3_off = 18, .l4_off = 58, .sport = 3, .dport = 4, .src = V6_A, .dst = V6_B } },
	{ "qinq_88a8_8100", b_qinq_88a8_8100,
	  { .flags = FL(IP) | FL(L4), .nb_vlans = 2, .outer_vlan = 10, .inner_vlan = 20,
	    .family = 6, .proto = 6, .l3_off = 22, .l4_off = 62, .sport = 22, .dport = 50000,
	    .src = V6_A, .dst = V6_B } },
	{ "qinq_8100_8100", b_qinq_8100_8100,
	  { .flags = FL(IP) | FL(L4), .nb_vlans = 2, .outer_vlan = 4095, .inner_vlan = 1,
	    .family = 4, .proto = 17, .l3_off = 22, .l4_off = 42, .sport = 7, .dport = 8,
	    .src = V4_A, .dst = V4_B } },
	{ "qinq_arp", b_qinq_arp, { .nb_vlans = 2, .outer_vlan = 300, .inner_vlan = 400 } },
	{ "ipv4_frag_first", b_ipv4_frag_first,
	  { .flags = FL(IP) | FL(L4) | FL(FRAG), .family = 4, .proto = 17, .l3_off = 14,
	    .l4_off = 34, .sport = 1000, .dport = 53, .src = V4_A, .dst = V4_B } },
	{ "ipv4_frag_middle", b_ipv4_frag_middle,
	  { .flags = FL(IP) | FL(FRAG), .family = 4, .proto = 17, .l3_off = 14, .src = V4_A,
	    .dst = V4_B } },
	{ "ipv4_frag_last", b_ipv4_frag_last,
	  { .flags = FL(IP) | FL(FRAG), .family = 4, .proto = 6, .l3_off = 14, .src = V4_A,
	    .dst = V4_B } },
	{ "ipv6_udp", b_ipv6_udp,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 17, .l3_off = 14, .l4_off = 54,
	    .sport = 546, .dport = 547, .src = V6_A, .dst = V6_B } },
	{ "ipv6_tcp_opts", b_ipv6_tcp_opts,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 6, .l3_off = 14, .l4_off = 54,
	    .sport = 179, .dport = 33000, .src = V6_A, .dst = V6_B } },
	{ "ipv6_hbh_udp", b_ipv6_hbh_udp,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 17, .l3_off = 14, .l4_off = 62,
	    .sport = 9, .dport = 10, .src = V6_A, .dst = V6_B } },
	{ "ipv6_routing_tcp", b_ipv6_routing_tcp,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 6, .l3_off = 14, .l4_off = 78,
	    .sport = 11, .dport = 12, .src = V6_A, .dst = V6_B } },
	{ "ipv6_dstopts_udp", b_ipv6_dstopts_udp,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 17, .l3_off = 14, .l4_off = 70,
	    .sport = 13, .dport = 14, .src = V6_A, .dst = V6_B } },
	{ "ipv6_ah_tcp", b_ipv6_ah_tcp,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 6, .l3_off = 14, .l4_off = 78,
	    .sport = 15, .dport = 16, .src = V6_A, .dst = V6_B } },
	{ "ipv6_frag_first", b_ipv6_frag_first,
	  { .flags = FL(IP) | FL(L4) | FL(FRAG), .family = 6, .proto = 17, .l3_off = 14,
	    .l4_off = 62, .sport = 17, .dport = 18, .src = V6_A, .dst = V6_B } },
	{ "ipv6_frag_later", b_ipv6_frag_later,
	  { .flags = FL(IP) | FL(FRAG), .family = 6, .proto = 17, .l3_off = 14, .src = V6_A,
	    .dst = V6_B } },
	{ "ipv6_frag_atomic", b_ipv6_frag_atomic,
	  { .flags = FL(IP) | FL(L4), .family = 6, .proto = 6, .l3_off = 14, .l4_off = 62,
	    .sport = 19, .dport = 20, .src = V6_A, .dst = V6_B } },
	{ "ipv6_four_ext", b_ipv6_four_ext,
	  { .flags = FL(IP) | FL(L4) | FL(FRAG), .family = 6, .proto = 17, .l3_off = 14,
	    .l4_off = 94, .sport = 21, .dport = 22, .src = V6_A, .dst = V6_B } },
	{ "ipv6_no_next", b_ipv6_no_next,
	  { .flags = FL(IP), .family = 6, .proto = IPPROTO_NONE, .l3_off = 14, .src = V6_A,
	    .dst = V6_B } },
	{ "vxlan_ipv4_tcp", b_vxlan_ipv4_tcp,
	  { .flags = FL(VXLAN) | FL(IP) | FL(L4), .nb_vlans = 1, .outer_vlan = 100,
	    .vni = 0x123456, .inner_off = 54, .family = 4, .proto = 6, .l3_off = 68,
	    .l4_off = 92, .sport = 3333, .dport = 4444, .src = V4_C, .dst = V4_D } },
	{ "vxlan_ipv6_udp", b_vxlan_ipv6_udp,
	  { .flags = FL(VXLAN) | FL(IP) | FL(L4), .vni = 1, .inner_off = 50, .family = 6,
	    .proto = 17, .l3_off = 64, .l4_off = 112, .sport = 5555, .dport = 6666, .src = V6_C,
	    .dst = V6_D } },
	{ "vxlan_arp", b_vxlan_arp,
	  { .flags = FL(VXLAN), .nb_vlans = 2, .outer_vlan = 5, .inner_vlan = 6,
	    .vni = 0xffffff, .inner_off = 58 } },
	{ "vxlan_inner_qinq", b_vxlan_inner_qinq,
	  { .flags = FL(VXLAN) | FL(IP) | FL(L4), .vni = 77, .inner_off = 50, .family = 4,
	    .proto = 17, .l3_off = 72, .l4_off = 92, .sport = 7777, .dport = 8888, .src = V4_C,
	    .dst = V4_D } },
	{ "vxlan_inner_vlan_v6", b_vxlan_inner_vlan_v6,
	  { .flags = FL(VXLAN) | FL(IP) | FL(L4), .vni = 0x010203, .inner_off = 78,
	    .family = 6, .proto = 6, .l3_off = 96, .l4_off = 136, .sport = 1111, .dport = 2222,
	    .src = V6_C, .dst = V6_D } },
	{ "vxlan_in_vxlan", b_vxlan_in_vxlan,
	  { .flags = FL(VXLAN) | FL(IP) | FL(L4), .vni = 9, .inner_off = 50, .family = 4,
	    .proto = 17, .l3_off = 64, .l4_off = 84, .sport = 49158, .dport = VXLAN_PORT,
	    .src = V4_C, .dst = V4_D } },
	{ "vxlan_outer_frag", b_vxlan_outer_frag,
	  { .flags = FL(IP) | FL(L4) | FL(FRAG), .family = 4, .proto = 17, .l3_off = 14,
	    .l4_off = 34, .sport = 49159, .dport = VXLAN_PORT, .src = V4_A, .dst = V4_B } },
};

static const struct sample *find_sample(const char *name)
{
	size_t i;

	for (i = 0; i < RTE_DIM(samples); i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	fail_msg("no sample %s", name);
	return NULL;
}

/* Build a sample with consistent length fields. */
static void sample_build(const struct sample *s, struct pkt *k)
{
	memset(k, 0, sizeof(*k));
	s->build(k);
	set_lengths(k, datagram_end(k));
}

static void check_pkt(const char *what, const struct sluice_pkt *got, const struct sluice_pkt *want)
{
#define CHECK_FIELD(f)                                                                     \
	do {                                                                               \
		if (got->f != want->f)                                                     \
			fail_msg("%s: " #f " is %lu, want %lu", what, (unsigned long)got->f, \
				 (unsigned long)want->f);                                  \
	} while (0)
	CHECK_FIELD(flags);
	CHECK_FIELD(nb_vlans);
	CHECK_FIELD(family);
	CHECK_FIELD(proto);
	CHECK_FIELD(outer_vlan);
	CHECK_FIELD(inner_vlan);
	CHECK_FIELD(vni);
	CHECK_FIELD(inner_off);
	CHECK_FIELD(l3_off);
	CHECK_FIELD(l4_off);
	CHECK_FIELD(sport);
	CHECK_FIELD(dport);
#undef CHECK_FIELD
	if (memcmp(got->src, want->src, 16) != 0)
		fail_msg("%s: src differs", what);
	if (memcmp(got->dst, want->dst, 16) != 0)
		fail_msg("%s: dst differs", what);
}

static void check_rc(const char *what, unsigned int at, enum sluice_drop got, enum sluice_drop want)
{
	if (got != want)
		fail_msg("%s @%u: got %s, want %s", what, at, sluice_drop_name(got),
			 sluice_drop_name(want));
}

/* ---------------------------------------------------------------------------
 * Every header kind, whole packets
 */

static void test_samples(void **state)
{
	struct sluice_pkt p;
	struct pkt k;
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(samples); i++) {
		sample_build(&samples[i], &k);
		check_rc(samples[i].name, k.len, parse_bytes(k.b, k.len, &p, VXLAN_PORT),
			 SLUICE_DROP_NONE);
		check_pkt(samples[i].name, &p, &samples[i].want);
	}
}

/* With VXLAN off, or on another port, a VXLAN packet is plain UDP. */
static void test_vxlan_port(void **state)
{
	static const uint8_t a[16] = V4_A, b[16] = V4_B;
	static const uint16_t ports[] = { 0, 4790, 49156 };
	struct sluice_pkt p;
	struct pkt k;
	size_t i;

	(void)state;
	sample_build(find_sample("vxlan_ipv4_tcp"), &k);
	for (i = 0; i < RTE_DIM(ports); i++) {
		assert_int_equal(parse_bytes(k.b, k.len, &p, ports[i]), SLUICE_DROP_NONE);
		assert_int_equal(p.flags, SLUICE_PKT_IP | SLUICE_PKT_L4);
		assert_int_equal(p.vni, 0);
		assert_int_equal(p.inner_off, 0);
		assert_int_equal(p.l3_off, 18);
		assert_int_equal(p.l4_off, 38);
		assert_int_equal(p.dport, VXLAN_PORT);
		assert_memory_equal(p.src, a, 16);
		assert_memory_equal(p.dst, b, 16);
	}
	/* The VXLAN port is matched on the destination only. */
	put16(&k.b[find_layer(&k, L_UDP, 0)->off], VXLAN_PORT);
	put16(&k.b[find_layer(&k, L_UDP, 0)->off + 2], 1);
	assert_int_equal(parse_bytes(k.b, k.len, &p, VXLAN_PORT), SLUICE_DROP_NONE);
	assert_int_equal(p.flags, SLUICE_PKT_IP | SLUICE_PKT_L4);
}

/* ---------------------------------------------------------------------------
 * Truncation at every byte, contiguous and split at every offset
 */

/* The drop for a cut at c that falls inside layer l. */
static enum sluice_drop cut_reason(const struct layer *l, unsigned int c)
{
	switch (l->kind) {
	case L_ETH:
		return SLUICE_DROP_ETH_TRUNC;
	case L_VLAN:
		return SLUICE_DROP_VLAN_TRUNC;
	case L_IPV4:
		return SLUICE_DROP_IPV4_TRUNC; /* options included */
	case L_IPV6:
		return SLUICE_DROP_IPV6_TRUNC;
	case L_IPV6_EXT:
		return SLUICE_DROP_IPV6_EXT_TRUNC;
	case L_UDP:
		return SLUICE_DROP_UDP_TRUNC;
	case L_TCP:
		/* Options past the IP payload are a bad data offset, not a cut. */
		return c - l->off < 20 ? SLUICE_DROP_TCP_TRUNC : SLUICE_DROP_TCP_BAD_DOFF;
	case L_VXLAN:
		return SLUICE_DROP_VXLAN_TRUNC;
	default:
		return SLUICE_DROP_NONE;
	}
}

/*
 * Expected drop for the first c bytes of k. With fixed_lengths the length
 * fields were rewritten to end at the cut (a well-formed short packet), so
 * the layer the cut falls in decides; without, the outermost IP length
 * field, which still claims the bytes that were cut, catches it first.
 */
static enum sluice_drop expect_cut(const struct pkt *k, unsigned int c, bool fixed_lengths)
{
	unsigned int dend = datagram_end(k), i;

	for (i = 0; i < k->nl; i++) {
		const struct layer *l = &k->l[i];

		if (c < l->off + l->len)
			return cut_reason(l, c);
		if (!fixed_lengths && c < dend && l->kind == L_IPV4)
			return SLUICE_DROP_IPV4_BAD_LEN;
		if (!fixed_lengths && c < dend && l->kind == L_IPV6)
			return SLUICE_DROP_IPV6_BAD_LEN;
	}
	return SLUICE_DROP_NONE;
}

static void check_cut(const char *name, const struct pkt *k, unsigned int c, bool fixed,
		      const struct sluice_pkt *whole)
{
	enum sluice_drop want = expect_cut(k, c, fixed), rc;
	char what[96];
	struct sluice_pkt p, ps;
	uint32_t s;

	snprintf(what, sizeof(what), "%s %s cut", name, fixed ? "fixed-length" : "raw");
	rc = parse_bytes(k->b, c, &p, VXLAN_PORT);
	check_rc(what, c, rc, want);
	/* A cut that still parses can only have cut payload or padding. */
	if (rc == SLUICE_DROP_NONE)
		check_pkt(what, &p, whole);

	/* Same answer wherever the segment boundary falls, empty segments included. */
	for (s = 0; s <= c; s++) {
		snprintf(what, sizeof(what), "%s %s cut %u split", name, fixed ? "fixed-length" : "raw",
			 c);
		check_rc(what, s, parse_split(k->b, c, &s, 1, &ps, VXLAN_PORT), rc);
		if (rc == SLUICE_DROP_NONE)
			check_pkt(what, &ps, &p);
	}
}

static void test_truncate_every_byte(void **state)
{
	struct sluice_pkt whole;
	struct pkt k, cut;
	unsigned int c;
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(samples); i++) {
		sample_build(&samples[i], &k);
		assert_int_equal(parse_bytes(k.b, k.len, &whole, VXLAN_PORT), SLUICE_DROP_NONE);
		for (c = 0; c < k.len; c++) {
			/* The frame is cut, its length fields still claim the rest. */
			check_cut(samples[i].name, &k, c, false, &whole);
			/* A sender's short packet: length fields end at the cut. */
			cut = k;
			set_lengths(&cut, (uint16_t)RTE_MIN(c, datagram_end(&k)));
			check_cut(samples[i].name, &cut, c, true, &whole);
		}
	}
}

/* Whole packets in three segments, both boundaries at every offset. */
static void test_three_segments(void **state)
{
	struct sluice_pkt whole, p;
	uint32_t split[2];
	struct pkt k;
	char what[64];
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(samples); i++) {
		sample_build(&samples[i], &k);
		assert_int_equal(parse_bytes(k.b, k.len, &whole, VXLAN_PORT), SLUICE_DROP_NONE);
		for (split[0] = 0; split[0] <= k.len; split[0]++) {
			for (split[1] = split[0]; split[1] <= k.len; split[1]++) {
				snprintf(what, sizeof(what), "%s split %u/%u", samples[i].name,
					 split[0], split[1]);
				check_rc(what, 0, parse_split(k.b, k.len, split, 2, &p, VXLAN_PORT),
					 SLUICE_DROP_NONE);
				check_pkt(what, &p, &whole);
			}
		}
	}
}

/* ---------------------------------------------------------------------------
 * Bad lengths and counts, on otherwise good packets
 */

/* The sample's packet with the byte (or two) at off set to val. */
static enum sluice_drop parse_mutated_n(const char *sample, unsigned int off, uint16_t val,
				       unsigned int width)
{
	struct sluice_pkt p;
	struct pkt k;

	sample_build(find_sample(sample), &k);
	assert_true(off + width <= k.len);
	if (width == 2)
		put16(&k.b[off], val);
	else
		k.b[off] = (uint8_t)val;
	return parse_bytes(k.b, k.len, &p, VXLAN_PORT);
}

static enum sluice_drop parse_mutated(const char *sample, unsigned int off, uint8_t val)
{
	return parse_mutated_n(sample, off, val, 1);
}

static enum sluice_drop parse_mutated16(const char *sample, unsigned int off, uint16_t val)
{
	return parse_mutated_n(sample, off, val, 2);
}

static void test_bad_lengths(void **state)
{
	unsigned int v;

	(void)state;
	/* IPv4 at 14: IHL 0..4, then total length one too many and under IHL*4. */
	for (v = 0; v < 5; v++)
		assert_int_equal(parse_mutated("ipv4_udp", 14, (uint8_t)(0x40 | v)),
				 SLUICE_DROP_IPV4_BAD_IHL);
	assert_int_equal(parse_mutated("ipv4_udp", 14, 0x55), SLUICE_DROP_IPV4_BAD_VERSION);
	assert_int_equal(parse_mutated("ipv4_udp", 17, 20 + 8 + 24 + 1), SLUICE_DROP_IPV4_BAD_LEN);
	assert_int_equal(parse_mutated("ipv4_udp", 17, 19), SLUICE_DROP_IPV4_BAD_LEN);
	assert_int_equal(parse_mutated("ipv4_opts_udp", 17, 27), SLUICE_DROP_IPV4_BAD_LEN);
	assert_int_equal(parse_mutated("ipv4_udp", 14, 0x4f), SLUICE_DROP_IPV4_TRUNC);
	/* Total length short of the frame is fine (padding), but bounds what is inside. */
	assert_int_equal(parse_mutated("ipv4_icmp", 17, 21), SLUICE_DROP_NONE);
	assert_int_equal(parse_mutated("ipv4_udp", 17, 20 + 8 + 23), SLUICE_DROP_UDP_BAD_LEN);

	/* UDP at 34, length at 38: 0..7, then one past the IP payload. */
	for (v = 0; v < 8; v++)
		assert_int_equal(parse_mutated("ipv4_udp", 39, (uint8_t)v), SLUICE_DROP_UDP_BAD_LEN);
	assert_int_equal(parse_mutated("ipv4_udp", 39, 8 + 24 + 1), SLUICE_DROP_UDP_BAD_LEN);
	/* Shorter than the IP payload is fine (the rest is trailer). */
	assert_int_equal(parse_mutated("ipv4_udp", 39, 8), SLUICE_DROP_NONE);
	/* In a first fragment the UDP length is the whole datagram's. */
	assert_int_equal(parse_mutated("ipv4_frag_first", 39, 200), SLUICE_DROP_NONE);
	assert_int_equal(parse_mutated("ipv4_frag_first", 39, 7), SLUICE_DROP_UDP_BAD_LEN);

	/* TCP at 34, data offset at 46: 0..4 words, then past the IP payload. */
	for (v = 0; v < 5; v++)
		assert_int_equal(parse_mutated("ipv4_tcp", 46, (uint8_t)(v << 4)),
				 SLUICE_DROP_TCP_BAD_DOFF);
	assert_int_equal(parse_mutated("ipv4_tcp", 46, 0x60), SLUICE_DROP_NONE); /* 24 of 25 */
	assert_int_equal(parse_mutated("ipv4_tcp", 46, 0x70), SLUICE_DROP_TCP_BAD_DOFF);
	assert_int_equal(parse_mutated("ipv4_tcp_opts", 46, 0xf0), SLUICE_DROP_TCP_BAD_DOFF);
	assert_int_equal(parse_mutated("ipv4_tcp_opts", 46, 0x70), SLUICE_DROP_NONE);

	/* IPv6 at 14: version, payload length (low byte at 19) one too many. */
	assert_int_equal(parse_mutated("ipv6_udp", 14, 0x40), SLUICE_DROP_IPV6_BAD_VERSION);
	assert_int_equal(parse_mutated("ipv6_udp", 19, 8 + 12 + 1), SLUICE_DROP_IPV6_BAD_LEN);
	assert_int_equal(parse_mutated("ipv6_udp", 18, 1), SLUICE_DROP_IPV6_BAD_LEN);
	/* Hop-by-hop at 54 claiming 24 bytes of a 19-byte payload. */
	assert_int_equal(parse_mutated("ipv6_hbh_udp", 55, 2), SLUICE_DROP_IPV6_EXT_TRUNC);
	/* AH at 54 counts (hlen + 2) * 4 bytes: 44 leaves 2 for TCP, 48 is past the payload. */
	assert_int_equal(parse_mutated("ipv6_ah_tcp", 55, 9), SLUICE_DROP_TCP_TRUNC);
	assert_int_equal(parse_mutated("ipv6_ah_tcp", 55, 10), SLUICE_DROP_IPV6_EXT_TRUNC);
	/* Fourth ext header's next header turned into a fifth: over the limit. */
	assert_int_equal(parse_mutated("ipv6_four_ext", 86, IPPROTO_DSTOPTS),
			 SLUICE_DROP_IPV6_EXT_LIMIT);
	/* A non-first fragment ends the walk, whatever follows. */
	assert_int_equal(parse_mutated("ipv6_frag_later", 62, IPPROTO_HOPOPTS), SLUICE_DROP_NONE);

	/* VLANs: the second tag's ethertype turned into a third TPID, either kind. */
	assert_int_equal(parse_mutated("qinq_8100_8100", 20, 0x81), SLUICE_DROP_VLAN_TOO_MANY);
	assert_int_equal(parse_mutated16("qinq_8100_8100", 20, 0x88a8), SLUICE_DROP_VLAN_TOO_MANY);
	assert_int_equal(parse_mutated16("qinq_88a8_8100", 20, 0x8100), SLUICE_DROP_VLAN_TOO_MANY);
	/* 0x9100, the pre-standard QinQ TPID, is not a tag: a non-IP frame. */
	assert_int_equal(parse_mutated16("qinq_8100_8100", 20, 0x9100), SLUICE_DROP_NONE);

	/* VXLAN at 42 (no outer tag): I flag clear; reserved flags do not matter. */
	assert_int_equal(parse_mutated("vxlan_ipv6_udp", 42, 0x00), SLUICE_DROP_VXLAN_BAD_FLAGS);
	assert_int_equal(parse_mutated("vxlan_ipv6_udp", 42, 0xf7), SLUICE_DROP_VXLAN_BAD_FLAGS);
	assert_int_equal(parse_mutated("vxlan_ipv6_udp", 42, 0xff), SLUICE_DROP_NONE);
	/* Inner headers are held to the same rules: inner IPv4 IHL 4. */
	assert_int_equal(parse_mutated("vxlan_inner_qinq", 72, 0x44), SLUICE_DROP_IPV4_BAD_IHL);
	/* Inner tags count on their own: a third one inside. */
	assert_int_equal(parse_mutated("vxlan_inner_qinq", 70, 0x81), SLUICE_DROP_VLAN_TOO_MANY);
}

/* The inner frame is bounded by the outer UDP length, not the IP one. */
static void test_vxlan_bounded_by_udp(void **state)
{
	const struct layer *udp;
	struct sluice_pkt p;
	struct pkt k;

	(void)state;
	sample_build(find_sample("vxlan_arp"), &k);
	udp = find_layer(&k, L_UDP, 0);
	assert_int_equal(parse_bytes(k.b, k.len, &p, VXLAN_PORT), SLUICE_DROP_NONE);
	/* UDP length one short of the IP payload: ARP is not looked into. */
	put16(&k.b[udp->off + 4], (uint16_t)(k.len - udp->off - 1));
	assert_int_equal(parse_bytes(k.b, k.len, &p, VXLAN_PORT), SLUICE_DROP_NONE);
	/* Leaving 13 bytes of inner Ethernet. */
	put16(&k.b[udp->off + 4], 8 + 8 + 13);
	assert_int_equal(parse_bytes(k.b, k.len, &p, VXLAN_PORT), SLUICE_DROP_ETH_TRUNC);
}

/* ---------------------------------------------------------------------------
 * The bad-input table (issue #6); documented in parse_bad_inputs.md
 */

struct bad_input {
	const char *name;
	const char *what;
	const char *hex; /* spaces between headers, for reading */
	enum sluice_drop drop;
};

static const struct bad_input bad_inputs[] = {
	{ "empty", "zero-length frame",
	  "",
	  SLUICE_DROP_ETH_TRUNC },
	{ "eth_13", "Ethernet header one byte short",
	  "02000000000202000000000108",
	  SLUICE_DROP_ETH_TRUNC },
	{ "vlan_cut", "802.1Q TPID with only 2 of the 4 tag bytes",
	  "0200000000020200000000018100 000a",
	  SLUICE_DROP_VLAN_TRUNC },
	{ "qinq_inner_cut", "802.1ad S-tag, C-tag TPID, C-tag cut",
	  "02000000000202000000000188a8 000a8100 001408",
	  SLUICE_DROP_VLAN_TRUNC },
	{ "vlan_three_8100", "three 802.1Q tags",
	  "0200000000020200000000018100 00018100 00028100 00030800",
	  SLUICE_DROP_VLAN_TOO_MANY },
	{ "vlan_three_88a8", "802.1ad, 802.1Q, then a third TPID (88a8) with no tag bytes",
	  "02000000000202000000000188a8 00018100 000288a8",
	  SLUICE_DROP_VLAN_TOO_MANY },
	{ "ipv4_cut", "IPv4 header 19 bytes",
	  "0200000000020200000000010800 4500001c00010000401100000a0000010a0000",
	  SLUICE_DROP_IPV4_TRUNC },
	{ "ipv4_ver6", "ethertype IPv4, version nibble 6",
	  "0200000000020200000000010800 6500001c00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_VERSION },
	{ "ipv4_ihl4", "IHL 4 (16-byte header)",
	  "0200000000020200000000010800 4400001c00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_IHL },
	{ "ipv4_ihl0", "IHL 0",
	  "0200000000020200000000010800 4000001c00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_IHL },
	{ "ipv4_opts_cut", "IHL 15 (40 option bytes) but only 8 option bytes in the frame",
	  "0200000000020200000000010800 4f00003c00010000401100000a0000010a000002 0101010101010101",
	  SLUICE_DROP_IPV4_TRUNC },
	{ "ipv4_totlen_under_ihl", "total length 19, below the 20-byte header",
	  "0200000000020200000000010800 4500001300010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_LEN },
	{ "ipv4_totlen_under_opts", "IHL 6, total length 20",
	  "0200000000020200000000010800 4600001400010000401100000a0000010a00000201010101 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_LEN },
	{ "ipv4_totlen_past_frame", "total length 29, 28 bytes in the frame",
	  "0200000000020200000000010800 4500001d00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_LEN },
	{ "ipv6_cut", "IPv6 header 39 bytes",
	  "02000000000202000000000186dd 6000000000081140fd000000000000000000000000000001fd0000000000000000000000000000",
	  SLUICE_DROP_IPV6_TRUNC },
	{ "ipv6_ver4", "ethertype IPv6, version nibble 4",
	  "02000000000202000000000186dd 4000000000081140fd000000000000000000000000000001fd000000000000000000000000000002 0001000200080000",
	  SLUICE_DROP_IPV6_BAD_VERSION },
	{ "ipv6_plen_past_frame", "payload length 9, 8 bytes follow",
	  "02000000000202000000000186dd 6000000000091140fd000000000000000000000000000001fd000000000000000000000000000002 0001000200080000",
	  SLUICE_DROP_IPV6_BAD_LEN },
	{ "ipv6_hbh_past_payload", "hop-by-hop says 16 bytes, payload length 8",
	  "02000000000202000000000186dd 6000000000080040fd000000000000000000000000000001fd000000000000000000000000000002 1101010400000000",
	  SLUICE_DROP_IPV6_EXT_TRUNC },
	{ "ipv6_hbh_cut", "hop-by-hop header, 1 byte of payload",
	  "02000000000202000000000186dd 6000000000010040fd000000000000000000000000000001fd000000000000000000000000000002 11",
	  SLUICE_DROP_IPV6_EXT_TRUNC },
	{ "ipv6_frag_cut", "fragment header, 7 bytes of payload",
	  "02000000000202000000000186dd 6000000000072c40fd000000000000000000000000000001fd000000000000000000000000000002 11000001000000",
	  SLUICE_DROP_IPV6_EXT_TRUNC },
	{ "ipv6_five_ext", "hop-by-hop, 3 dest opts, routing: 5 extension headers",
	  "02000000000202000000000186dd 6000000000280040fd000000000000000000000000000001fd000000000000000000000000000002 3c00010400000000 3c00010400000000 3c00010400000000 2b00010400000000 3b00010400000000",
	  SLUICE_DROP_IPV6_EXT_LIMIT },
	{ "udp_cut", "IPv4 total length leaves 7 bytes for UDP (frame padded)",
	  "0200000000020200000000010800 4500001b00010000401100000a0000010a000002 00010002000800 00000000000000000000000000000000000000",
	  SLUICE_DROP_UDP_TRUNC },
	{ "udp_len7", "UDP length 7",
	  "0200000000020200000000010800 4500001c00010000401100000a0000010a000002 0001000200070000",
	  SLUICE_DROP_UDP_BAD_LEN },
	{ "udp_len_past_ip", "UDP length 9, IP payload 8",
	  "0200000000020200000000010800 4500001c00010000401100000a0000010a000002 0001000200090000 000000000000000000000000000000000000",
	  SLUICE_DROP_UDP_BAD_LEN },
	{ "ipv6_udp_len_past_ip", "IPv6: UDP length 16, payload length 8",
	  "02000000000202000000000186dd 6000000000081140fd000000000000000000000000000001fd000000000000000000000000000002 0001000200100000",
	  SLUICE_DROP_UDP_BAD_LEN },
	{ "tcp_cut", "IP payload holds 19 bytes of TCP",
	  "0200000000020200000000010800 4500002700010000400600000a0000010a000002 00010002000000010000000050022000000000",
	  SLUICE_DROP_TCP_TRUNC },
	{ "tcp_doff4", "TCP data offset 4",
	  "0200000000020200000000010800 4500002800010000400600000a0000010a000002 0001000200000001000000004002200000000000",
	  SLUICE_DROP_TCP_BAD_DOFF },
	{ "tcp_doff_past_ip", "TCP data offset 6, IP payload 20",
	  "0200000000020200000000010800 4500002800010000400600000a0000010a000002 0001000200000001000000006002200000000000 00000000",
	  SLUICE_DROP_TCP_BAD_DOFF },
	{ "vxlan_cut", "UDP to 4789 with 7 bytes of VXLAN",
	  "0200000000020200000000010800 4500002300010000401100000a0000010a000002 000112b5000f0000 08000000000005 0000000000000000000000",
	  SLUICE_DROP_VXLAN_TRUNC },
	{ "vxlan_no_i_flag", "VXLAN flags 0x00",
	  "0200000000020200000000010800 4500003200010000401100000a0000010a000002 000112b5001e0000 0000000000000500 0200000000020200000000010806",
	  SLUICE_DROP_VXLAN_BAD_FLAGS },
	{ "vxlan_inner_eth_cut", "VXLAN, 13 bytes of inner Ethernet",
	  "0200000000020200000000010800 4500003100010000401100000a0000010a000002 000112b5001d0000 0800000000000500 02000000000202000000000108",
	  SLUICE_DROP_ETH_TRUNC },
	{ "vxlan_inner_three_tags", "VXLAN, inner frame with three 802.1Q tags",
	  "0200000000020200000000010800 4500003e00010000401100000a0000010a000002 000112b5002a0000 0800000000000500 0200000000020200000000018100 00018100 00028100 00030806",
	  SLUICE_DROP_VLAN_TOO_MANY },
	{ "vxlan_inner_ihl4", "VXLAN, inner IPv4 IHL 4",
	  "0200000000020200000000010800 4500004e00010000401100000a0000010a000002 000112b5003a0000 0800000000000500 0200000000020200000000010800 4400001c00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_IHL },
	{ "vxlan_inner_len_past_udp", "VXLAN, inner IPv4 total length 28, outer UDP length leaves it 27",
	  "0200000000020200000000010800 4500004e00010000401100000a0000010a000002 000112b500390000 0800000000000500 0200000000020200000000010800 4500001c00010000401100000a0000010a000002 0001000200080000",
	  SLUICE_DROP_IPV4_BAD_LEN },
	{ "vxlan_inner_ipv6_cut", "VXLAN, inner IPv6 header 39 bytes",
	  "0200000000020200000000010800 4500005900010000401100000a0000010a000002 000112b500450000 0800000000000500 02000000000202000000000186dd 6000000000001140fd000000000000000000000000000001fd0000000000000000000000000000",
	  SLUICE_DROP_IPV6_TRUNC },
};

static void test_bad_inputs(void **state)
{
	uint8_t frame[PKT_MAX];
	struct sluice_pkt p;
	uint32_t s;
	size_t i, n;

	(void)state;
	for (i = 0; i < RTE_DIM(bad_inputs); i++) {
		n = sluice_test_hex_decode(bad_inputs[i].hex, frame, sizeof(frame));
		check_rc(bad_inputs[i].name, (unsigned int)n, parse_bytes(frame, (uint32_t)n, &p,
			 VXLAN_PORT), bad_inputs[i].drop);
		for (s = 0; s <= n; s++)
			check_rc(bad_inputs[i].name, s, parse_split(frame, (uint32_t)n, &s, 1, &p,
				 VXLAN_PORT), bad_inputs[i].drop);
	}
}

/* Each table entry is in the document, with the same counter. */
static void test_bad_inputs_documented(void **state)
{
	char *doc = sluice_test_read_file(SLUICE_SRC_DIR "/tests/unit/parse_bad_inputs.md", NULL);
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad_inputs); i++) {
		const char *name = sluice_drop_name(bad_inputs[i].drop), *row, *eol;

		row = sluice_test_doc_row(doc, "parse_bad_inputs.md", bad_inputs[i].name, &eol);
		if (!sluice_test_doc_cell(row, eol, name))
			fail_msg("parse_bad_inputs.md: %s should say %s", bad_inputs[i].name, name);
	}
	free(doc);
}

/* ---------------------------------------------------------------------------
 * sluice_parse_l2(): the tags only, nothing past them read or refused
 */

static enum sluice_drop parse_l2_split(const uint8_t *bytes, uint32_t len, const uint32_t *split,
				       unsigned int nsplit, struct sluice_pkt *p)
{
	struct chain ch;
	enum sluice_drop rc;

	rc = sluice_parse_l2(chain_make(&ch, bytes, len, split, nsplit), p);
	chain_free(&ch);
	return rc;
}

/* What sluice_parse_l2() gives for a frame whose full parse gave `full`: its tags, all else 0. */
static void l2_want(struct sluice_pkt *want, const struct sluice_pkt *full)
{
	memset(want, 0, sizeof(*want));
	want->nb_vlans = full->nb_vlans;
	want->outer_vlan = full->outer_vlan;
	want->inner_vlan = full->inner_vlan;
}

/* End of the outer Ethernet header and its tags. */
static unsigned int outer_l2_end(const struct pkt *k)
{
	unsigned int i, end = 0;

	for (i = 0; i < k->nl && (k->l[i].kind == L_ETH || k->l[i].kind == L_VLAN); i++)
		end = k->l[i].off + k->l[i].len;
	return end;
}

static void test_parse_l2(void **state)
{
	struct sluice_pkt whole, want, p;
	uint8_t frame[PKT_MAX];
	enum sluice_drop rc;
	unsigned int c, end;
	struct pkt k;
	char what[96];
	uint32_t s;
	size_t i, n;

	(void)state;
	for (i = 0; i < RTE_DIM(samples); i++) {
		sample_build(&samples[i], &k);
		assert_int_equal(parse_bytes(k.b, k.len, &whole, VXLAN_PORT), SLUICE_DROP_NONE);
		l2_want(&want, &whole);
		end = outer_l2_end(&k);
		assert_true(end >= 14);
		/* Every cut, at every split: refused inside the tags, else the tags. */
		for (c = 0; c <= k.len; c++) {
			enum sluice_drop exp = SLUICE_DROP_NONE;
			unsigned int j;

			for (j = 0; c < end && j < k.nl; j++)
				if (c < k.l[j].off + k.l[j].len) {
					exp = cut_reason(&k.l[j], c);
					break;
				}
			for (s = 0; s <= c; s++) {
				snprintf(what, sizeof(what), "%s l2 cut %u split", samples[i].name, c);
				memset(&p, 0xa5, sizeof(p));
				rc = parse_l2_split(k.b, c, &s, 1, &p);
				check_rc(what, s, rc, exp);
				if (rc == SLUICE_DROP_NONE)
					assert_memory_equal(&p, &want, sizeof(p));
			}
		}
	}
	/*
	 * The bad-input table: refused alike when the outer tags are bad, taken
	 * when only what follows them is (an inner VXLAN frame's tags included).
	 */
	for (i = 0; i < RTE_DIM(bad_inputs); i++) {
		enum sluice_drop d = bad_inputs[i].drop, exp = SLUICE_DROP_NONE;

		if ((d == SLUICE_DROP_ETH_TRUNC || d == SLUICE_DROP_VLAN_TRUNC ||
		     d == SLUICE_DROP_VLAN_TOO_MANY) && strncmp(bad_inputs[i].name, "vxlan", 5) != 0)
			exp = d;
		n = sluice_test_hex_decode(bad_inputs[i].hex, frame, sizeof(frame));
		for (s = 0; s <= n; s++)
			check_rc(bad_inputs[i].name, s,
				 parse_l2_split(frame, (uint32_t)n, &s, 1, &p), exp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_vxlan_port),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_three_segments),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_vxlan_bounded_by_udp),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_bad_inputs_documented),
		cmocka_unit_test(test_parse_l2),
		SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
