/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_DROPS_H
#define SLUICE_DROPS_H

/**
 * @file
 * Every reason the data plane drops a packet, one X-macro list, so that the
 * counters, `show drops`, telemetry and the tests all use the same names.
 *
 * Each entry: X(ENUM_SUFFIX, "counter_name", "what it means").
 * Counter names are stable: tests, dashboards and alerts key on them.
 */

#define SLUICE_DROP_LIST(X)                                                                       \
	X(NONE, "none", "not a drop (placeholder, never counted)")                                \
	/* parser: outer and inner headers alike */                                               \
	X(ETH_TRUNC, "eth_truncated", "frame shorter than an Ethernet header")                    \
	X(VLAN_TRUNC, "vlan_truncated", "VLAN tag cut off")                                       \
	X(VLAN_TOO_MANY, "vlan_too_many", "more than two VLAN tags")                              \
	X(IPV4_TRUNC, "ipv4_truncated", "IPv4 header cut off")                                    \
	X(IPV4_BAD_VERSION, "ipv4_bad_version", "IPv4 version field is not 4")                    \
	X(IPV4_BAD_IHL, "ipv4_bad_ihl", "IPv4 header length under 20 bytes")                      \
	X(IPV4_BAD_LEN, "ipv4_bad_len", "IPv4 total length under its header or past the frame")   \
	X(IPV6_TRUNC, "ipv6_truncated", "IPv6 header cut off")                                    \
	X(IPV6_BAD_VERSION, "ipv6_bad_version", "IPv6 version field is not 6")                    \
	X(IPV6_BAD_LEN, "ipv6_bad_len", "IPv6 payload length past the frame")                     \
	X(IPV6_EXT_TRUNC, "ipv6_ext_truncated", "IPv6 extension header cut off")                  \
	X(IPV6_EXT_LIMIT, "ipv6_ext_limit", "more IPv6 extension headers than parsed")            \
	X(UDP_TRUNC, "udp_truncated", "UDP header cut off")                                       \
	X(UDP_BAD_LEN, "udp_bad_len", "UDP length under 8 or past the IP payload")                \
	X(TCP_TRUNC, "tcp_truncated", "TCP header cut off")                                       \
	X(TCP_BAD_DOFF, "tcp_bad_doff", "TCP data offset under 5 words or past the IP payload")   \
	X(VXLAN_TRUNC, "vxlan_truncated", "VXLAN header cut off")                                 \
	X(VXLAN_BAD_FLAGS, "vxlan_bad_flags", "VXLAN I flag clear")                               \
	/* classification */                                                                      \
	X(NO_TENANT, "no_tenant", "no tenant matches the ingress port, VLAN or VNI")              \
	X(NO_FLOW, "no_flow", "no flow or rule matched and the tenant default is drop")           \
	/* actions */                                                                             \
	X(ACTION_DROP, "action_drop", "a flow or rule says drop")                                 \
	X(METER_RED, "meter_red", "the flow's meter marked the packet red")                       \
	X(DECAP_NOT_VXLAN, "decap_not_vxlan", "vxlan_decap on a packet that is not VXLAN")        \
	X(HDR_SPLIT, "hdr_split", "headers to strip or rewrite span mbuf segments")              \
	X(ENCAP_NO_HEADROOM, "encap_no_headroom", "no mbuf headroom for the VXLAN header")        \
	X(NPU_NOT_ATTACHED, "npu_not_attached", "to_npu with no NPU context attached")            \
	X(NPU_QUEUE_FULL, "npu_queue_full", "no free frame buffer in the NPU context: frame refused") \
	X(NPU_BAD_PACKET, "npu_bad_packet", "the frame assembler refused it (reason: show npu)")   \
	X(NPU_FLOW_LIMIT, "npu_flow_limit", "the worker's table of NPU streams is full")          \
	/* L2 switching within a tenant (vNICs and its uplink) */                                 \
	X(VNIC_CROSS_TENANT, "vnic_cross_tenant", "addressed to a vNIC of another tenant")        \
	X(L2_SRC_SPOOF, "l2_src_spoof", "source MAC is another vNIC's")                           \
	X(L2_BAD_SRC, "l2_bad_src", "source MAC is multicast or zero")                            \
	X(L2_SAME_PORT, "l2_same_port", "destination is the port the frame came from")            \
	X(L2_NO_DEST, "l2_no_destination", "flooded, but no other port of the tenant is up")      \
	X(L2_UPLINK_MISMATCH, "l2_uplink_mismatch",                                               \
	  "switched frame from a port, VLAN or VNI that is not the tenant's uplink")              \
	X(L2_FLOOD_NOMBUF, "l2_flood_nombuf", "no mbuf for a flooded copy")                       \
	X(VNIC_DOWN, "vnic_down", "the destination vNIC has no guest attached")                   \
	X(VNIC_GSO, "vnic_gso", "a guest sent a segmentation-offload frame (never offered)")      \
	X(TX_FULL, "tx_full", "the egress queue did not take the packet")

enum sluice_drop {
#define SLUICE_DROP_ENUM(e, n, d) SLUICE_DROP_##e,
	SLUICE_DROP_LIST(SLUICE_DROP_ENUM)
#undef SLUICE_DROP_ENUM
	SLUICE_DROP_MAX
};

/** Counter name of a drop reason ("no_tenant"), or "unknown". */
const char *sluice_drop_name(unsigned int reason);

/** One-line description of a drop reason. */
const char *sluice_drop_desc(unsigned int reason);

#endif /* SLUICE_DROPS_H */
