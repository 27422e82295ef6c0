/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet parser; the contract is in sluice_parse.h.
 *
 * UNTRUSTED INPUT: every byte read here comes off the wire or from a guest.
 * Nothing is read except through cur_peek(), which refuses any header that
 * does not lie wholly below the cursor's end, and every length field is
 * checked against that end before the cursor moves by it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "sluice_parse.h"

#define VLAN_MAX 2
#define VLAN_VID_MASK 0x0fff
/* RFC 7348: the I flag is bit 3 of the first byte; the rest are reserved. */
#define VXLAN_FLAG_I 0x08

/*
 * The offsets in struct sluice_pkt are 16-bit. The deepest header we reach is
 * the inner L4 of a VXLAN packet whose outer and inner L3 are both IPv6 with
 * SLUICE_PARSE_IPV6_EXT_MAX of the largest extension header ((255 + 1) * 8
 * bytes; AH is at most (255 + 2) * 4), so that bound has to fit.
 */
#define L2_HDR_MAX (RTE_ETHER_HDR_LEN + VLAN_MAX * RTE_VLAN_HLEN)
#define L3_HDR_MAX (sizeof(struct rte_ipv6_hdr) + SLUICE_PARSE_IPV6_EXT_MAX * 2048)
_Static_assert(2 * (L2_HDR_MAX + L3_HDR_MAX) + RTE_ETHER_VXLAN_HLEN <= UINT16_MAX,
	       "struct sluice_pkt offsets can overflow; widen them or lower the ext limit");

/*
 * Where the parser stands: the next header starts at off and no header may
 * extend past end. end starts at pkt_len and only shrinks: to the end of the
 * IP datagram (its length field), then, for a VXLAN inner frame, to the end
 * of the outer UDP datagram. A header that is in the frame but past its
 * enclosing length is therefore cut off just as one missing from the frame
 * is, and Ethernet padding is never taken for a header.
 * Invariant: off <= end <= pkt_len.
 */
struct cursor {
	const struct rte_mbuf *m;
	uint32_t off;
	uint32_t end;
	uint8_t *scratch; /* sizeof(struct rte_ipv6_hdr) bytes */
};

/*
 * The len-byte header at the cursor, or NULL if it does not fit below end.
 * In the common case (header in the first segment) this is a pointer into
 * the mbuf; a header split across segments is copied to scratch, so the
 * caller must take what it needs from one header before peeking the next.
 * Callers access it through packed DPDK structs or bytes: no alignment is
 * assumed.
 */
static inline const void *cur_peek(const struct cursor *c, uint32_t len)
{
	RTE_ASSERT(len <= sizeof(struct rte_ipv6_hdr));
	if (unlikely(len > c->end - c->off))
		return NULL;
	/* NULL only if the segment chain is shorter than pkt_len says. */
	return rte_pktmbuf_read(c->m, c->off, len, c->scratch);
}

static inline bool is_vlan_tpid(uint16_t type)
{
	return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ;
}

/*
 * Ethernet and up to VLAN_MAX tags (802.1Q or 802.1ad, in any order); leaves
 * the cursor on the L3 header. vid[] gets the VLAN IDs, outermost first.
 */
static enum sluice_drop parse_l2(struct cursor *c, uint16_t *ethertype, uint16_t vid[VLAN_MAX],
				 uint8_t *nb_vlans)
{
	const uint8_t *eth;
	uint16_t type;
	uint8_t n;

	eth = cur_peek(c, RTE_ETHER_HDR_LEN);
	if (eth == NULL)
		return SLUICE_DROP_ETH_TRUNC;
	/* Byte reads: struct rte_ether_hdr wants 2-byte alignment. */
	type = (uint16_t)(eth[12] << 8 | eth[13]);
	c->off += RTE_ETHER_HDR_LEN;

	for (n = 0; n < VLAN_MAX && is_vlan_tpid(type); n++) {
		const struct rte_vlan_hdr *vh = cur_peek(c, sizeof(*vh));

		if (vh == NULL)
			return SLUICE_DROP_VLAN_TRUNC;
		vid[n] = rte_be_to_cpu_16(vh->vlan_tci) & VLAN_VID_MASK;
		type = rte_be_to_cpu_16(vh->eth_proto);
		c->off += sizeof(*vh);
	}
	/* The third tag need not even be present: its TPID is enough. */
	if (is_vlan_tpid(type))
		return SLUICE_DROP_VLAN_TOO_MANY;

	*ethertype = type;
	*nb_vlans = n;
	return SLUICE_DROP_NONE;
}

