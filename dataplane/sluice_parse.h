/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

/**
 * @file
 * The packet parser: Ethernet, up to two VLAN tags (802.1Q and 802.1ad
 * QinQ), IPv4, IPv6 with extension headers, UDP, TCP, and VXLAN with its
 * inner frame.
 *
 * The packet is untrusted. Every header is read through rte_pktmbuf_read(),
 * so headers split across segments are handled and nothing past pkt_len is
 * ever read; every length field is checked against what is really there;
 * every loop has a constant bound. A packet the parser refuses yields a drop
 * reason (sluice_drops.h) and nothing else.
 *
 * The parser does not modify the mbuf. It is re-entrant and lock-free.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "sluice_drops.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most IPv6 extension headers walked before giving up (SLUICE_DROP_IPV6_EXT_LIMIT). */
#define SLUICE_PARSE_IPV6_EXT_MAX 4

enum sluice_pkt_flag {
	/** The classified packet (inner one for VXLAN) is IPv4 or IPv6. */
	SLUICE_PKT_IP = 1u << 0,
	/** sport/dport are valid (UDP or TCP, and not a non-first fragment). */
	SLUICE_PKT_L4 = 1u << 1,
	/** The outer packet is VXLAN; vni and inner_off are valid. */
	SLUICE_PKT_VXLAN = 1u << 2,
	/** The classified packet is an IP fragment (first or not). */
	SLUICE_PKT_FRAG = 1u << 3,
};

/**
 * What the parser found. Tenant fields (VLANs, VNI) come from the outer
 * frame; the 5-tuple from the inner frame when the packet is VXLAN, from the
 * outer one otherwise.
 */
struct sluice_pkt {
	uint32_t flags;          /**< enum sluice_pkt_flag */
	uint8_t nb_vlans;        /**< outer frame's tags: 0, 1 or 2 */
	uint8_t family;          /**< 4, 6, or 0 for non-IP */
	uint8_t proto;           /**< IP protocol of the classified packet (after extension headers) */
	uint8_t pad;
	uint16_t outer_vlan;     /**< VLAN ID of the first tag (S-tag for QinQ) */
	uint16_t inner_vlan;     /**< VLAN ID of the second tag */
	uint32_t vni;            /**< VXLAN network identifier */
	uint16_t inner_off;      /**< offset of the inner Ethernet header (VXLAN) */
	uint16_t l3_off;         /**< offset of the classified packet's IP header */
	uint16_t l4_off;         /**< offset of its UDP/TCP header */
	uint16_t sport;          /**< host order */
	uint16_t dport;          /**< host order */
	uint8_t src[16];         /**< network order; IPv4 in src[0..3], rest zero */
	uint8_t dst[16];
};

/**
 * Parse one packet.
 *
 * @param m           the packet (any number of segments).
 * @param p           filled on success; undefined on failure.
 * @param vxlan_port  UDP destination port recognised as VXLAN (host order);
 *                    0 disables VXLAN parsing.
 * @return SLUICE_DROP_NONE (0) on success, or the reason to drop it.
 *         Non-IP frames (ARP, LLDP...) are a success with family 0.
 */
enum sluice_drop sluice_parse(const struct rte_mbuf *m, struct sluice_pkt *p,
			      uint16_t vxlan_port);

/**
 * Parse only the Ethernet header and its VLAN tags (up to two), for frames
 * whose tenant is found by port or VLAN and that nothing reads past the MACs
 * (switched frames of a tenant without flows or rules). Refuses what
 * sluice_parse() refuses at L2, with the same reasons; never reads the
 * payload, so an IP header there is neither checked nor seen.
 *
 * @param m  the packet (any number of segments).
 * @param p  on success: nb_vlans, outer_vlan and inner_vlan as sluice_parse()
 *           sets them, every other field zero (family 0, no flags).
 * @return SLUICE_DROP_NONE (0), SLUICE_DROP_ETH_TRUNC, SLUICE_DROP_VLAN_TRUNC
 *         or SLUICE_DROP_VLAN_TOO_MANY.
 */
enum sluice_drop sluice_parse_l2(const struct rte_mbuf *m, struct sluice_pkt *p);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PARSE_H */
