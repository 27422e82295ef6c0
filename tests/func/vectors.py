#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Reference vectors for tests/func/test_dataplane.c.

scapy builds every input frame and every expected output frame, computing
lengths and checksums itself, independently of the data plane's C code. For
each step of each scenario this writes, into OUTDIR:

  SCN_STEP_in_pP.pcap    frames injected on port P, in order
  SCN_STEP_out_pP.pcap   frames expected on port P, in order
  SCN_STEP_expect.txt    counters expected after the step (cumulative over
                         the scenario's steps, as the data plane keeps them):
      drop NAME N                      every non-zero drop reason (others: 0)
      port P RX_PKTS RX_BYTES TX_PKTS  data plane port counters
      tenant NAME PKTS BYTES
      absent NAME                      tenant that must not exist (-ENOENT)
      flow TENANT KIND NAME PKTS BYTES count-action counters
      color TENANT KIND NAME G Y R     meter colours
      mask P OFF LEN                   on port P, bytes OFF..OFF+LEN-1 are a
                                       hashed UDP source port: not compared,
                                       but must be in 49152..65535 and equal
                                       for every frame of the port

Usage: vectors.py OUTDIR [STAMP]   (STAMP, if given, is written last: for meson)
"""
import os
import struct
import sys
from collections import Counter, defaultdict

from scapy.all import Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6, Raw, TCP, UDP, VXLAN  # noqa: E402

NPORTS = 4
PARSE_DROPS = {
    "eth_truncated", "vlan_truncated", "vlan_too_many", "ipv4_truncated", "ipv4_bad_version",
    "ipv4_bad_ihl", "ipv4_bad_len", "ipv6_truncated", "ipv6_bad_version", "ipv6_bad_len",
    "ipv6_ext_truncated", "ipv6_ext_limit", "udp_truncated", "udp_bad_len", "tcp_truncated",
    "tcp_bad_doff", "vxlan_truncated", "vxlan_bad_flags",
}

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            fr = bytes(fr)
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)))
            f.write(fr)


class Scn:
    """One scenario: cumulative counters over its steps."""

    def __init__(self, outdir, name):
        self.outdir = outdir
        self.name = name
        self.ctr = {}            # ('t', tenant) or ('f', tenant, kind, name) -> [pkts, bytes]
        self.colors = {}         # (tenant, kind, name) -> [g, y, r]
        self.absent = set()
        self.drops = Counter()
        self.rx = Counter()
        self.rxb = Counter()
        self.tx = Counter()
        self.step_name = None

    def begin(self, step):
        self.step_name = step
        self.ins = defaultdict(list)
        self.outs = defaultdict(list)
        self.masks = []

    def declare(self, tenant, flows=(), colors=()):
        self.ctr.setdefault(("t", tenant), [0, 0])
        self.absent.discard(tenant)
        for kind, name in flows:
            self.ctr.setdefault(("f", tenant, kind, name), [0, 0])
        for kind, name in colors:
            self.colors.setdefault((tenant, kind, name), [0, 0, 0])

    def reload(self, keep_tenants, keep_flows):
        """Counters of tenants/flows not kept are gone; kept ones carry on."""
        for k in list(self.ctr):
            if k[0] == "t" and k[1] not in keep_tenants:
                del self.ctr[k]
                self.absent.add(k[1])
            elif k[0] == "f" and (k[1], k[2], k[3]) not in keep_flows:
                del self.ctr[k]
        for k in list(self.colors):
            if k not in keep_flows:
                del self.colors[k]

    def pkt(self, port, frame, tenant=None, hit=None, out=None, drop=None, color=None):
        frame = bytes(frame)
        n = len(frame)
        self.ins[port].append(frame)
        self.rx[port] += 1
        self.rxb[port] += n
        assert (out is None) != (drop is None), "a packet is forwarded or dropped"
        if drop in PARSE_DROPS or drop == "no_tenant":
            assert tenant is None
        else:
            assert tenant is not None
            c = self.ctr.setdefault(("t", tenant), [0, 0])
            c[0] += 1
            c[1] += n
        if hit is not None:
            c = self.ctr.setdefault(("f", tenant) + hit, [0, 0])
            c[0] += 1
            c[1] += n
        if color is not None:
            self.colors.setdefault((tenant,) + hit, [0, 0, 0])["gyr".index(color)] += 1
        if out is not None:
            oport, oframe = out
            self.outs[oport].append(bytes(oframe))
            self.tx[oport] += 1
        else:
            self.drops[drop] += 1

    def fwd(self, port, frame, oport, tenant, hit=None, color=None):
        """Forwarded unchanged."""
        self.pkt(port, frame, tenant=tenant, hit=hit, out=(oport, frame), color=color)

    def end(self):
        base = os.path.join(self.outdir, "%s_%s" % (self.name, self.step_name))
        for p in range(NPORTS):
            write_pcap("%s_in_p%d.pcap" % (base, p), self.ins[p])
            write_pcap("%s_out_p%d.pcap" % (base, p), self.outs[p])
        with open(base + "_expect.txt", "w") as f:
            for d in sorted(self.drops):
                f.write("drop %s %d\n" % (d, self.drops[d]))
            for p in range(NPORTS):
                f.write("port %d %d %d %d\n" % (p, self.rx[p], self.rxb[p], self.tx[p]))
            for k in sorted(self.ctr):
                v = self.ctr[k]
                if k[0] == "t":
                    f.write("tenant %s %d %d\n" % (k[1], v[0], v[1]))
                else:
                    f.write("flow %s %s %s %d %d\n" % (k[1], k[2], k[3], v[0], v[1]))
            for t in sorted(self.absent):
                f.write("absent %s\n" % t)
            for k in sorted(self.colors):
                f.write("color %s %s %s %d %d %d\n" % (k + tuple(self.colors[k])))
            for m in self.masks:
                f.write("mask %d %d %d\n" % m)


# ---- frame helpers ------------------------------------------------------------

def eth(vlans=(), qinq=False):
    """Ethernet with tags: 0x88a8 first when qinq, then 0x8100."""
    e = Ether(src=MAC_A, dst=MAC_B)
    for i, v in enumerate(vlans):
        if i == 0 and qinq:
            e = e / Dot1AD(vlan=v)
        else:
            e = e / Dot1Q(vlan=v)
    return e


def udp4(src, dst, sport, dport, vlans=(), qinq=False, payload=b"u" * 18):
    return eth(vlans, qinq) / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp4(src, dst, sport, dport, vlans=(), payload=b"t" * 10):
    return eth(vlans) / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport) / Raw(payload)


def icmp4(src, dst):
    return eth() / IP(src=src, dst=dst) / ICMP() / Raw(b"ping")


def udp6(src, dst, sport, dport, vlans=()):
    return eth(vlans) / IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(b"six" * 6)


def tcp6(src, dst, sport, dport):
    return eth() / IPv6(src=src, dst=dst) / TCP(sport=sport, dport=dport) / Raw(b"T6" * 5)


def vxlan(vni, inner, vlans=(), src="198.51.100.1", dst="198.51.100.2", sport=40000):
    return (eth(vlans) / IP(src=src, dst=dst) / UDP(sport=sport, dport=4789) /
            VXLAN(vni=vni) / inner)


def encap(inner, src_mac, dst_mac, src_ip, dst_ip, vni, udp_src, udp_dst=4789, ttl=64):
    """What the data plane must emit: DF, ID 0, TOS 0, UDP checksum 0, I flag."""
    return (Ether(src=src_mac, dst=dst_mac) /
            IP(src=src_ip, dst=dst_ip, ttl=ttl, flags="DF", id=0, tos=0) /
            UDP(sport=udp_src, dport=udp_dst, chksum=0) / VXLAN(flags=0x08, vni=vni) /
            inner)


def untag(frame):
    """The frame with its VLAN tags removed."""
    e = Ether(bytes(frame))
    p, t = e.payload, e.type
    while isinstance(p, (Dot1Q, Dot1AD)):
        p, t = p.payload, p.type
    return bytes(Ether(src=e.src, dst=e.dst, type=t)) + bytes(p)


# ---- case 1: tenant classification ------------------------------------------------

T4 = ("10.0.0.1", "10.0.0.2", 1000, 2000)


def classify(s):
    s.declare("plain", [("f", "p4"), ("f", "p6"), ("f", "pdrop"), ("f", "pnpu")])
    s.declare("vlan", [("f", "v4")])
    s.declare("qinq", [("f", "q4")])
    s.declare("vni", [("f", "x4")])
    # Untagged port tenant: IPv4 and IPv6 exact flows to different ports.
    f = udp4(*T4)
    s.fwd(0, f, 1, "plain", ("f", "p4"))
    s.fwd(0, udp4(*T4, payload=b"second"), 1, "plain", ("f", "p4"))
    s.fwd(0, tcp6("2001:db8::1", "2001:db8::2", 1000, 80), 2, "plain", ("f", "p6"))
    # A VLAN on port 0 that no tenant claims falls back to port 0's tenant.
    s.fwd(0, udp4(*T4, vlans=(100,)), 1, "plain", ("f", "p4"))
    # The same 5-tuple in each tenant goes to that tenant's own port.
    s.fwd(1, udp4(*T4, vlans=(100,)), 3, "vlan", ("f", "v4"))
    s.fwd(1, udp4(*T4, vlans=(200, 300), qinq=True), 0, "qinq", ("f", "q4"))
    s.fwd(1, vxlan(5000, Ether(src=MAC_B, dst=MAC_A) / IP(src=T4[0], dst=T4[1]) /
                   UDP(sport=T4[2], dport=T4[3]) / Raw(b"inner")), 2, "vni", ("f", "x4"))
    # VNI 5000 on any port: port 3 too.
    s.fwd(3, vxlan(5000, Ether() / IP(src=T4[0], dst=T4[1]) / UDP(sport=T4[2], dport=T4[3])),
          2, "vni", ("f", "x4"))
    # Nothing claims these: port 1 has no port tenant.
    s.pkt(1, udp4(*T4, vlans=(999,)), drop="no_tenant")
    s.pkt(1, udp4(*T4), drop="no_tenant")
    s.pkt(1, udp4(*T4, vlans=(200, 301), qinq=True), drop="no_tenant")
    s.pkt(1, vxlan(5001, Ether() / IP(src=T4[0], dst=T4[1]) / UDP(sport=T4[2], dport=T4[3])),
          drop="no_tenant")
    # Tenant found, no flow: the default drop counts no_flow.
    s.pkt(0, udp4("10.0.0.1", "10.0.0.2", 1000, 2001), tenant="plain", drop="no_flow")
    s.pkt(0, eth() / Raw(b"\x00" * 46), tenant="plain", drop="no_flow")   # non-IP (type 0x9000)
    s.pkt(1, udp4("10.0.0.1", "10.0.0.2", 1000, 2001, vlans=(100,)), tenant="vlan",
          drop="no_flow")
    # Flow actions drop and to_npu.
    s.pkt(0, udp4("10.0.0.1", "10.0.0.2", 1001, 2000), tenant="plain", hit=("f", "pdrop"),
          drop="action_drop")
    s.pkt(0, udp4("10.0.0.1", "10.0.0.2", 1002, 2000), tenant="plain", hit=("f", "pnpu"),
          drop="npu_not_attached")


# ---- case 2: wildcard rules ---------------------------------------------------------

def rules(s):
    names = ["r_lo", "r_hi", "r_eq_a", "r_eq_b", "r_sport", "r6", "r6b"]
    s.declare("acl", [("r", n) for n in names] + [("f", "ex"), ("d", "default")])

    def rule(frame, oport, name):
        s.fwd(0, frame, oport, "acl", ("r", name))

    def miss(frame):
        s.pkt(0, frame, tenant="acl", hit=("d", "default"), drop="no_flow")

    src = "10.9.9.8"
    # Overlap: r_hi (priority 20, /24) beats r_lo (priority 10, /16 + ports).
    rule(udp4(src, "10.1.2.3", 3, 1500), 2, "r_hi")
    rule(udp4(src, "10.1.2.255", 3, 1500), 2, "r_hi")
    rule(udp4(src, "10.1.2.0", 3, 1), 2, "r_hi")
    # Just outside the /24: r_lo.
    rule(udp4(src, "10.1.3.0", 3, 1500), 1, "r_lo")
    rule(udp4(src, "10.1.1.255", 3, 1500), 1, "r_lo")
    # r_lo's port range edges.
    miss(udp4(src, "10.1.3.3", 3, 999))
    rule(udp4(src, "10.1.3.3", 3, 1000), 1, "r_lo")
    rule(udp4(src, "10.1.3.3", 3, 2000), 1, "r_lo")
    miss(udp4(src, "10.1.3.3", 3, 2001))
    # r_lo's prefix edges.
    rule(udp4(src, "10.1.0.0", 3, 1500), 1, "r_lo")
    rule(udp4(src, "10.1.255.255", 3, 1500), 1, "r_lo")
    miss(udp4(src, "10.0.255.255", 3, 1500))
    miss(udp4(src, "10.2.0.0", 3, 1500))
    # r_lo is udp only.
    miss(tcp4(src, "10.1.3.3", 3, 1500))
    # Exact flow beats both rules, whatever their priorities.
    s.fwd(0, udp4("10.9.9.9", "10.1.2.3", 7, 1500), 3, "acl", ("f", "ex"))
    # Equal priorities: the rule written first wins; proto any matches ICMP and TCP.
    rule(icmp4("192.168.0.5", "10.7.7.7"), 3, "r_eq_a")
    rule(tcp4("192.168.0.5", "10.7.7.7", 4000, 80), 3, "r_eq_a")
    rule(tcp4("192.168.1.5", "10.7.7.7", 4000, 80), 0, "r_eq_b")
    rule(icmp4("192.168.255.255", "10.7.7.7"), 0, "r_eq_b")
    miss(icmp4("192.169.0.0", "10.7.7.7"))
    # r_eq_a (priority 5) beats r_sport (priority 1).
    rule(tcp4("192.168.0.5", "10.7.7.7", 5005, 80), 3, "r_eq_a")
    # r_sport edges.
    miss(tcp4("10.5.5.5", "10.7.7.7", 4999, 80))
    rule(tcp4("10.5.5.5", "10.7.7.7", 5000, 80), 1, "r_sport")
    rule(tcp4("10.5.5.5", "10.7.7.7", 5010, 80), 1, "r_sport")
    miss(tcp4("10.5.5.5", "10.7.7.7", 5011, 80))
    # IPv6 prefixes: /64 rule (priority 4) inside the /48 one (priority 3).
    rule(udp6("2001:db8::9", "2001:db8:1:2::5", 1, 2), 3, "r6b")
    rule(tcp6("2001:db8::9", "2001:db8:1:2:ffff:ffff:ffff:ffff", 1, 2), 3, "r6b")
    rule(udp6("2001:db8::9", "2001:db8:1:3::5", 1, 2), 2, "r6")
    rule(udp6("2001:db8::9", "2001:db8:1::", 1, 2), 2, "r6")
    rule(udp6("2001:db8::9", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 1, 2), 2, "r6")
    miss(tcp6("2001:db8::9", "2001:db8:1:3::5", 1, 2))   # r6 is udp only
    miss(udp6("2001:db8::9", "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 1, 2))
    miss(udp6("2001:db8::9", "2001:db8:2::", 1, 2))


# ---- case 3: VXLAN encap -----------------------------------------------------------

E1 = dict(src_mac="02:00:00:00:01:01", dst_mac="02:00:00:00:01:02", src_ip="192.0.2.1",
          dst_ip="192.0.2.2")


def encap_tagged(s, vlan_payload=b"u" * 18):
    """Tagged input to the encap tenants: the tags are stripped before encapsulation."""
    f = udp4("10.0.0.1", "10.0.0.2", 1, 100, vlans=(10,), payload=vlan_payload)
    s.pkt(1, f, tenant="encv", hit=("r", "tagged"),
          out=(2, encap(untag(f), vni=10, udp_src=5556, **E1)))
    # QinQ: both tags stripped.
    f = udp4("10.0.0.1", "10.0.0.2", 1, 100, vlans=(20, 30), qinq=True)
    s.pkt(1, f, tenant="encq", hit=("r", "qq"),
          out=(3, encap(untag(f), vni=2030, udp_src=5558, **E1)))


def encap_case(s):
    s.declare("enc", [("r", "fixed"), ("r", "ttl"), ("r", "hash"), ("r", "six")])
    s.declare("encv", [("r", "tagged")])
    s.declare("encq", [("r", "qq")])
    f = udp4("10.0.0.1", "10.0.0.2", 1, 100)
    s.pkt(0, f, tenant="enc", hit=("r", "fixed"),
          out=(1, encap(f, vni=7000, udp_src=5555, **E1)))
    f = udp4("10.0.0.1", "10.0.0.2", 1, 100, payload=b"x" * 300)
    s.pkt(0, f, tenant="enc", hit=("r", "fixed"),
          out=(1, encap(f, vni=7000, udp_src=5555, **E1)))
    f = tcp4("10.0.0.3", "10.0.0.4", 5, 101)
    s.pkt(0, f, tenant="enc", hit=("r", "ttl"),
          out=(2, encap(f, vni=0x123456, udp_src=6000, udp_dst=8472, ttl=9, **E1)))
    f = udp6("2001:db8::1", "2001:db8::2", 7, 8)
    s.pkt(0, f, tenant="enc", hit=("r", "six"),
          out=(1, encap(f, vni=66, udp_src=5557, **E1)))
    encap_tagged(s)


def encap_hash(s):
    """udp_src 0: a hashed source port, equal for packets of one flow."""
    s.declare("enc", [("r", "fixed"), ("r", "ttl"), ("r", "hash"), ("r", "six")])
    for pl in (b"first", b"second-longer"):
        f = udp4("10.0.0.5", "10.0.0.6", 1234, 102, payload=pl)
        s.pkt(0, f, tenant="enc", hit=("r", "hash"),
              out=(3, encap(f, vni=9, udp_src=0, **E1)))
    s.masks.append((3, 34, 2))


# ---- case 4: VXLAN decap -----------------------------------------------------------

def decap(s):
    s.declare("dec", [("r", "all")])
    s.declare("re", [("r", "again")])
    s.declare("nodec", [("r", "bad")])
    inner = Ether(src=MAC_B, dst=MAC_A) / IP(src="10.0.0.1", dst="10.0.0.2") / \
        UDP(sport=1, dport=2) / Raw(b"inner payload")
    s.pkt(0, vxlan(5000, inner), tenant="dec", hit=("r", "all"), out=(1, inner))
    # Outer VLAN tag and an inner tagged frame: the inner frame comes out whole.
    inner_t = Ether(src=MAC_B, dst=MAC_A) / Dot1Q(vlan=77) / IP(src="10.0.0.1", dst="10.0.0.9") / \
        TCP(sport=3, dport=4) / Raw(b"tagged inner")
    s.pkt(1, vxlan(5000, inner_t, vlans=(5,)), tenant="dec", hit=("r", "all"), out=(1, inner_t))
    # Decap, then encap with another VNI.
    s.pkt(2, vxlan(6000, inner), tenant="re", hit=("r", "again"),
          out=(3, encap(inner, vni=6001, udp_src=7777, **E1)))
    # VNI 6000 is port 2's only; port 1 has no tenant.
    s.pkt(1, vxlan(6000, inner), drop="no_tenant")
    # vxlan_decap on a packet that is not VXLAN.
    s.pkt(3, udp4("10.0.0.1", "10.0.0.2", 1, 2), tenant="nodec", hit=("r", "bad"),
          drop="decap_not_vxlan")


# ---- case 5: malformed packets -----------------------------------------------------

def malformed(s):
    s.declare("m", [("r", "v4"), ("r", "v6")])
    E = bytes(Ether(src=MAC_A, dst=MAC_B, type=0x0800))
    E6 = bytes(Ether(src=MAC_A, dst=MAC_B, type=0x86dd))
    ip = bytes(IP(src="10.0.0.1", dst="10.0.0.2", proto=17, len=20))

    def ip4(proto, l4, **kw):
        return bytes(IP(src="10.0.0.1", dst="10.0.0.2", proto=proto, **kw) / Raw(l4))

    udp_ok = bytes(UDP(sport=1, dport=2) / Raw(b"abcd"))
    bad = [
        ("eth_truncated", b"\x02" * 13),
        ("vlan_truncated", bytes(Ether(src=MAC_A, dst=MAC_B, type=0x8100)) + b"\x00\x64"),
        ("vlan_too_many", bytes(eth((1, 2, 3)) / IP() / UDP())),
        ("vlan_too_many", bytes(eth((1, 2), qinq=True)) [:-2] + b"\x81\x00"),
        ("ipv4_truncated", E + ip[:19]),
        ("ipv4_bad_version", E + b"\x65" + ip4(17, udp_ok)[1:]),
        ("ipv4_bad_ihl", E + b"\x44" + ip4(17, udp_ok)[1:]),
        ("ipv4_truncated", E + bytes(IP(ihl=15, options=[]) / Raw(b"\x00" * 20))[:30]),
        ("ipv4_bad_len", E + ip4(17, udp_ok, len=200)),
        ("ipv4_bad_len", E + ip4(17, udp_ok, len=19)),
        ("udp_truncated", E + ip4(17, b"\x00\x01\x00\x02")),
        ("udp_bad_len", E + ip4(17, bytes(UDP(sport=1, dport=2, len=7)))),
        ("udp_bad_len", E + ip4(17, bytes(UDP(sport=1, dport=2, len=13) / Raw(b"abcd")))),
        ("tcp_truncated", E + ip4(6, bytes(TCP(sport=1, dport=2))[:19])),
        ("tcp_bad_doff", E + ip4(6, bytes(TCP(sport=1, dport=2, dataofs=4)))),
        ("tcp_bad_doff", E + ip4(6, bytes(TCP(sport=1, dport=2, dataofs=6)))),
        ("ipv6_truncated", E6 + bytes(IPv6())[:39]),
        ("ipv6_bad_version", E6 + b"\x40" + bytes(IPv6(plen=0, nh=59))[1:]),
        ("ipv6_bad_len", E6 + bytes(IPv6(src="2001:db8::1", dst="2001:db8::2", plen=13, nh=17) /
                                    udp_ok)),
        ("vxlan_bad_flags", bytes(eth() / IP(src="1.1.1.1", dst="2.2.2.2") /
                                  UDP(sport=9, dport=4789) / VXLAN(flags=0x00, vni=1) /
                                  Ether() / IP() / UDP())),
        ("vxlan_truncated", bytes(eth() / IP(src="1.1.1.1", dst="2.2.2.2") /
                                  UDP(sport=9, dport=4789) / Raw(b"\x08\x00\x00\x00"))),
        ("eth_truncated", bytes(eth() / IP(src="1.1.1.1", dst="2.2.2.2") /
                                UDP(sport=9, dport=4789) / VXLAN(vni=1) / Raw(b"\x00" * 13))),
    ]
    for why, fr in bad:
        s.pkt(0, fr, drop=why)
    # Well-formed controls go through the same rules.
    s.fwd(0, udp4("10.0.0.1", "10.0.0.2", 1, 2), 1, "m", ("r", "v4"))
    s.fwd(0, udp6("2001:db8::1", "2001:db8::2", 1, 2), 1, "m", ("r", "v6"))
    # Ethernet padding after a short IPv4 datagram is fine.
    s.fwd(0, E + ip4(17, udp_ok) + b"\x00" * 20, 1, "m", ("r", "v4"))


# ---- case 6: meter -----------------------------------------------------------------

def meter(s, step):
    s.declare("mt", [("f", "m")], colors=[("f", "m")])
    for i in range(25):
        f = udp4("10.0.0.1", "10.0.0.2", 1, 2, payload=bytes([i]) * 58)
        assert len(bytes(f)) == 100
        c = "g" if i < 10 else "y" if i < 20 else "r"
        if c == "r":
            s.pkt(0, f, tenant="mt", hit=("f", "m"), color=c, drop="meter_red")
        else:
            s.fwd(0, f, 1, "mt", ("f", "m"), color=c)


# ---- case 7: multi-segment -----------------------------------------------------------

def multiseg_classify(s):
    s.declare("plain", [("f", "p4"), ("f", "p6"), ("f", "pdrop"), ("f", "pnpu")])
    s.declare("vlan", [("f", "v4")])
    s.declare("qinq", [("f", "q4")])
    s.declare("vni", [("f", "x4")])
    s.fwd(0, udp4(*T4, payload=b"m" * 100), 1, "plain", ("f", "p4"))
    s.fwd(0, tcp6("2001:db8::1", "2001:db8::2", 1000, 80), 2, "plain", ("f", "p6"))
    s.fwd(1, udp4(*T4, vlans=(100,), payload=b"v" * 80), 3, "vlan", ("f", "v4"))
    s.fwd(1, udp4(*T4, vlans=(200, 300), qinq=True), 0, "qinq", ("f", "q4"))
    s.fwd(1, vxlan(5000, Ether() / IP(src=T4[0], dst=T4[1]) / UDP(sport=T4[2], dport=T4[3]) /
                   Raw(b"i" * 40)), 2, "vni", ("f", "x4"))
    s.pkt(0, udp4("10.0.0.1", "10.0.0.2", 1000, 2001), tenant="plain", drop="no_flow")
    s.pkt(0, udp4("10.0.0.1", "10.0.0.2", 1001, 2000), tenant="plain", hit=("f", "pdrop"),
          drop="action_drop")


def multiseg_encap(s):
    s.declare("enc", [("r", "fixed"), ("r", "ttl"), ("r", "hash"), ("r", "six")])
    s.declare("encv", [("r", "tagged")])
    s.declare("encq", [("r", "qq")])
    f = udp4("10.0.0.1", "10.0.0.2", 1, 100, payload=b"z" * 200)
    s.pkt(0, f, tenant="enc", hit=("r", "fixed"), out=(1, encap(f, vni=7000, udp_src=5555, **E1)))
    encap_tagged(s, vlan_payload=b"y" * 100)


def multiseg_decap(s):
    s.declare("dec", [("r", "all")])
    s.declare("re", [("r", "again")])
    s.declare("nodec", [("r", "bad")])
    inner = Ether(src=MAC_B, dst=MAC_A) / IP(src="10.0.0.1", dst="10.0.0.2") / \
        UDP(sport=1, dport=2) / Raw(b"inner payload")
    # The outer headers (50 bytes) span segments of 20: documented as hdr_split.
    s.pkt(0, vxlan(5000, inner), tenant="dec", hit=("r", "all"), drop="hdr_split")


# ---- case 8: reload ----------------------------------------------------------------

A = ("10.0.0.1", "10.0.0.2", 1, 10)
B = ("10.0.0.1", "10.0.0.2", 1, 11)


def reload_a(s):
    s.declare("keep", [("f", "kept"), ("f", "old")])
    s.declare("gone", [("f", "g")])
    for i in range(3):
        s.fwd(0, udp4(*A, payload=bytes([i]) * 20), 1, "keep", ("f", "kept"))
    for i in range(2):
        s.fwd(0, udp4(*B, payload=bytes([i]) * 20), 2, "keep", ("f", "old"))
    s.fwd(1, udp4(*A), 3, "gone", ("f", "g"))


def reload_b(s):
    # B: kept keeps its name (counters carry) but forwards to 3; old renamed new.
    s.reload(keep_tenants={"keep"}, keep_flows={("keep", "f", "kept")})
    s.declare("keep", [("f", "kept"), ("f", "new")])
    for i in range(2):
        s.fwd(0, udp4(*A, payload=bytes([i]) * 20), 3, "keep", ("f", "kept"))
    s.fwd(0, udp4(*B), 2, "keep", ("f", "new"))
    s.pkt(1, udp4(*A), drop="no_tenant")


# ---- scenarios ---------------------------------------------------------------------

def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    plan = [
        ("classify", [("main", classify)]),
        ("rules", [("main", rules)]),
        ("encap", [("main", encap_case)]),
        ("encaphash", [("main", encap_hash)]),
        ("decap", [("main", decap)]),
        ("malformed", [("main", malformed)]),
        ("meter", [("frozen", meter), ("later", meter)]),
        ("msclassify", [("main", multiseg_classify)]),
        ("msencap", [("main", multiseg_encap)]),
        ("msdecap", [("main", multiseg_decap)]),
        # reload: the failed apply (step bad) changes nothing: same traffic, same result.
        ("reload", [("a", reload_a), ("b", reload_b), ("bad", lambda s: reload_b_again(s))]),
    ]
    for name, steps in plan:
        s = Scn(out, name)
        for step, fn in steps:
            s.begin(step)
            if fn is meter:
                fn(s, step)
            else:
                fn(s)
            s.end()
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write("ok\n")


def reload_b_again(s):
    for i in range(2):
        s.fwd(0, udp4(*A, payload=bytes([i]) * 20), 3, "keep", ("f", "kept"))
    s.fwd(0, udp4(*B), 2, "keep", ("f", "new"))
    s.pkt(1, udp4(*A), drop="no_tenant")


if __name__ == "__main__":
    main()
