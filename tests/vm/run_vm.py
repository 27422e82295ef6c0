#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
tests/vm: real Linux guests under QEMU (TCG) whose virtio-net NICs sluice
serves over vhost-user.

Three guests boot Debian's kernel with an initramfs built here (busybox, the
virtio modules, a UDP echo): g1 and g2 belong to tenant acme, g3 to bravo;
each tenant's uplink is VXLAN on a net_pcap port. An agent in each guest's
/init runs the commands this script writes to its serial port. The script
checks that

  - g1 and g2 ping each other and exchange UDP through sluice;
  - g3 (another tenant, same subnet, g1's MAC in its ARP table) gets no reply,
    and sluice counted exactly its three frames as vnic_cross_tenant;
  - what left the uplink is VXLAN, byte for byte the frames scapy builds,
    each in its own tenant's VNI;
  - g2 rebooting, and sluice stopping and starting again (QEMU reconnects by
    itself: reconnect=1), both end with g1 and g2 talking again.

Usage: run_vm.py SLUICE UDPECHO      exits 0 (pass), 1 (fail), 77 (skip: no QEMU)
Environment: SLUICE_VM_KEEP=1 keeps the work directory (logs, pcaps).
"""
import glob
import gzip
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "func"))
from scapy.all import ARP, Ether, IP, UDP, VXLAN, rdpcap  # noqa: E402

QEMU = shutil.which("qemu-system-x86_64")
MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
           "virtio_pci", "failover", "net_failover", "virtio_net"]
GUESTS = {
    "g1": ("acme", "52:54:00:00:0a:01", "10.0.0.1"),
    "g2": ("acme", "52:54:00:00:0a:02", "10.0.0.2"),
    "g3": ("bravo", "52:54:00:00:0b:01", "10.0.0.3"),
}
VNI = {"acme": 100, "bravo": 200}
UDP_SRC = {"acme": 49152, "bravo": 49153}
OUTER = dict(src_mac="02:00:00:00:ff:01", dst_mac="02:00:00:00:ff:02",
             src_ip="192.0.2.1", dst_ip="192.0.2.2")

INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in MODULES; do insmod /lib/modules/$m.ko; done
ip=$(sed -n 's/.*sluice.ip=\([^ ]*\).*/\1/p' /proc/cmdline)
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip addr add "$ip" dev eth0
ip link set eth0 up
exec </dev/ttyS0 >/dev/ttyS0 2>&1
stty -echo
echo READY
while read -r id cmd; do
	echo "BEGIN $id"
	sh -c "$cmd" </dev/null
	echo "END $id $?"
done
""".replace("MODULES", " ".join(MODULES))


def log(msg):
    print("[%6.1f] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    log("ok: " + what)


# ---- the initramfs ---------------------------------------------------------------

def is_static(path):
    """An ELF executable without a program interpreter (PT_INTERP)."""
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            if struct.unpack("<I", f.read(4))[0] == 3:
                return False
    return True


def cpio_newc(entries):
    """entries: (name, mode, data) in order; directories have data None."""
    out = bytearray()
    ino = 1

    def add(name, mode, data):
        nonlocal ino
        data = data or b""
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.extend(hdr.encode() + nb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))
        ino += 1

    for name, mode, data in entries:
        add(name, mode, data)
    add("TRAILER!!!", 0, b"")
    return bytes(out)


def build_initramfs(work, udpecho):
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    if not kernels:
        raise Fail("no kernel in /boot (apt-get install linux-image-amd64)")
    kernel = kernels[-1]
    version = kernel.split("vmlinuz-", 1)[1]
    busybox = "/bin/busybox"
    if not is_static(busybox):
        raise Fail("/bin/busybox is not static (apt-get install busybox-static)")
    d, x, f = 0o040755, 0o100755, 0o100644
    entries = [("bin", d, None), ("lib", d, None), ("lib/modules", d, None),
               ("init", x, INIT.encode()),
               ("bin/busybox", x, open(busybox, "rb").read()),
               ("bin/udpecho", x, open(udpecho, "rb").read())]
    for m in MODULES:
        path = subprocess.run(["modinfo", "-k", version, "-n", m], check=True,
                              capture_output=True, text=True).stdout.strip()
        data = open(path, "rb").read()
        if path.endswith(".xz"):
            import lzma
            data = lzma.decompress(data)
        entries.append(("lib/modules/%s.ko" % m, f, data))
    initrd = os.path.join(work, "initramfs.cpio.gz")
    with open(initrd, "wb") as out:
        out.write(gzip.compress(cpio_newc(entries), compresslevel=1))
    return kernel, initrd


# ---- sluice ----------------------------------------------------------------------------

TENANTS = """tenants:
  - name: acme
    match: [{vni: 100}]
    uplink:
      port: net_pcap0
      vxlan: {src_mac: "02:00:00:00:ff:01", dst_mac: "02:00:00:00:ff:02",
              src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 100, udp_src: 49152}
    vnics:
      - {name: g1, socket: DIR/g1.sock, mac: "52:54:00:00:0a:01"}
      - {name: g2, socket: DIR/g2.sock, mac: "52:54:00:00:0a:02"}
  - name: bravo
    match: [{vni: 200}]
    uplink:
      port: net_pcap0
      vxlan: {src_mac: "02:00:00:00:ff:01", dst_mac: "02:00:00:00:ff:02",
              src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 200, udp_src: 49153}
    vnics:
      - {name: g3, socket: DIR/g3.sock, mac: "52:54:00:00:0b:01"}
"""


def empty_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))


