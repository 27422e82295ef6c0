#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Reference vectors for tests/func/test_npu.c (tenant file: cases/npu.yaml).

Frames are the sklearn digits test split (tools/npu_model.digits_split, the
split tools/train_digits.py trained against), drawn by
tools/npu_model.digit_frame and cut into packets by tools/rfc4175_send.py;
scapy builds the Ethernet/IP/UDP around them and the result messages Sluice
must send back (docs/npu-results.md), with the scores and class that the
reference executor (tools/npu_model.py) computes for each frame.

For each scenario SCN this writes, into OUTDIR:

  npu_SCN_in_pP.pcap     frames to inject on port P, in order
  npu_SCN_out_pP.pcap    result frames expected on port P (any order); in each,
                         the UDP checksum and the payload's device_ns and
                         latency_ns (bytes 20..31) vary: the test checks the
                         checksum itself and compares the rest byte for byte
  npu_SCN_expect.txt     what the counters must say afterwards:
      ctx TENANT CONTEXT COUNTER VALUE   a context counter (sluice_bridge.h names)
      asm TENANT CONTEXT REASON VALUE    an assembler refusal count
      drop NAME VALUE                     a data plane drop counter (others: 0)
      label FRAME CLASS                   the true digit of frame FRAME (gray stream)
      reference CORRECT TOTAL             frames the reference classifies right