/* On success the cursor is on the L4 header and end is the datagram's end. */
static enum sluice_drop parse_ipv4(struct cursor *c, struct sluice_pkt *p, bool *l4_absent)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t hlen, tlen;
	uint16_t frag;

	ip = cur_peek(c, sizeof(*ip));
	if (ip == NULL)
		return SLUICE_DROP_IPV4_TRUNC;
	if ((ip->version_ihl >> 4) != 4)
		return SLUICE_DROP_IPV4_BAD_VERSION;
	hlen = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if (hlen < sizeof(*ip))
		return SLUICE_DROP_IPV4_BAD_IHL;
	/* Options are skipped, never read; they only have to be there. */
	if (hlen > c->end - c->off)
		return SLUICE_DROP_IPV4_TRUNC;
	/* Shorter than what is left is fine: Ethernet pads short frames. */
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (tlen < hlen || tlen > c->end - c->off)
		return SLUICE_DROP_IPV4_BAD_LEN;

	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		p->flags |= SLUICE_PKT_FRAG;
	/* Only the first fragment carries the L4 header. */
	*l4_absent = (frag & RTE_IPV4_HDR_OFFSET_MASK) != 0;

	p->flags |= SLUICE_PKT_IP;
	p->family = 4;
	p->proto = ip->next_proto_id;
	p->l3_off = (uint16_t)c->off;
	memcpy(p->src, &ip->src_addr, 4);
	memcpy(p->dst, &ip->dst_addr, 4);

	c->end = c->off + tlen;
	c->off += hlen;
	return SLUICE_DROP_NONE;
}

static inline bool ipv6_is_ext(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
		return true;
	default:
		return false;
	}
}

/*
 * As parse_ipv4(), after walking at most SLUICE_PARSE_IPV6_EXT_MAX extension
 * headers. Extension headers must lie within the payload length; a
 * payload length of 0 (jumbogram) therefore leaves room for none, which is
 * what we want: no Ethernet port we drive carries a jumbogram.
 */
static enum sluice_drop parse_ipv6(struct cursor *c, struct sluice_pkt *p, bool *l4_absent)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t plen;
	unsigned int i;
	uint8_t nh;

	ip = cur_peek(c, sizeof(*ip));
	if (ip == NULL)
		return SLUICE_DROP_IPV6_TRUNC;
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return SLUICE_DROP_IPV6_BAD_VERSION;
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (plen > c->end - c->off - sizeof(*ip))
		return SLUICE_DROP_IPV6_BAD_LEN;

	nh = ip->proto;
	p->flags |= SLUICE_PKT_IP;
	p->family = 6;
	p->l3_off = (uint16_t)c->off;
	memcpy(p->src, ip->src_addr, 16);
	memcpy(p->dst, ip->dst_addr, 16);

	c->end = c->off + sizeof(*ip) + plen;
	c->off += sizeof(*ip);
	*l4_absent = false;

	for (i = 0; i <= SLUICE_PARSE_IPV6_EXT_MAX && ipv6_is_ext(nh); i++) {
		if (i == SLUICE_PARSE_IPV6_EXT_MAX)
			return SLUICE_DROP_IPV6_EXT_LIMIT;

		if (nh == IPPROTO_FRAGMENT) {
			const struct rte_ipv6_fragment_ext *fh = cur_peek(c, sizeof(*fh));
			uint16_t fd;

			if (fh == NULL)
				return SLUICE_DROP_IPV6_EXT_TRUNC;
			fd = rte_be_to_cpu_16(fh->frag_data);
			nh = fh->next_header;
			c->off += sizeof(*fh);
			/* Offset 0 and M clear is an atomic fragment (RFC 6946): whole. */
			if (fd & RTE_IPV6_FRAG_USED_MASK)
				p->flags |= SLUICE_PKT_FRAG;
			if (fd & RTE_IPV6_EHDR_FO_MASK) {
				/* What follows is the middle of someone's payload. */
				*l4_absent = true;
				break;
			}
		} else {
			/* Common layout: next header, then length in units. */
			const uint8_t *eh = cur_peek(c, 2);
			uint32_t len;

			if (eh == NULL)
				return SLUICE_DROP_IPV6_EXT_TRUNC;
			if (nh == IPPROTO_AH)
				len = (eh[1] + 2u) * 4; /* RFC 4302: 4-byte words, minus 2 */
			else
				len = (eh[1] + 1u) * 8; /* RFC 8200: 8-byte units, minus 1 */
			nh = eh[0];
			if (len > c->end - c->off)
				return SLUICE_DROP_IPV6_EXT_TRUNC;
			c->off += len;
		}
	}

	p->proto = nh;
	return SLUICE_DROP_NONE;
}