class Sluice:
    def __init__(self, binary, work, n):
        self.work = work
        self.out = os.path.join(work, "uplink%d.pcap" % n)
        self.stats = os.path.join(work, "stats%d.json" % n)
        self.logf = open(os.path.join(work, "sluice%d.log" % n), "w")
        rx = os.path.join(work, "empty.pcap")
        empty_pcap(rx)
        cmd = [binary, "-l", "0,1", "--no-pci", "--no-huge", "-m", "256", "--no-shconf",
               "--no-telemetry", "--log-level", "lib.eal:error",
               "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (rx, self.out), "--",
               "--tenants", os.path.join(work, "tenants.yaml"), "--vnic-dir", work,
               "--stats-json", self.stats]
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.logf, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        end = time.monotonic() + 30
        while time.monotonic() < end and not any(l.startswith("sluice: ") for l in self.lines):
            if self.p.poll() is not None:
                raise Fail("sluice exited at start (status %d), see sluice%d.log" %
                           (self.p.returncode, n))
            time.sleep(0.05)
        check(any(l.startswith("sluice: ") for l in self.lines), "sluice %d started" % n)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.p.pid))

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))
            self.logf.write(line)
            self.logf.flush()

    def stop(self):
        """SIGINT: sluice writes its counters and closes its ports (and pcap)."""
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise Fail("sluice did not exit within 30 s of SIGINT")
        check(self.p.returncode == 0, "sluice exited cleanly")
        self.reader.join(10)
        check("sluice: stopped, every mbuf back in its pool" in self.lines,
              "sluice: every mbuf back in its pool")
        with open(self.stats) as f:
            return json.load(f)


# ---- guests ----------------------------------------------------------------------------

