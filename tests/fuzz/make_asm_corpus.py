#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of fuzz_asm (tests/fuzz/corpus/asm/).

Each seed is the harness's input (see tests/fuzz/fuzz_asm.c): a 6-byte stream
header (format/pixel bits, width-1, height-1, window, payload type), then
records of a 2-byte big-endian length and a UDP payload; length 0xffff
abandons the open frame. The packets are valid ones, so the fuzzer starts
from frames that assemble: RFC 4175 (GRAY8 and RGB8, lines split across
packets, CSRCs, header extension, padding), packets GStreamer's rtpvrawpay
sent (tests/unit/data), and tensor-over-UDP chunks in and out of order.

    /usr/bin/python3 tests/fuzz/make_asm_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "asm")
DATA = os.path.join(HERE, "..", "unit", "data")

RFC4175, TENSOR = 0, 1
GRAY, RGB = 1, 3


def stream(fmt, pix, w, h, window=0, pt=96):
    return bytes([fmt | (2 if pix == RGB else 0), w - 1, h - 1]) + \
        struct.pack(">H", window) + bytes([pt])


def records(pkts):
    out = b""
    for p in pkts:
        out += b"\xff\xff" if p is None else struct.pack(">H", len(p)) + p
    return out


def frame_bytes(w, h, pix, seed):
    return bytes((i * 31 + seed * 7 + i // 7) & 0xff for i in range(w * h * pix))


def rtp_frame(w, h, pix, room, seq, ts, ssrc=0x5eed0001, cc=0, ext=None, pad=0):
    """RFC 4175 packets for one frame, lines split the way rtpvrawpay does."""
    data = frame_bytes(w, h, pix, ts & 0xff)
    pkts, line, off = [], 0, 0
    while line < h:
        left, segs = room - 2, []
        while line < h and len(segs) < 16 and left >= 6 + pix:
            px = min(w - off, (left - 6) // pix)
            segs.append((px * pix, line, off))
            left -= 6 + px * pix
            off += px
            if off == w:
                line, off = line + 1, 0
        marker = line == h
        b0 = 0x80 | (0x20 if pad else 0) | (0x10 if ext is not None else 0) | cc
        p = struct.pack(">BBHII", b0, (0x80 if marker else 0) | 96, seq & 0xffff, ts, ssrc)
        p += b"".join(struct.pack(">I", 0xc5c00000 + i) for i in range(cc))
        if ext is not None:
            p += struct.pack(">HH", 0xbede, len(ext) // 4) + ext
        p += struct.pack(">H", (seq >> 16) & 0xffff)
        for i, (ln, l, o) in enumerate(segs):
            p += struct.pack(">HHH", ln, l, o | (0x8000 if i + 1 < len(segs) else 0))
        for ln, l, o in segs:
            start = (l * w + o) * pix
            p += data[start:start + ln]
        if pad:
            p += bytes(pad - 1) + bytes([pad])
        pkts.append(p)
        seq += 1
    return pkts


def tensor_frame(w, h, pix, chunk, frame):
    data = frame_bytes(w, h, pix, frame & 0xff)
    total = len(data)
    cnt = (total + chunk - 1) // chunk
    pkts = []
    for i in range(cnt):
        part = data[i * chunk:(i + 1) * chunk]
        last = 1 if i + 1 == cnt else 0
        pkts.append(b"SLTN" + struct.pack(">BBBBHHIHHIHH", 1, last, 1, pix, w, h, frame,
                                          i, cnt, i * chunk, len(part), 0) + part)
    return pkts


def gst_packets(name):
    with open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    pkts, i = [], 0
    while i < len(raw):
        n = struct.unpack(">I", raw[i:i + 4])[0]
        pkts.append(raw[i + 4:i + 4 + n])
        i += 4 + n
    return pkts


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    f1 = rtp_frame(8, 4, GRAY, 20, 0xfffe, 3000)
    f2 = rtp_frame(8, 4, GRAY, 20, 0xfffe + len(f1), 6000)
    seeds["rfc_gray_8x4"] = stream(RFC4175, GRAY, 8, 4) + records(
        f1 + [f1[1]] + f2[::-1] + f1[:1])
    g1 = rtp_frame(5, 3, RGB, 40, 7, 0xfffffff0)
    g2 = rtp_frame(5, 3, RGB, 40, 7 + len(g1), 0x10)
    seeds["rfc_rgb_5x3_loss"] = stream(RFC4175, RGB, 5, 3, window=4) + records(
        g1[:1] + g1[2:] + g2 + [None] + g1[1:2])
    seeds["rfc_gray_options"] = stream(RFC4175, GRAY, 6, 2, pt=0x80) + records(
        rtp_frame(6, 2, GRAY, 30, 1, 1, cc=2, ext=bytes(8), pad=3))
    seeds["rfc_rgb_gst_mtu500"] = stream(RFC4175, RGB, 64, 48) + records(
        gst_packets("gst_rgb_64x48_mtu500.bin")[:20])
    seeds["rfc_rgb_gst_mtu1400"] = stream(RFC4175, RGB, 64, 48) + records(
        gst_packets("gst_rgb_64x48.bin")[:7])
    t1 = tensor_frame(8, 4, RGB, 20, 41)
    t2 = tensor_frame(8, 4, RGB, 20, 42)
    seeds["tensor_rgb_8x4"] = stream(TENSOR, RGB, 8, 4) + records(
        t1[::-1] + [t1[0]] + t2[:2] + tensor_frame(8, 4, RGB, 20, 43) + t2[2:])
    seeds["tensor_gray_single"] = stream(TENSOR, GRAY, 16, 2) + records(
        tensor_frame(16, 2, GRAY, 32, 0xffffffff) + tensor_frame(16, 2, GRAY, 32, 0))
    for name, blob in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
