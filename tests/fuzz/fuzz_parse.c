/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for sluice_parse().
 *
 * Input: byte 0 picks where the frame is split into two segments (0, or at
 * or past the end: one segment); the rest is the frame. Each segment is its
 * own allocation of exactly its length, so ASan reports any read past a
 * segment or past pkt_len. Beyond memory safety the harness checks the
 * contract in sluice_parse.h: drop reasons are parser ones, every offset
 * reported lies within the packet, flags agree with each other, unused
 * fields are zero, the mbuf is not written, and the split packet parses
 * exactly as the contiguous one does.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "sluice_parse.h"

#define VXLAN_PORT 4789

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                    \
			abort();                                                     \
		}                                                                    \
	} while (0)

static void seg_init(struct rte_mbuf *m, uint8_t *buf, uint16_t len, struct rte_mbuf *next)
{
	memset(m, 0, sizeof(*m));
	m->buf_addr = buf;
	m->buf_len = len;
	m->data_len = len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->next = next;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void check_result(enum sluice_drop rc, const struct sluice_pkt *p, uint32_t len,
			 uint16_t vxlan_port)
{
	const uint32_t known = SLUICE_PKT_IP | SLUICE_PKT_L4 | SLUICE_PKT_VXLAN | SLUICE_PKT_FRAG;
	uint32_t l3_min, l3_len;

	if (rc != SLUICE_DROP_NONE) {
		/* The parser's reasons are the block from ETH_TRUNC to VXLAN_BAD_FLAGS. */
		CHECK(rc >= SLUICE_DROP_ETH_TRUNC && rc <= SLUICE_DROP_VXLAN_BAD_FLAGS);
		return;
	}

	CHECK((p->flags & ~known) == 0);
	CHECK(p->family == 0 || p->family == 4 || p->family == 6);
	CHECK(!!(p->flags & SLUICE_PKT_IP) == (p->family != 0));
	CHECK(p->pad == 0);

	CHECK(p->nb_vlans <= 2);
	CHECK(p->outer_vlan <= 4095 && p->inner_vlan <= 4095);
	CHECK(p->nb_vlans >= 1 || p->outer_vlan == 0);
	CHECK(p->nb_vlans == 2 || p->inner_vlan == 0);
	l3_min = 14u + 4u * p->nb_vlans;

	if (p->flags & SLUICE_PKT_VXLAN) {
		CHECK(vxlan_port != 0);
		CHECK(p->vni <= 0xffffff);
		/* Outer Ethernet, IPv4 at least, UDP, VXLAN; then an inner Ethernet. */
		CHECK(p->inner_off >= l3_min + 20 + 8 + 8);
		CHECK((uint32_t)p->inner_off + 14 <= len);
		l3_min = p->inner_off + 14u;
	} else {
		CHECK(p->vni == 0 && p->inner_off == 0);
	}

	if (p->family == 0) {
		CHECK((p->flags & ~SLUICE_PKT_VXLAN) == 0);
		CHECK(p->proto == 0 && p->l3_off == 0 && p->l4_off == 0);
		CHECK(p->sport == 0 && p->dport == 0);
		CHECK(all_zero(p->src, 16) && all_zero(p->dst, 16));
		return;
	}

	l3_len = p->family == 4 ? 20 : 40;
	CHECK(p->l3_off >= l3_min);
	CHECK((uint32_t)p->l3_off + l3_len <= len);
	if (p->family == 4)
		CHECK(all_zero(p->src + 4, 12) && all_zero(p->dst + 4, 12));

	if (p->flags & SLUICE_PKT_L4) {
		CHECK(p->proto == 6 || p->proto == 17);
		CHECK(p->l4_off >= p->l3_off + l3_len);
		CHECK((uint32_t)p->l4_off + (p->proto == 6 ? 20 : 8) <= len);
	} else {
		CHECK(p->l4_off == 0 && p->sport == 0 && p->dport == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf seg[2] __rte_cache_aligned, whole __rte_cache_aligned;
	struct sluice_pkt p_split, p_whole, p_novx;
	enum sluice_drop rc_split, rc_whole, rc_novx;
	uint8_t *b0, *b1, *bw;
	uint32_t len, split;

	if (size < 1 || size - 1 > UINT16_MAX)
		return 0;
	len = (uint32_t)(size - 1);
	split = data[0];
	if (split >= len)
		split = 0;
	data++;

	/* Exact-size allocations (at least 1 byte: malloc(0) may be NULL). */
	b0 = malloc(split ? split : len ? len : 1);
	b1 = malloc(len - split ? len - split : 1);
	bw = malloc(len ? len : 1);
	if (b0 == NULL || b1 == NULL || bw == NULL)
		abort();
	memcpy(bw, data, len);

	if (split != 0) {
		memcpy(b0, data, split);
		memcpy(b1, data + split, len - split);
		seg_init(&seg[0], b0, (uint16_t)split, &seg[1]);
		seg_init(&seg[1], b1, (uint16_t)(len - split), NULL);
		seg[0].pkt_len = len;
		seg[0].nb_segs = 2;
	} else {
		memcpy(b0, data, len);
		seg_init(&seg[0], b0, (uint16_t)len, NULL);
	}
	seg_init(&whole, bw, (uint16_t)len, NULL);

	rc_split = sluice_parse(&seg[0], &p_split, VXLAN_PORT);
	rc_whole = sluice_parse(&whole, &p_whole, VXLAN_PORT);
	rc_novx = sluice_parse(&whole, &p_novx, 0);

	check_result(rc_split, &p_split, len, VXLAN_PORT);
	check_result(rc_novx, &p_novx, len, 0);

	/* Where the segments split must not matter. */
	CHECK(rc_split == rc_whole);
	if (rc_split == SLUICE_DROP_NONE)
		CHECK(memcmp(&p_split, &p_whole, sizeof(p_split)) == 0);

	/* Without VXLAN, a packet that was not VXLAN parses the same. */
	if (rc_whole == SLUICE_DROP_NONE && !(p_whole.flags & SLUICE_PKT_VXLAN)) {
		CHECK(rc_novx == SLUICE_DROP_NONE);
		CHECK(memcmp(&p_novx, &p_whole, sizeof(p_novx)) == 0);
	}

	/* The parser reads the packet and nothing else. */
	CHECK(memcmp(bw, data, len) == 0);
	CHECK(memcmp(b0, data, split ? split : len) == 0);
	CHECK(split == 0 || memcmp(b1, data + split, len - split) == 0);

	free(b0);
	free(b1);
	free(bw);
	return 0;
}