class Guest:
    def __init__(self, name, work, kernel, initrd):
        self.name = name
        self.tenant, self.mac, self.ip = GUESTS[name]
        self.work = work
        self.kernel, self.initrd = kernel, initrd
        self.buf = ""
        self.cond = threading.Condition()
        self.seq = 0
        self.p = None

    def start(self):
        serial = os.path.join(self.work, self.name + ".serial")
        for p in (serial,):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [QEMU, "-accel", "tcg", "-machine", "q35,memory-backend=mem", "-m", "192",
               "-object", "memory-backend-memfd,id=mem,size=192M,share=on",
               "-nodefaults", "-no-user-config", "-display", "none",
               "-kernel", self.kernel, "-initrd", self.initrd,
               "-append", "console=ttyS0 quiet loglevel=1 ipv6.disable=1 panic=-1 "
                          "sluice.ip=%s/24" % self.ip,
               "-chardev", "socket,id=ser,path=%s,server=on,wait=off" % serial,
               "-serial", "chardev:ser",
               "-chardev", "socket,id=vu,path=%s/%s.sock,reconnect=1" % (self.work, self.name),
               "-netdev", "vhost-user,id=n0,chardev=vu",
               # vectors=0: QEMU 7.2 under TCG crashes with MSI-X on vhost-user devices.
               "-device", "virtio-net-pci,netdev=n0,mac=%s,vectors=0" % self.mac]
        self.qlog = open(os.path.join(self.work, self.name + ".qemu.log"), "w")
        self.p = subprocess.Popen(cmd, stdout=self.qlog, stderr=subprocess.STDOUT)
        end = time.monotonic() + 30
        while not os.path.exists(serial) and time.monotonic() < end:
            if self.p.poll() is not None:
                raise Fail("%s: QEMU exited (see %s.qemu.log)" % (self.name, self.name))
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(serial)
        self.clog = open(os.path.join(self.work, self.name + ".console.log"), "a")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            text = data.decode(errors="replace").replace("\r", "")
            self.clog.write(text)
            self.clog.flush()
            with self.cond:
                self.buf += text
                self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """Wait for a line matching `pattern`; consume the buffer up to it."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.buf)
                if m:
                    out = self.buf[:m.start()]
                    self.buf = self.buf[m.end():]
                    return m, out
                left = end - time.monotonic()
                if left <= 0:
                    raise Fail("%s: no '%s' within %d s (see %s.console.log)" %
                               (self.name, pattern, timeout, self.name))
                self.cond.wait(left)

    def run(self, cmd, timeout=30):
        """Run a shell command in the guest. Returns (status, output)."""
        self.seq += 1
        sid = "%s-%d" % (self.name, self.seq)
        self.sock.sendall(("%s %s\n" % (sid, cmd)).encode())
        self.wait_for(r"^BEGIN %s$" % re.escape(sid), timeout)
        m, out = self.wait_for(r"^END %s (\d+)$" % re.escape(sid), timeout)
        return int(m.group(1)), out.strip("\n")

    def send(self, cmd):
        """Write a command and do not wait for it (reboot, poweroff)."""
        self.seq += 1
        self.sock.sendall(("%s-%d %s\n" % (self.name, self.seq, cmd)).encode())

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.kill()
            self.p.wait()


# ---- checks ---------------------------------------------------------------------------

def ping(g, ip, count=3):
    rc, out = g.run("ping -c %d -W 2 %s" % (count, ip), timeout=30)
    m = re.search(r"(\d+) packets received", out)
    return rc, int(m.group(1)) if m else -1


def ping_until(g, ip, seconds):
    """Ping until one reply or the deadline (links and learning settle)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rc, got = ping(g, ip, 1)
        if rc == 0:
            return True
    return False


def talk(g1, g2, what):
    """g1 and g2 ping each other and exchange a UDP datagram."""
    rc, got = ping(g1, g2.ip)
    check(rc == 0 and got == 3, "%s: %s pings %s, 3 of 3 replies" % (what, g1.name, g2.name))
    rc, got = ping(g2, g1.ip)
    check(rc == 0 and got == 3, "%s: %s pings %s, 3 of 3 replies" % (what, g2.name, g1.name))
    # Started in the background: wait (bounded) until it is bound.
    rc, _ = g2.run("udpecho serve 7777 >/dev/null 2>&1 & i=0; "
                   "while ! netstat -uln | grep -q ':7777 '; do "
                   "i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done")
    check(rc == 0, "%s: %s's UDP echo listens" % (what, g2.name))
    text = "sluice-%s" % what.replace(" ", "-")
    rc, out = g1.run("udpecho send %s 7777 %s" % (g2.ip, text))
    check(rc == 0 and out == "reply " + text,
          "%s: UDP %s -> %s echoed back (%s)" % (what, g1.name, g2.name, out))


def vxlan_frame(tenant, inner):
    return bytes(Ether(src=OUTER["src_mac"], dst=OUTER["dst_mac"]) /
                 IP(src=OUTER["src_ip"], dst=OUTER["dst_ip"], ttl=64, flags="DF", id=0, tos=0) /
                 UDP(sport=UDP_SRC[tenant], dport=4789, chksum=0) /
                 VXLAN(flags=0x08, vni=VNI[tenant]) / inner)


def arp_request(name, target):
    _, mac, ip = GUESTS[name]
    return bytes(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") /
                 ARP(op=1, hwsrc=mac, psrc=ip, hwdst="00:00:00:00:00:00", pdst=target))


def check_uplink(path, expected, what):
    """Every frame on the uplink is VXLAN of its own tenant; `expected` are all there."""
    frames = [bytes(p) for p in rdpcap(path)]
    log("%s: %d frames on the uplink" % (what, len(frames)))
    by_mac = {mac: t for t, mac, _ in GUESTS.values()}
    for i, fr in enumerate(frames):
        e = Ether(fr)
        if VXLAN not in e:
            raise Fail("%s: uplink frame %d is not VXLAN: %s" % (what, i, fr.hex()))
        inner = bytes(e[VXLAN].payload)
        tenant = by_mac.get(Ether(inner).src)
        if tenant is None:
            raise Fail("%s: uplink frame %d comes from no guest: %s" % (what, i, fr.hex()))
        if fr != vxlan_frame(tenant, inner):
            raise Fail("%s: uplink frame %d, headers differ from %s's:\n  got      %s\n"
                       "  expected %s" % (what, i, tenant, fr.hex(),
                                          vxlan_frame(tenant, inner).hex()))
    for tenant, inner in expected:
        want = vxlan_frame(tenant, inner)
        check(want in frames, "%s: uplink carried %s's %s byte for byte" %
              (what, tenant, Ether(inner).summary()))
    check(True, "%s: all %d uplink frames are their tenant's VXLAN" % (what, len(frames)))