/*
 * UDP: on success the cursor is on the UDP payload and end is the datagram's
 * end. A first fragment holds only part of the datagram that the UDP length
 * covers, so there the length is checked only for its floor.
 */
static enum sluice_drop parse_udp(struct cursor *c, struct sluice_pkt *p)
{
	const struct rte_udp_hdr *uh;
	uint32_t ulen;

	uh = cur_peek(c, sizeof(*uh));
	if (uh == NULL)
		return SLUICE_DROP_UDP_TRUNC;
	ulen = rte_be_to_cpu_16(uh->dgram_len);
	if (ulen < sizeof(*uh))
		return SLUICE_DROP_UDP_BAD_LEN;
	if (!(p->flags & SLUICE_PKT_FRAG)) {
		if (ulen > c->end - c->off)
			return SLUICE_DROP_UDP_BAD_LEN;
		c->end = c->off + ulen;
	}

	p->flags |= SLUICE_PKT_L4;
	p->l4_off = (uint16_t)c->off;
	p->sport = rte_be_to_cpu_16(uh->src_port);
	p->dport = rte_be_to_cpu_16(uh->dst_port);
	c->off += sizeof(*uh);
	return SLUICE_DROP_NONE;
}

static enum sluice_drop parse_tcp(struct cursor *c, struct sluice_pkt *p)
{
	const struct rte_tcp_hdr *th;
	uint32_t hlen;

	th = cur_peek(c, sizeof(*th));
	if (th == NULL)
		return SLUICE_DROP_TCP_TRUNC;
	hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (hlen < sizeof(*th) || hlen > c->end - c->off)
		return SLUICE_DROP_TCP_BAD_DOFF;

	p->flags |= SLUICE_PKT_L4;
	p->l4_off = (uint16_t)c->off;
	p->sport = rte_be_to_cpu_16(th->src_port);
	p->dport = rte_be_to_cpu_16(th->dst_port);
	c->off += hlen;
	return SLUICE_DROP_NONE;
}

/* L3 and L4 of the classified packet; non-IP is a success with family 0. */
static enum sluice_drop parse_l3l4(struct cursor *c, uint16_t ethertype, struct sluice_pkt *p)
{
	enum sluice_drop rc;
	bool l4_absent;

	if (ethertype == RTE_ETHER_TYPE_IPV4)
		rc = parse_ipv4(c, p, &l4_absent);
	else if (ethertype == RTE_ETHER_TYPE_IPV6)
		rc = parse_ipv6(c, p, &l4_absent);
	else
		return SLUICE_DROP_NONE;
	if (rc != SLUICE_DROP_NONE || l4_absent)
		return rc;

