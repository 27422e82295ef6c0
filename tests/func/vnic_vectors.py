#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Reference vectors for tests/func/test_vnic.c: tenants switching between
their vNICs (net_virtio_user in the test process) and the uplink (ring
port 0), built by scapy independently of the data plane's C code.

For each step of the scenario this writes, into OUTDIR:

  vnic_STEP_in.pcap      frames injected, in order
  vnic_STEP_in.txt       the endpoint each of them is injected at, one a line
  vnic_STEP_out_EP.pcap  frames expected at endpoint EP, in order
  vnic_STEP_expect.txt   counters after the step (cumulative over the steps):
      drop NAME N                    every non-zero drop reason (others: 0)
      ep EP RX TX                    frames the data plane received from and
                                     sent to the endpoint (its port counters)
      tenant NAME PKTS BYTES
      flow TENANT KIND NAME PKTS BYTES
      l2 FIELD N                     sluice_dp_l2_stats() fields
      lookup TENANT MAC WHERE KIND   WHERE: a vNIC name, "uplink" or "none";
                                     KIND: static, learned or -

Endpoints: up (uplink, port 0), a1 a2 a3 (tenant acme), b1 (tenant bravo).
What the test does between steps (learning, clock, guests leaving, reload)
is written next to each step below and in test_vnic.c.

Usage: vnic_vectors.py OUTDIR [STAMP]
"""
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectors import encap, write_pcap  # noqa: E402
from scapy.all import ARP, Dot1Q, Ether, IP, Raw, UDP, VXLAN  # noqa: E402

A1, A2, A3 = "02:00:00:00:0a:01", "02:00:00:00:0a:02", "02:00:00:00:0a:03"
B1 = "02:00:00:00:0b:01"
R1, R2, R3, R4 = "02:00:00:00:0c:01", "02:00:00:00:0c:02", "02:00:00:00:0c:03", "02:00:00:00:0c:04"
M5 = "06:00:00:00:0a:05"      # a MAC behind a2 (a container in the guest)
R9 = "02:00:00:00:0c:09"      # nobody has it
BCAST = "ff:ff:ff:ff:ff:ff"
ACME_VLAN = 100
BRAVO_VNI = 5000
EPS = ["up", "a1", "a2", "a3", "b1"]


def udp(src, dst, dport=7000, tag=None, payload=b"sluice-l2"):
    e = Ether(src=src, dst=dst)
    if tag is not None:
        e = e / Dot1Q(vlan=tag)
    return e / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5000, dport=dport) / Raw(payload)


def arp(src, ip="10.0.0.9"):
    return Ether(src=src, dst=BCAST) / ARP(hwsrc=src, psrc="10.0.0.1", pdst=ip)


def tagged(frame, vid=ACME_VLAN):
    """The frame with an 802.1Q tag pushed after its MACs."""
    b = bytes(frame)
    return b[:12] + b"\x81\x00" + vid.to_bytes(2, "big") + b[12:]


def bravo_out(inner):
    """Bravo's uplink: VXLAN with its fixed outer headers."""
    return encap(inner, "02:00:00:00:ff:01", "02:00:00:00:ff:02", "192.0.2.1", "192.0.2.2",
                 BRAVO_VNI, 49152)


def bravo_in(inner, vni=BRAVO_VNI):
    """VXLAN as a remote VTEP sends it to us."""
    return (Ether(src="02:00:00:00:ff:02", dst="02:00:00:00:ff:01") /
            IP(src="192.0.2.2", dst="192.0.2.1") / UDP(sport=50000, dport=4789) /
            VXLAN(vni=vni) / inner)