Usage: npu_vectors.py OUTDIR [STAMP]
"""
import os
import struct
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(0, HERE)

import npu_model  # noqa: E402
import rfc4175_send as snd  # noqa: E402
from scapy.all import Dot1Q, Ether, IP, Raw, TCP, UDP  # noqa: E402
from vectors import write_pcap  # noqa: E402

MODEL = os.path.join(HERE, "..", "..", "models", "digits.snm")
NPORTS = 4
MAC_CAM = "02:00:00:00:00:0a"
MAC_SLUICE = "02:00:00:00:00:0b"
CAM_IP, SLUICE_IP = "10.0.0.1", "10.0.0.2"
SSRC = 0x51CE0001

# Streams: (tenant, context, port, vlan, dport, format, pixel bytes, w, h, payload)
GRAY = ("cam", "gray", 0, None, 5004, "rfc4175", 1, 32, 32, 200)
RGB = ("cam2", "rgb", 1, 10, 5006, "rfc4175", 3, 32, 32, 400)
TENSOR = ("cam", "tensor", 0, None, 6000, "tensor", 1, 16, 16, 100)
SMALL = ("cam", "small", 0, None, 5008, "rfc4175", 1, 32, 32, 300)
LEGACY_DPORT = 7000


def l2(stream, src, dst):
    e = Ether(src=src, dst=dst)
    if stream[3] is not None:
        e = e / Dot1Q(vlan=stream[3])
    return e


def wrap(stream, payload, sport=40000, ip_id=1):
    return l2(stream, MAC_CAM, MAC_SLUICE) / IP(src=CAM_IP, dst=SLUICE_IP, id=ip_id) / \
        UDP(sport=sport, dport=stream[4]) / Raw(payload)


def result_frame(stream, ctx, frame_id, ssrc, scores, status=0, sport=40000, ip_id=1):
    cls = npu_model.argmax(scores) if status == 0 else 0xFFFF
    payload = struct.pack(snd.RESULT_FMT, b"SLNR", 1, status, len(scores), frame_id, ssrc, cls,
                          0, 0, 0, ctx.encode().ljust(32, b"\0"))
    payload += struct.pack("!%di" % len(scores), *scores)
    return l2(stream, MAC_SLUICE, MAC_CAM) / \
        IP(src=SLUICE_IP, dst=CAM_IP, id=ip_id, ttl=64) / \
        UDP(sport=stream[4], dport=sport) / Raw(payload)


class Scn:
    def __init__(self, outdir, name):
        self.outdir, self.name = outdir, name
        self.ins = defaultdict(list)
        self.outs = defaultdict(list)
        self.ctr = Counter()
        self.asm = Counter()
        self.drops = Counter()
        self.labels = []
        self.reference = None

    def end(self):
        base = os.path.join(self.outdir, "npu_" + self.name)
        for p in range(NPORTS):
            write_pcap("%s_in_p%d.pcap" % (base, p), self.ins[p])
            write_pcap("%s_out_p%d.pcap" % (base, p), self.outs[p])
        with open(base + "_expect.txt", "w") as f:
            for (t, c, k), v in sorted(self.ctr.items()):
                f.write("ctx %s %s %s %d\n" % (t, c, k, v))
            for (t, c, k), v in sorted(self.asm.items()):
                f.write("asm %s %s %s %d\n" % (t, c, k, v))
            for k, v in sorted(self.drops.items()):
                f.write("drop %s %d\n" % (k, v))
            for fr, lab in self.labels:
                f.write("label %d %d\n" % (fr, lab))
            if self.reference:
                f.write("reference %d %d\n" % self.reference)


class Stream:
    """One sender: frames become packets, counted as the bridge must count them."""

    def __init__(self, scn, stream, model):
        self.scn, self.s, self.model = scn, stream, model
        self.seq = 1000
        self.ip_id = 1
        self.key = stream[0], stream[1]

    def count(self, k, v=1):
        self.scn.ctr[self.key + (k,)] += v

    def packets(self, frame, fid):
        s = self.s
        if s[5] == "rfc4175":
            pkts, self.seq = snd.rfc4175_packets(frame, s[7], s[8], s[6], fid, SSRC, self.seq,
                                                 max_payload=s[9])
        else:
            pkts = snd.tensor_packets(frame, s[7], s[8], s[6], fid, s[9])
        return pkts

    def send(self, frame, fid, drop_pkt=None, inferred=True, refused=False):
        """Inject a frame's packets (all but index drop_pkt); returns how many went."""
        pkts = self.packets(frame, fid)
        sent = 0
        for i, p in enumerate(pkts):
            if i == drop_pkt:
                continue
            self.scn.ins[self.s[2]].append(wrap(self.s, p, ip_id=self.ip_id))
            self.ip_id += 1
            sent += 1
        self.count("pkts", sent)
        if refused:
            self.count("frames_refused")
            self.count("pkts_refused", sent)
            self.scn.drops["npu_queue_full"] += sent
            return sent
        self.count("frames_in")
        payload = len(frame)
        if drop_pkt is not None:
            # Every packet but the lost one moved its bytes.
            lost = len(self.packets(frame, fid)[drop_pkt])
            hdr = self._payload_hdr(self.packets(frame, fid)[drop_pkt])
            self.count("bytes_moved", payload - (lost - hdr))
            return sent
        self.count("bytes_moved", payload)
        self.count("frames_complete")
        if inferred:
            self.infer(frame, fid)
        return sent

    def _payload_hdr(self, pkt):
        """Bytes of a packet that are headers, not pixels."""
        if self.s[5] == "tensor":
            return 28
        nlines = 0
        off = 14
        while True:
            nlines += 1
            cont = struct.unpack_from("!H", pkt, off + 4)[0] & 0x8000
            off += 6
            if not cont:
                break
        return 12 + 2 + 6 * nlines

    def infer(self, frame, fid):
        s = self.s
        scores = npu_model.run(self.model, frame, s[7], s[8], s[6])
        ssrc = SSRC if s[5] == "rfc4175" else 0
        self.scn.outs[s[2]].append(result_frame(s, s[1], fid, ssrc, scores,
                                                ip_id=self.first_id(frame, fid)))
        self.count("frames_inferred")
        self.count("results_sent")
        return scores

    def first_id(self, frame, fid):
        # The result copies the IP id of the frame's first packet.
        return self._first_ids[fid]


def first_ids_tracking(stream):
    """Record each frame's first IP id as send() assigns them."""
    stream._first_ids = {}
    orig = stream.send

    def send(frame, fid, **kw):
        stream._first_ids[fid] = stream.ip_id
        return orig(frame, fid, **kw)
    stream.send = send
    return stream


def digits(n, w, h, c):
    return list(snd.digit_frames(n, w, h, c))


def scn_digits(outdir, model):
    """The whole digits test split, gray8 32x32, six lines and a bit per packet."""
    sc = Scn(outdir, "digits")
    st = first_ids_tracking(Stream(sc, GRAY, model))
    correct = 0
    frames = digits(10 ** 6, 32, 32, 1)
    for k, (frame, label) in enumerate(frames):
        fid = k * snd.RTP_CLOCK_PER_FRAME
        st.send(frame, fid)
        scores = npu_model.run(model, frame, 32, 32, 1)
        correct += npu_model.argmax(scores) == label
        sc.labels.append((fid, label))
    sc.reference = (correct, len(frames))
    sc.end()
    return correct, len(frames)