# ---- the run ---------------------------------------------------------------------------

def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    if QEMU is None:
        print("SKIP: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
        return 77
    sluice_bin, udpecho = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="sluice-vm-")
    guests, sluice = {}, None
    ok = False
    try:
        kernel, initrd = build_initramfs(work, udpecho)
        log("initramfs built in %s (kernel %s)" % (work, kernel))
        with open(os.path.join(work, "tenants.yaml"), "w") as f:
            f.write(TENANTS.replace("DIR", work))
        sluice = Sluice(sluice_bin, work, 1)
        for name in GUESTS:
            guests[name] = Guest(name, work, kernel, initrd)
            guests[name].start()
        for g in guests.values():
            g.wait_for(r"^READY$", 120)
            log("%s booted" % g.name)
        g1, g2, g3 = guests["g1"], guests["g2"], guests["g3"]

        talk(g1, g2, "first boot")

        # Another tenant, same subnet, g1's MAC forced into its ARP table.
        rc, _ = g3.run("arp -s %s %s" % (g1.ip, g1.mac))
        check(rc == 0, "g3: static ARP entry for g1")
        rc, got = ping(g3, g1.ip)
        check(rc != 0 and got == 0, "g3 (bravo) pings g1 (acme): no reply")
        rc, out = g3.run("udpecho send %s 7777 across" % g1.ip)
        check(rc != 0 and out == "no reply", "g3 -> g1 UDP: no reply")
        # Frames that must leave the uplink: ARP for an address nobody has.
        g3.run("ping -c 1 -W 1 10.0.0.77")
        g1.run("ping -c 1 -W 1 10.0.0.99")

        # A guest reboot: same QEMU, the guest resets its virtio device.
        fds = sluice.fds()
        g2.send("reboot -f")
        g2.wait_for(r"^READY$", 120)
        log("g2 rebooted")
        check(ping_until(g1, g2.ip, 30), "after g2's reboot, g1 reaches g2 again")
        talk(g1, g2, "after reboot")
        check(sluice.fds() == fds, "sluice's open descriptors after g2's reconnect: %d, "
              "before: %d" % (sluice.fds(), fds))

        # sluice restart: its counters first.
        stats = sluice.stop()
        sluice = None
        check(stats["drops"]["vnic_cross_tenant"] == 4,
              "the isolation counter moved: vnic_cross_tenant 4 (3 pings, 1 UDP), got %d" %
              stats["drops"]["vnic_cross_tenant"])
        macs = {v["vnic"]: v for v in stats["vnics"]}
        check(set(macs) == {"g1", "g2", "g3"}, "sluice ran the three vNICs")
        check_uplink(os.path.join(work, "uplink1.pcap"),
                     [("acme", arp_request("g1", "10.0.0.99")),
                      ("bravo", arp_request("g3", "10.0.0.77")),
                      ("acme", arp_request("g1", "10.0.0.2"))], "first sluice")

        sluice = Sluice(sluice_bin, work, 2)
        check(ping_until(g1, g2.ip, 60), "after sluice restarted, g1 reaches g2 again")
        talk(g1, g2, "after sluice restart")
        rc, got = ping(g3, g1.ip)
        check(rc != 0 and got == 0, "after sluice restart, g3 still gets no reply from g1")
        g1.run("ping -c 1 -W 1 10.0.0.98")
        stats = sluice.stop()
        sluice = None
        check(stats["drops"]["vnic_cross_tenant"] == 3,
              "second sluice: vnic_cross_tenant 3, got %d" % stats["drops"]["vnic_cross_tenant"])
        check_uplink(os.path.join(work, "uplink2.pcap"),
                     [("acme", arp_request("g1", "10.0.0.98"))], "second sluice")
        ok = True
    except Fail as e:
        log("FAIL: %s" % e)
    finally:
        for g in guests.values():
            g.stop()
        if sluice is not None:
            sluice.p.kill()
        if ok and not os.environ.get("SLUICE_VM_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("work directory kept: %s" % work)
    log("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