class Scn:
    def __init__(self, outdir):
        self.outdir = outdir
        self.rx = Counter()
        self.tx = Counter()
        self.drops = Counter()
        self.tenants = {"acme": [0, 0], "bravo": [0, 0]}
        self.flows = {("acme", "d", "default"): [0, 0], ("acme", "r", "no-discard"): [0, 0]}
        self.l2 = Counter(static_macs=3)
        self.lookups = []
        self.gone = set()

    def begin(self, step):
        self.step = step
        self.ins = []
        self.outs = defaultdict(list)
        self.lookups = []

    def pkt(self, ep, frame, tenant, outs=(), drop=None, hit=None, flood=False):
        """One frame in at `ep`; `outs` [(ep, frame)] come out, or it is dropped."""
        frame = bytes(frame)
        self.ins.append((ep, frame))
        self.rx[ep] += 1
        if tenant is not None:
            self.tenants[tenant][0] += 1
            self.tenants[tenant][1] += len(frame)
        if hit is not None:
            self.flows[(tenant,) + hit][0] += 1
            self.flows[(tenant,) + hit][1] += len(frame)
        for oep, ofr in outs:
            self.outs[oep].append(bytes(ofr))
            self.tx[oep] += 1
        if drop is not None:
            self.drops[drop] += 1
        assert (drop is None) == (len(outs) > 0), "a frame goes out or is dropped"
        if flood:
            self.l2["flooded"] += 1

    def acme(self, ep, frame, outs=(), drop=None, flood=False):
        """A frame of acme's that no rule claims: counted by its default, switched."""
        self.pkt(ep, frame, "acme", outs, drop, ("d", "default"), flood)

    def lookup(self, tenant, mac, where, kind):
        self.lookups.append((tenant, mac, where, kind))

    def end(self):
        base = os.path.join(self.outdir, "vnic_%s" % self.step)
        write_pcap(base + "_in.pcap", [f for _, f in self.ins])
        with open(base + "_in.txt", "w") as f:
            f.writelines(ep + "\n" for ep, _ in self.ins)
        for ep in EPS:
            write_pcap("%s_out_%s.pcap" % (base, ep), self.outs[ep])
        with open(base + "_expect.txt", "w") as f:
            for d in sorted(self.drops):
                f.write("drop %s %d\n" % (d, self.drops[d]))
            for ep in EPS:
                if ep in self.gone:
                    f.write("absent %s\n" % ep)
                else:
                    f.write("ep %s %d %d\n" % (ep, self.rx[ep], self.tx[ep]))
            for t in sorted(self.tenants):
                f.write("tenant %s %d %d\n" % ((t,) + tuple(self.tenants[t])))
            for k in sorted(self.flows):
                f.write("flow %s %s %s %d %d\n" % (k + tuple(self.flows[k])))
            for k in ("static_macs", "learned_macs", "learned", "moved", "aged", "flooded"):
                f.write("l2 %s %d\n" % (k, self.l2[k]))
            for lk in self.lookups:
                f.write("lookup %s %s %s %s\n" % lk)


def first(s):
    """Nothing learned yet: broadcast, static MACs, refusals, frames from the uplink."""
    s.acme("a1", arp(A1), [("a2", arp(A1)), ("up", tagged(arp(A1)))], flood=True)
    s.acme("a1", udp(A1, A2), [("a2", udp(A1, A2))])
    s.pkt("b1", arp(B1), "bravo", [("up", bravo_out(arp(B1)))], flood=True)
    # To acme's vNIC from bravo's guest: refused, whatever the guest knows.
    s.pkt("b1", udp(B1, A1), "bravo", drop="vnic_cross_tenant")
    # Bravo's guest using acme's a2 MAC as its source.
    s.pkt("b1", udp(A2, R2), "bravo", drop="l2_src_spoof")
    s.acme("a2", udp(A2, A2), drop="l2_same_port")
    s.acme("a1", udp("01:00:5e:00:00:01", A2), drop="l2_bad_src")
    # acme's rule drops UDP port 9 before anything is switched.
    s.pkt("a1", udp(A1, A2, dport=9), "acme", drop="action_drop", hit=("r", "no-discard"))
    s.acme("up", udp(R1, A2, tag=ACME_VLAN), [("a2", udp(R1, A2))])
    s.pkt("up", bravo_in(udp(R2, B1)), "bravo", [("b1", udp(R2, B1))])
    s.pkt("up", bravo_in(udp(R3, A1)), "bravo", drop="vnic_cross_tenant")
    s.acme("up", udp(R4, R9, tag=ACME_VLAN), [("a1", udp(R4, R9)), ("a2", udp(R4, R9))],
           flood=True)
    # A guest's own VLAN tag is its business: bravo carries it inside the tunnel.
    s.pkt("b1", udp(B1, R9, tag=ACME_VLAN), "bravo", [("up", bravo_out(udp(B1, R9, tag=ACME_VLAN)))],
          flood=True)
    s.acme("a2", udp(M5, R9), [("a1", udp(M5, R9)), ("up", tagged(udp(M5, R9)))], flood=True)
    s.pkt("up", udp(R1, A1, tag=200), None, drop="no_tenant")
    # The network claiming a vNIC's MAC.
    s.acme("up", udp(A1, A2, tag=ACME_VLAN), drop="l2_src_spoof")
    # Bravo's VNI carrying acme's VLAN tag: bravo's.
    s.pkt("up", bravo_in(udp(R2, B1, tag=ACME_VLAN)), "bravo", [("b1", udp(R2, B1, tag=ACME_VLAN))])
    # A guest of acme sending VXLAN with bravo's VNI (matched on any port): still acme's frame,
    # switched by its own MACs within acme (flooded: nobody has that destination).
    vx = Ether(src=A1, dst="02:00:00:00:ff:01", type=0x0800) / bytes(bravo_in(udp(R2, B1)))[14:]
    vx = bytes(vx)
    s.acme("a1", vx, [("a2", vx), ("up", tagged(vx))], flood=True)
    s.lookup("acme", A1, "a1", "static")
    s.lookup("bravo", B1, "b1", "static")
    s.lookup("bravo", A1, "none", "-")
    s.lookup("acme", R1, "none", "-")       # learned only once the test services


