# SPDX-License-Identifier: BSD-3-Clause
"""Traffic and table generation for perf/bench_core.py.

One address plan feeds every contender, so that the lookups they do are over
the same 5-tuples:

  tenant t (0..999), VLAN t+1, owns the source prefix 10.(t>>8).(t&255).0/24
  exact flow (t, k), k = 0..99:
      UDP 10.(t>>8).(t&255).(k+1):(1024+k) -> 198.18.(t>>8).(t&255):80
  wildcard-only packet (t, j), j = 0..9 (sluice-b only):
      UDP 10.(t>>8).(t&255).(101+j):(20000+j) -> 198.18.(t>>8).(t&255):(5000+j)
      no exact flow has this 5-tuple; the tenant's one wildcard rule
      (src 10.(t>>8).(t&255).0/24, dport 5000-6000) catches it.

Every pcap holds the same number of frames (N_PACKETS = 110,000), each frame
60 bytes as captured (64 bytes on the wire with the 4-byte FCS, the RFC 2544
"64-byte frame"), shuffled with a fixed seed so that consecutive packets hit
unrelated table entries:

  peers.pcap     untagged; the 100,000 exact flows once each, plus flows
                 k < 10 of every tenant a second time (10,000 repeats), so that
                 every packet hits l3fwd's exact-match table and one ACL rule.
  sluice_a.pcap  untagged; 110,000 copies of exact flow (0, 0).
  sluice_b.pcap  VLAN t+1; the 100,000 exact flows once each plus the 10,000
                 wildcard-only packets (1 in 11 = 9.1% of the traffic).

Frames are built with scapy from one template per kind and the per-packet
fields are patched in (scapy builds ~3,000 packets/s here, too slow for
330,000 frames); the first packets of each file are checked byte for byte
against packets scapy builds from scratch.
"""

import hashlib
import json
import os
import random
import struct

N_TENANTS = 1000
FLOWS_PER_TENANT = 100
WILD_PER_TENANT = 10
N_EXACT = N_TENANTS * FLOWS_PER_TENANT          # 100,000
N_PACKETS = N_EXACT + N_TENANTS * WILD_PER_TENANT  # 110,000
FRAME_LEN = 60                                  # + 4 B FCS = 64 B on the wire
SEED = 1

# net_pcap's port 0 MAC (02:70:63:61:70:00, "pcap") so a dataplane that checks
# the destination MAC accepts the frames.
DST_MAC = "02:70:63:61:70:00"
SRC_MAC = "02:00:00:00:00:02"

GEN_VERSION = 3   # bump when anything below changes the generated files


def tenant_prefix(t):
    return "10.%d.%d" % (t >> 8, t & 255)


def exact_flow(t, k):
    """(src, dst, sport, dport) of exact flow k of tenant t."""
    return ("%s.%d" % (tenant_prefix(t), k + 1),
            "198.18.%d.%d" % (t >> 8, t & 255), 1024 + k, 80)


def wild_packet(t, j):
    return ("%s.%d" % (tenant_prefix(t), 101 + j),
            "198.18.%d.%d" % (t >> 8, t & 255), 20000 + j, 5000 + j)


def _csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def _ip4(a):
    return bytes(int(x) for x in a.split("."))


class FrameBuilder:
    """Patches 5-tuples (and the VLAN id) into a scapy-built template."""

    def __init__(self, vlan):
        self.vlan = vlan
        self.l3 = 18 if vlan else 14
        tmpl = self.scapy_frame("10.0.0.1", "198.18.0.0", 1024, 80, 1)
        self.tmpl = bytearray(tmpl)

    def scapy_frame(self, src, dst, sport, dport, vlan):
        from scapy.all import Ether, Dot1Q, IP, UDP, Raw
        p = Ether(dst=DST_MAC, src=SRC_MAC)
        if self.vlan:
            p = p / Dot1Q(vlan=vlan)
        p = p / IP(src=src, dst=dst, ttl=64) / UDP(sport=sport, dport=dport)
        pad = FRAME_LEN - len(p)
        if pad < 0:
            raise ValueError("headers exceed %d bytes" % FRAME_LEN)
        # The padding is UDP payload: scapy's lengths and checksums cover it.
        b = bytes(p / Raw(b"\0" * pad))
        assert len(b) == FRAME_LEN, len(b)
        return b

    def frame(self, src, dst, sport, dport, vlan):
        f = bytearray(self.tmpl)
        l3 = self.l3
        if self.vlan:
            f[14:16] = struct.pack("!H", vlan & 0x0FFF)
        f[l3 + 12:l3 + 16] = _ip4(src)
        f[l3 + 16:l3 + 20] = _ip4(dst)
        f[l3 + 10:l3 + 12] = b"\0\0"
        f[l3 + 10:l3 + 12] = struct.pack("!H", _csum(bytes(f[l3:l3 + 20])))
        u = l3 + 20
        f[u:u + 2] = struct.pack("!H", sport)
        f[u + 2:u + 4] = struct.pack("!H", dport)
        f[u + 6:u + 8] = b"\0\0"
        ulen = struct.unpack("!H", f[u + 4:u + 6])[0]
        pseudo = bytes(f[l3 + 12:l3 + 20]) + struct.pack("!BBH", 0, 17, ulen)
        c = _csum(pseudo + bytes(f[u:u + ulen]))
        f[u + 6:u + 8] = struct.pack("!H", c or 0xFFFF)
        return bytes(f)