def scn_mixed(outdir, model):
    """RGB frames with a VLAN tag, tensor frames, a context without a model, bad packets."""
    sc = Scn(outdir, "mixed")
    rgb = first_ids_tracking(Stream(sc, RGB, model))
    ten = first_ids_tracking(Stream(sc, TENSOR, model))
    gray = first_ids_tracking(Stream(sc, GRAY, model))
    for k, (frame, _) in enumerate(digits(40, 32, 32, 3)):
        rgb.send(frame, 90000 + k * snd.RTP_CLOCK_PER_FRAME)
    for k, (frame, _) in enumerate(digits(40, 16, 16, 1)):
        ten.send(frame, 7 + k)
    # A context declared by name only: npu_not_attached, nothing else moves.
    legacy = ("cam", "legacy", 0, None, LEGACY_DPORT, "rfc4175", 1, 32, 32, 200)
    for i in range(3):
        sc.ins[0].append(wrap(legacy, b"\x80\x60" + bytes(30), ip_id=500 + i))
    sc.drops["npu_not_attached"] += 3
    # Bad packets to the gray context: each its reason, the stream unharmed.
    bad = [
        (b"\x40\x60" + bytes(30), "rtp_bad_version"),
        (b"\x80\x61" + bytes(30), "rtp_bad_payload_type"),
        (b"\x80\x60\x00", "asm_short"),
    ]
    for i, (p, why) in enumerate(bad):
        sc.ins[0].append(wrap(GRAY, p, sport=40001, ip_id=600 + i))
        sc.asm[("cam", "gray", why)] += 1
        gray.count("pkts")
        gray.count("pkts_bad")
        sc.drops["npu_bad_packet"] += 1
    # TCP to the gray port: not a UDP datagram.
    sc.ins[0].append(l2(GRAY, MAC_CAM, MAC_SLUICE) / IP(src=CAM_IP, dst=SLUICE_IP) /
                     TCP(sport=40000, dport=5004) / Raw(b"x" * 20))
    gray.count("pkts")
    gray.count("pkts_bad")
    gray.count("not_udp")
    sc.drops["npu_bad_packet"] += 1
    for k, (frame, _) in enumerate(digits(5, 32, 32, 1)):
        gray.send(frame, 5 + k * snd.RTP_CLOCK_PER_FRAME)
    sc.end()


def scn_loss(outdir, model):
    """Ten frames; frame 3 loses its second packet (abandoned when frame 4
    begins), frame 9, the last, its third (abandoned by the frame timeout)."""
    sc = Scn(outdir, "loss")
    st = first_ids_tracking(Stream(sc, GRAY, model))
    for k, (frame, _) in enumerate(digits(10, 32, 32, 1)):
        fid = k * snd.RTP_CLOCK_PER_FRAME
        if k == 3:
            st.send(frame, fid, drop_pkt=1)
            st.count("frames_incomplete")
        elif k == 9:
            st.send(frame, fid, drop_pkt=2)
            st.count("frames_timed_out")
        else:
            st.send(frame, fid)
    sc.end()


def scn_full(outdir, model):
    """A context of 4 buffers and nobody scheduling: 4 frames are taken, 6
    refused whole; once served, 2 more are taken."""
    sc = Scn(outdir, "full")
    st = first_ids_tracking(Stream(sc, SMALL, model))
    frames = digits(12, 32, 32, 1)
    for k, (frame, _) in enumerate(frames[:10]):
        st.send(frame, k * snd.RTP_CLOCK_PER_FRAME, refused=k >= 4)
    sc.end()
    sc2 = Scn(outdir, "full2")
    sc2.ctr = sc.ctr          # counters are cumulative across the two steps
    sc2.drops = sc.drops
    st.scn = sc2
    for k, (frame, _) in enumerate(frames[10:]):
        st.send(frame, (10 + k) * snd.RTP_CLOCK_PER_FRAME)
    sc2.end()


def main(argv):
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    model = npu_model.load(MODEL)
    correct, total = scn_digits(outdir, model)
    scn_mixed(outdir, model)
    scn_loss(outdir, model)
    scn_full(outdir, model)
    print("npu vectors: reference %d / %d digits correct" % (correct, total))
    if len(argv) > 2:
        with open(argv[2], "w") as f:
            f.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
