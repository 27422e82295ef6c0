#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send frames to a Sluice NPU context and read the results.

Frames are the sklearn digits test split (the same split as
tools/train_digits.py), drawn at any size by tools/npu_model.digit_frame,
as RTP raw video (RFC 4175, gray8 or rgb8) or as Sluice tensor-over-UDP
(docs/npu-ingest.md). Results are docs/npu-results.md messages.

Library use (the functional tests build their vectors with it):
    pkts, seq = rfc4175_packets(frame, w, h, bpp, ts, ssrc, seq)
    pkts = tensor_packets(frame, w, h, c, frame_id, chunk)
    r = parse_result(udp_payload)

Command line (run with /usr/bin/python3):
    rfc4175_send.py HOST PORT [--count N] [--format rfc4175|tensor]
                    [--pixel gray8|rgb8] [--width 32] [--height 32]
                    [--fps 30] [--payload 1200] [--listen SECONDS]
sends N digits from a UDP socket and, with --listen, prints the results
that come back to it and the accuracy against the labels.
"""

import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import npu_model  # noqa: E402

RESULT_FMT = "!4sBBHIIHHIQ32s"
RESULT_HDR = 64
TENSOR_HDR = "!4sBBBBHHIHHIHH"
RTP_CLOCK_PER_FRAME = 3000  # 90 kHz at 30 frames/s


def rfc4175_packets(frame, w, h, bpp, ts, ssrc, seq, pt=96, max_payload=1200):
    """RTP packets of one progressive frame: as many (partial) lines per
    packet as max_payload bytes of RTP payload hold, at most 16 line headers;
    a line may continue in the next packet (its offset says where). The last
    packet has the marker bit. Returns (packets, next sequence number)."""
    assert len(frame) == w * h * bpp
    pkts = []
    line = off = 0
    while line < h:
        hdrs, data = [], []
        room = max_payload - 2
        while line < h and len(hdrs) < 16 and room >= 6 + bpp:
            room -= 6
            npx = min(w - off, room // bpp)
            start = (line * w + off) * bpp
            hdrs.append((npx * bpp, line, off))
            data.append(frame[start:start + npx * bpp])
            room -= npx * bpp
            off += npx
            if off == w:
                line, off = line + 1, 0
        payload = struct.pack("!H", (seq >> 16) & 0xFFFF)
        for k, (ln, ln_no, o) in enumerate(hdrs):
            cont = 0x8000 if k + 1 < len(hdrs) else 0
            payload += struct.pack("!HHH", ln, ln_no & 0x7FFF, cont | o)
        payload += b"".join(data)
        marker = 0x80 if line >= h else 0
        rtp = struct.pack("!BBHII", 0x80, marker | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
        pkts.append(rtp + payload)
        seq = (seq + 1) & 0xFFFFFFFF
    return pkts, seq


def tensor_packets(frame, w, h, c, frame_id, chunk):
    """Tensor-over-UDP datagrams of one frame in chunks of `chunk` bytes."""
    n = (len(frame) + chunk - 1) // chunk
    out = []
    for i in range(n):
        off = i * chunk
        data = frame[off:off + chunk]
        flags = 1 if i == n - 1 else 0
        out.append(struct.pack(TENSOR_HDR, b"SLTN", 1, flags, 1, c, w, h,
                               frame_id & 0xFFFFFFFF, i, n, off, len(data), 0) + data)
    return out


def parse_result(payload):
    """A result message as a dict, or None if it is not one."""
    if len(payload) < RESULT_HDR:
        return None
    magic, ver, status, n, frame, ssrc, cls, _, dev_ns, lat_ns, ctx = \
        struct.unpack_from(RESULT_FMT, payload)
    if magic != b"SLNR" or ver != 1 or len(payload) < RESULT_HDR + 4 * n:
        return None
    return {
        "status": status, "frame": frame, "ssrc": ssrc, "class": cls,
        "device_ns": dev_ns, "latency_ns": lat_ns,
        "context": ctx.rstrip(b"\0").decode("ascii", "replace"),
        "scores": list(struct.unpack_from("!%di" % n, payload, RESULT_HDR)),
    }


def digit_frames(count, w, h, c):
    """(frame bytes, label) for the first `count` digits of the test split."""
    _, xte, _, yte = npu_model.digits_split()
    tint = (256, 200, 160)
    for i in range(min(count, len(xte))):
        yield npu_model.digit_frame(xte[i], w, h, c, tint), int(yte[i])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--format", choices=("rfc4175", "tensor"), default="rfc4175")
    ap.add_argument("--pixel", choices=("gray8", "rgb8"), default="gray8")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--payload", type=int, default=1200, help="bytes of RTP payload or tensor chunk")
    ap.add_argument("--listen", type=float, default=0.0,
                    help="seconds to wait for results after the last frame")
    a = ap.parse_args(argv)

    c = 3 if a.pixel == "rgb8" else 1
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 0))
    labels = {}
    seq = 0
    ssrc = 0x51CE0001
    for k, (frame, label) in enumerate(digit_frames(a.count, a.width, a.height, c)):
        ts = k * RTP_CLOCK_PER_FRAME
        if a.format == "rfc4175":
            pkts, seq = rfc4175_packets(frame, a.width, a.height, c, ts, ssrc, seq,
                                        max_payload=a.payload)
        else:
            pkts = tensor_packets(frame, a.width, a.height, c, k, a.payload)
            ts = k
        labels[ts] = label
        for p in pkts:
            s.sendto(p, (a.host, a.port))
        if a.fps > 0:
            time.sleep(1.0 / a.fps)
    print("sent %d frames" % len(labels))
    if a.listen <= 0:
        return 0
    s.settimeout(a.listen)
    got = correct = 0
    try:
        while got < len(labels):
            r = parse_result(s.recv(2048))
            if r is None:
                continue
            got += 1
            correct += r["status"] == 0 and labels.get(r["frame"]) == r["class"]
            print("frame %u status %u class %u latency %.1f us" %
                  (r["frame"], r["status"], r["class"], r["latency_ns"] / 1000.0))
    except socket.timeout:
        pass
    print("results %d / %d, correct %d" % (got, len(labels), correct))
    return 0 if got == len(labels) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
