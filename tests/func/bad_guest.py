#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
A hostile guest against sluice's vNICs: a vhost-user front-end written here
(no QEMU), whose memory is a memfd this script maps, sends malformed
vhost-user messages and writes malformed virtio rings and descriptors.

Each case is a fresh connection. sluice must stay up through all of them,
refuse what is malformed without touching memory outside the guest's
region (the ASan build runs this too), and afterwards a well-behaved
session on the same vNIC must still work: its frame leaves the uplink byte
for byte, and frames sent to a guest whose receive ring is malformed are
counted as refused (tx_full), never written anywhere.

Usage: bad_guest.py SLUICE       exits 0 (pass) or 1 (fail)
"""
import json
import os
import shutil
import signal
import subprocess
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vhost_guest import (EV_MAC, EV2_MAC, MEM, BUF, MSG_CASES, TX_CASES, UP_MAC,  # noqa: E402
                         Fail, Guest, frame, wait_used)


def log(msg):
    print(msg, flush=True)


def tx_case(path, name, bad):
    """A session whose guest TX ring holds `bad`; sluice must stay up."""
    g = Guest(path)
    try:
        g.setup()
        bad(g)
        time.sleep(0.3)  # sluice polls the ring meanwhile: nothing to wait for but time
    finally:
        g.close()
    log("ok: %s" % name)


def msg_case(path, name, bad):
    """A session sending a malformed message: refused, and sluice stays up."""
    g = Guest(path)
    try:
        bad(g)
        time.sleep(0.1)
        how = "still open" if g.alive() else "closed by sluice"
    except OSError:
        how = "closed by sluice"  # the refusal: sluice dropped the connection mid-way
    finally:
        g.close()
    log("ok: %s (connection %s)" % (name, how))


# ---- the run -------------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    sluice = sys.argv[1]
    work = tempfile.mkdtemp(prefix="sluice-badguest-")
    empty = os.path.join(work, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    with open(os.path.join(work, "t.yaml"), "w") as f:
        f.write("tenants:\n"
                "  - name: evil\n"
                "    match: [{port: 0}]\n"
                "    uplink: {port: 0}\n"
                "    vnics:\n"
                "      - {name: ev, socket: %s/ev.sock, mac: \"02:00:00:00:e0:01\"}\n"
                "      - {name: ev2, socket: %s/ev2.sock, mac: \"02:00:00:00:e0:02\"}\n"
                % (work, work))
    out = os.path.join(work, "out.pcap")
    stats = os.path.join(work, "stats.json")
    logf = open(os.path.join(work, "sluice.log"), "w")
    p = subprocess.Popen([sluice, "-l", "0,1", "--no-pci", "--no-huge", "-m", "256",
                          "--no-shconf", "--no-telemetry", "--log-level", "lib.eal:error",
                          "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (empty, out), "--",
                          "--tenants", os.path.join(work, "t.yaml"), "--vnic-dir", work,
                          "--stats-json", stats], stdout=logf, stderr=subprocess.STDOUT)
    ev, ev2 = os.path.join(work, "ev.sock"), os.path.join(work, "ev2.sock")
    ok = False
    try:
        for name, fn in TX_CASES:
            tx_case(ev, name, fn)
            if p.poll() is not None:
                raise Fail("sluice died on: %s" % name)
        for name, fn in MSG_CASES:
            msg_case(ev, name, fn)
            if p.poll() is not None:
                raise Fail("sluice died on: %s" % name)

        # A receive ring that is all lies: frames for ev2 are refused, and counted.
        g2 = Guest(ev2)
        g2.setup()
        g2.desc(0, 0, MEM + 0x10000, 2048)     # outside
        g2.desc(0, 1, BUF, 4)                   # too short for anything
        g2.post(0, 0)
        g2.post(0, 1)
        # Then a well-behaved guest on ev: both its frames go out.
        g = Guest(ev)
        g.setup()
        f_up = frame(UP_MAC, EV_MAC, 0x5A)      # unknown destination: flooded to the uplink
        f_ev2 = frame(EV2_MAC, EV_MAC, 0xA5)    # for ev2, whose ring is broken
        for slot, fr in enumerate((f_up, f_ev2)):
            addr, ln = g.frame_at(slot, fr)
            g.desc(1, slot, addr, ln)
            g.post(1, slot)
        if not wait_used(g, 1, 2):
            raise Fail("the well-behaved guest's frames were not taken (used %d)" %
                       g.used_idx(1))
        log("ok: a well-behaved guest's frames are taken after all that")
        time.sleep(0.2)
        if not g2.alive() or not g.alive():
            raise Fail("a connection was dropped")
        if g2.used_idx(0) != 0:
            raise Fail("sluice used %d of ev2's broken receive buffers" % g2.used_idx(0))
        log("ok: nothing was written into the broken receive ring")
        g.close()
        g2.close()
        p.send_signal(signal.SIGINT)
        if p.wait(30) != 0:
            raise Fail("sluice exited with %d" % p.returncode)
        logf.flush()
        with open(os.path.join(work, "sluice.log")) as f:
            if "sluice: stopped, every mbuf back in its pool\n" not in f.readlines():
                raise Fail("sluice did not say every mbuf came back")
        log("ok: every mbuf back in its pool")
        with open(stats) as f:
            st = json.load(f)
        d = st["drops"]
        up = [v for v in st["ports"] if v["port"] == 0][0]
        # What reached the uplink: f_up, nothing else.
        from scapy.all import rdpcap
        frames = [bytes(x) for x in rdpcap(out)]
        if frames != [f_up]:
            raise Fail("uplink got %d frames (first %s), expected only the well-behaved "
                       "frame" % (len(frames), frames[0].hex() if frames else "-"))
        log("ok: the uplink got the well-behaved frame byte for byte, and only it")
        # f_ev2, and f_up's flooded copy: both for ev2, whose ring takes nothing.
        if d["tx_full"] != 2:
            raise Fail("tx_full %d, expected 2 (two frames for ev2's broken ring)" % d["tx_full"])
        log("ok: the two frames for the broken receive ring were refused (tx_full 2)")
        if up["tx_pkts"] != 1:
            raise Fail("uplink tx_pkts %d, expected 1" % up["tx_pkts"])
        ok = True
    except Fail as e:
        log("FAIL: %s" % e)
    finally:
        if p.poll() is None:
            p.kill()
        logf.close()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("kept %s" % work)
    log("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
