#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Capture what GStreamer's rtpvrawpay sends, for the assembler's unit tests.

Runs videotestsrc ! rtpvrawpay ! udpsink to a local UDP socket and writes
every datagram as a record: 4-byte big-endian length, then the UDP payload.
Then runs the same source into a filesink for the raw frames the packets
must assemble to.

    /usr/bin/python3 tests/unit/data/capture_gst.py PATTERN WIDTH HEIGHT FORMAT FRAMES MTU OUT_PREFIX

writes OUT_PREFIX.bin (packets) and OUT_PREFIX.raw (frames back to back).
"""
import socket
import struct
import subprocess
import sys


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    pattern, w, h, fmt, frames, mtu, prefix = sys.argv[1:]
    caps = f"video/x-raw,format={fmt},width={w},height={h},framerate=30/1"
    src = f"videotestsrc pattern={pattern} num-buffers={frames} ! {caps}"

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    gst = subprocess.run(
        ["gst-launch-1.0", "-q"] + src.split() +
        ["!", "rtpvrawpay", f"mtu={mtu}", "!", "udpsink", "host=127.0.0.1",
         f"port={port}", "sync=false"],
        check=True)
    # Everything was sent before gst-launch exited; drain without blocking.
    sock.setblocking(False)
    pkts = []
    while True:
        try:
            pkts.append(sock.recv(65536))
        except BlockingIOError:
            break
    sock.close()
    with open(prefix + ".bin", "wb") as f:
        for p in pkts:
            f.write(struct.pack(">I", len(p)) + p)
    subprocess.run(["gst-launch-1.0", "-q"] + src.split() +
                   ["!", "filesink", f"location={prefix}.raw"], check=True)
    print(f"{len(pkts)} packets, {gst.returncode}")


if __name__ == "__main__":
    main()