def _write_pcap(path, frames):
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        hdr = struct.Struct("<IIII")
        for i, f in enumerate(frames):
            fh.write(hdr.pack(i // 1000000, i % 1000000, len(f), len(f)))
            fh.write(f)
    os.replace(tmp, path)


def _build_frames(kind):
    """List of (src, dst, sport, dport, vlan) for one pcap, in file order."""
    rng = random.Random(SEED)
    if kind == "sluice_a":
        s, d, sp, dp = exact_flow(0, 0)
        return [(s, d, sp, dp, 0)] * N_PACKETS
    tuples = []
    for t in range(N_TENANTS):
        for k in range(FLOWS_PER_TENANT):
            tuples.append(exact_flow(t, k) + (t + 1,))
    if kind == "peers":
        for t in range(N_TENANTS):
            for k in range(WILD_PER_TENANT):
                tuples.append(exact_flow(t, k) + (0,))
        tuples = [x[:4] + (0,) for x in tuples]
    elif kind == "sluice_b":
        for t in range(N_TENANTS):
            for j in range(WILD_PER_TENANT):
                tuples.append(wild_packet(t, j) + (t + 1,))
    else:
        raise ValueError(kind)
    rng.shuffle(tuples)
    assert len(tuples) == N_PACKETS
    return tuples


def make_pcap(path, kind):
    vlan = kind == "sluice_b"
    fb = FrameBuilder(vlan)
    tuples = _build_frames(kind)
    frames = [fb.frame(*t) for t in tuples]
    # Cross-check the patched frames against frames scapy builds itself.
    for i in range(min(32, len(frames))):
        ref = fb.scapy_frame(*tuples[i])
        if ref != frames[i]:
            raise AssertionError("frame %d of %s differs from scapy's" % (i, kind))
    _write_pcap(path, frames)


# ---- rule and table files -------------------------------------------------

def write_l3fwd_em_rules(v4_path, v6_path, out_port):
    """l3fwd 22.11 --rule_ipv4 for --lookup=em: one line per flow,
    'R<dst> <src> <dport> <sport> <proto> <out port>' (em_route_parse.c)."""
    with open(v4_path + ".tmp", "w") as fh:
        fh.write("# %d exact flows, generated by perf/traffic.py\n" % N_EXACT)
        for t in range(N_TENANTS):
            for k in range(FLOWS_PER_TENANT):
                s, d, sp, dp = exact_flow(t, k)
                fh.write("R%s %s %d %d 0x11 %d\n" % (d, s, dp, sp, out_port))
    os.replace(v4_path + ".tmp", v4_path)
    with open(v6_path, "w") as fh:  # l3fwd wants both files; no IPv6 traffic
        fh.write("R2001:0200:0000:0000:0000:0000:0000:0000 "
                 "2001:0200:0000:0000:0000:0000:0000:0001 9 9 0x11 %d\n" % out_port)


def write_l3fwd_acl_rules(v4_path, v6_path, out_port):
    """l3fwd 22.11 --lookup=acl rule file: one route rule per tenant,
    'R<src>/<len> <dst>/<len> <sport lo> : <sport hi> <dport lo> : <dport hi>
    <proto>/<mask> <out port>' (l3fwd_acl.c parse_cb_ipv4vlan_rule). Earlier
    lines get higher priority. Every packet of peers.pcap matches one rule."""
    with open(v4_path, "w") as fh:
        fh.write("# %d ACL route rules, generated by perf/traffic.py\n" % N_TENANTS)
        for t in range(N_TENANTS):
            fh.write("R%s.0/24 198.18.0.0/15 1024 : 65535 0 : 1023 17/0xff %d\n"
                     % (tenant_prefix(t), out_port))
    with open(v6_path, "w") as fh:
        fh.write("R0:0:0:0:0:0:0:0/0 0:0:0:0:0:0:0:0/0 0 : 65535 0 : 65535 "
                 "0x00/0x00 %d\n" % out_port)


def write_sluice_tenants_a(path, out_port):
    s, d, sp, dp = exact_flow(0, 0)
    with open(path, "w") as fh:
        fh.write("# sluice-a: 1 tenant (untagged port 0), 1 exact flow\n"
                 "tenants:\n"
                 "  - name: t1\n"
                 "    match: [{port: 0}]\n"
                 "    flows:\n"
                 "      - match: {proto: udp, src: %s, dst: %s, sport: %d, dport: %d}\n"
                 "        actions: [{forward: %d}]\n" % (s, d, sp, dp, out_port))


def write_sluice_tenants_b(path, out_port):
    with open(path + ".tmp", "w") as fh:
        fh.write("# sluice-b: %d tenants (port 0 + VLAN 1..%d), %d exact flows "
                 "and 1 wildcard rule each\ntenants:\n"
                 % (N_TENANTS, N_TENANTS, FLOWS_PER_TENANT))
        for t in range(N_TENANTS):
            fh.write("  - name: t%d\n    match: [{port: 0, vlan: %d}]\n    flows:\n"
                     % (t + 1, t + 1))
            for k in range(FLOWS_PER_TENANT):
                s, d, sp, dp = exact_flow(t, k)
                fh.write("      - match: {proto: udp, src: %s, dst: %s, sport: %d, "
                         "dport: %d}\n        actions: [{forward: %d}]\n"
                         % (s, d, sp, dp, out_port))
            fh.write("    rules:\n      - priority: 1\n"
                     "        match: {proto: udp, src: %s.0/24, dst: any, "
                     "dport: 5000-6000}\n        actions: [{forward: %d}]\n"
                     % (tenant_prefix(t), out_port))
    os.replace(path + ".tmp", path)


def _stamp(files, params):
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    return {"params_sha256": h, "files": sorted(files)}


def generate_all(out_dir, out_port, log=print):
    """Writes pcaps and tables into out_dir unless an up-to-date set is there.
    Returns a dict name -> path."""
    os.makedirs(out_dir, exist_ok=True)
    p = lambda n: os.path.join(out_dir, n)  # noqa: E731
    paths = {
        "peers_pcap": p("peers.pcap"),
        "sluice_a_pcap": p("sluice_a.pcap"),
        "sluice_b_pcap": p("sluice_b.pcap"),
        "em_v4": p("l3fwd_em_v4.rules"),
        "em_v6": p("l3fwd_em_v6.rules"),
        "acl_v4": p("l3fwd_acl_v4.rules"),
        "acl_v6": p("l3fwd_acl_v6.rules"),
        "tenants_a": p("tenants_a.yaml"),
        "tenants_b": p("tenants_b.yaml"),
    }
    params = {"v": GEN_VERSION, "n_tenants": N_TENANTS, "fpt": FLOWS_PER_TENANT,
              "wpt": WILD_PER_TENANT, "frame": FRAME_LEN, "seed": SEED,
              "out_port": out_port}
    want = _stamp(paths.values(), params)
    stamp_path = p("traffic.stamp.json")
    try:
        with open(stamp_path) as fh:
            have = json.load(fh)
    except (OSError, ValueError):
        have = None
    if have == want and all(os.path.exists(x) for x in paths.values()):
        log("traffic: reusing %s (delete traffic.stamp.json to regenerate)" % out_dir)
        return paths
    log("traffic: generating %d-frame pcaps and tables in %s ..." % (N_PACKETS, out_dir))
    make_pcap(paths["peers_pcap"], "peers")
    make_pcap(paths["sluice_a_pcap"], "sluice_a")
    make_pcap(paths["sluice_b_pcap"], "sluice_b")
    write_l3fwd_em_rules(paths["em_v4"], paths["em_v6"], out_port)
    write_l3fwd_acl_rules(paths["acl_v4"], paths["acl_v6"], out_port)
    write_sluice_tenants_a(paths["tenants_a"], out_port)
    write_sluice_tenants_b(paths["tenants_b"], out_port)
    with open(stamp_path, "w") as fh:
        json.dump(want, fh)
    return paths