	if (p->proto == IPPROTO_UDP)
		return parse_udp(c, p);
	if (p->proto == IPPROTO_TCP)
		return parse_tcp(c, p);
	return SLUICE_DROP_NONE;
}

/*
 * The cursor is on the outer UDP payload, bounded by the UDP length. Parse
 * the VXLAN header and the inner frame; the inner packet replaces the outer
 * one as the classified packet. Inner VXLAN is not looked for: one level of
 * encapsulation is all the tenant model has.
 */
static enum sluice_drop parse_vxlan(struct cursor *c, struct sluice_pkt *p)
{
	const struct rte_vxlan_hdr *vx;
	uint16_t vid[VLAN_MAX], type;
	enum sluice_drop rc;
	uint8_t nb;

	vx = cur_peek(c, sizeof(*vx));
	if (vx == NULL)
		return SLUICE_DROP_VXLAN_TRUNC;
	if (!(((const uint8_t *)vx)[0] & VXLAN_FLAG_I))
		return SLUICE_DROP_VXLAN_BAD_FLAGS;

	p->vni = rte_be_to_cpu_32(vx->vx_vni) >> 8;
	c->off += sizeof(*vx);
	p->inner_off = (uint16_t)c->off;

	/* Forget the outer 5-tuple; tenant fields (VLANs, VNI) stay. */
	p->flags = SLUICE_PKT_VXLAN;
	p->family = 0;
	p->proto = 0;
	p->l3_off = 0;
	p->l4_off = 0;
	p->sport = 0;
	p->dport = 0;
	memset(p->src, 0, sizeof(p->src));
	memset(p->dst, 0, sizeof(p->dst));

	/* Inner tags are skipped: the tenant is the VNI's. */
	rc = parse_l2(c, &type, vid, &nb);
	if (rc != SLUICE_DROP_NONE)
		return rc;
	return parse_l3l4(c, type, p);
}

/* Ethernet and up to two tags: what identifies the tenant on a port. */
static inline enum sluice_drop parse_outer_l2(struct cursor *c, struct sluice_pkt *p,
					      uint16_t *type)
{
	uint16_t vid[VLAN_MAX] = { 0, 0 };
	enum sluice_drop rc;

	/* memset, not an initializer: padding too, so results compare with memcmp. */
	memset(p, 0, sizeof(*p));
	rc = parse_l2(c, type, vid, &p->nb_vlans);
	if (rc != SLUICE_DROP_NONE)
		return rc;
	p->outer_vlan = vid[0];
	p->inner_vlan = vid[1];
	return SLUICE_DROP_NONE;
}

enum sluice_drop sluice_parse(const struct rte_mbuf *m, struct sluice_pkt *p, uint16_t vxlan_port)
{
	uint8_t scratch[sizeof(struct rte_ipv6_hdr)];
	struct cursor c = { .m = m, .off = 0, .end = rte_pktmbuf_pkt_len(m), .scratch = scratch };
	enum sluice_drop rc;
	uint16_t type;

	rc = parse_outer_l2(&c, p, &type);
	if (rc != SLUICE_DROP_NONE)
		return rc;
	rc = parse_l3l4(&c, type, p);
	if (rc != SLUICE_DROP_NONE)
		return rc;

	/* An outer fragment is not decapsulated: it has no whole inner frame. */
	if (vxlan_port != 0 && p->dport == vxlan_port && p->proto == IPPROTO_UDP &&
	    (p->flags & (SLUICE_PKT_L4 | SLUICE_PKT_FRAG)) == SLUICE_PKT_L4)
		return parse_vxlan(&c, p);
	return SLUICE_DROP_NONE;
}

enum sluice_drop sluice_parse_l2(const struct rte_mbuf *m, struct sluice_pkt *p)
{
	uint8_t scratch[sizeof(struct rte_ipv6_hdr)];
	struct cursor c = { .m = m, .off = 0, .end = rte_pktmbuf_pkt_len(m), .scratch = scratch };
	uint16_t type;

	return parse_outer_l2(&c, p, &type);
}