def second(s):
    """After sluice_dp_service(): R1 R4 (acme uplink), R2 R3 (bravo uplink), M5 (a2)."""
    s.l2["learned"] += 5
    s.l2["learned_macs"] += 5
    s.lookup("acme", R1, "uplink", "learned")
    s.lookup("acme", M5, "a2", "learned")
    s.lookup("bravo", R2, "uplink", "learned")
    s.lookup("acme", R2, "none", "-")
    s.acme("a1", udp(A1, R1), [("up", tagged(udp(A1, R1)))])
    s.acme("up", udp(R1, M5, tag=ACME_VLAN), [("a2", udp(R1, M5))])
    s.pkt("b1", udp(B1, R2), "bravo", [("up", bravo_out(udp(B1, R2)))])
    # R2 is bravo's: acme does not know it.
    s.acme("a1", udp(A1, R2), [("a2", udp(A1, R2)), ("up", tagged(udp(A1, R2)))], flood=True)
    # M5 shows up on the uplink: it moves there at the next service.
    s.acme("up", udp(M5, A1, tag=ACME_VLAN), [("a1", udp(M5, A1))])


def third(s):
    """After the service that moved M5."""
    s.l2["moved"] += 1
    s.lookup("acme", M5, "uplink", "learned")
    s.acme("a1", udp(A1, M5), [("up", tagged(udp(A1, M5)))])


def aged(s):
    """The test clock went past the age time and the service ran: all learned MACs gone."""
    s.l2["aged"] += 5
    s.l2["learned_macs"] -= 5
    s.lookup("acme", R1, "none", "-")
    s.lookup("acme", A1, "a1", "static")
    s.acme("a1", udp(A1, R1), [("a2", udp(A1, R1)), ("up", tagged(udp(A1, R1)))], flood=True)


def down(s):
    """a2's guest is gone (its virtio_user stopped)."""
    s.acme("a1", udp(A1, A2), drop="vnic_down")
    s.acme("a1", arp(A1), [("up", tagged(arp(A1)))], flood=True)


def back(s):
    """a2's guest is back; the uplink teaches R1 again (learned at the next service)."""
    s.acme("a1", udp(A1, A2), [("a2", udp(A1, A2))])
    s.acme("up", udp(R1, A1, tag=ACME_VLAN), [("a1", udp(R1, A1))])


def reload(s):
    """vnic_reload.yaml applied: acme has a3 too, bravo no vNIC; R1 carried over."""
    s.l2["learned"] += 1
    s.l2["learned_macs"] += 1
    s.l2["static_macs"] = 3
    s.gone.add("b1")
    s.lookup("acme", R1, "uplink", "learned")
    s.lookup("acme", A3, "a3", "static")
    s.lookup("bravo", B1, "none", "-")
    s.acme("a1", udp(A1, R1), [("up", tagged(udp(A1, R1)))])
    s.acme("a1", udp(A1, A3), [("a3", udp(A1, A3))])
    s.acme("a3", arp(A3), [("a1", arp(A3)), ("a2", arp(A3)), ("up", tagged(arp(A3)))], flood=True)
    s.pkt("up", bravo_in(udp(R2, B1)), "bravo", drop="l2_no_destination")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    s = Scn(out)
    for step, fn in [("first", first), ("second", second), ("third", third), ("aged", aged),
                     ("down", down), ("back", back), ("reload", reload)]:
        s.begin(step)
        fn(s)
        s.end()
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write("ok\n")


if __name__ == "__main__":
    main()
