# SPDX-License-Identifier: BSD-3-Clause
"""
A vhost-user front-end written in Python (no QEMU): the guest's memory is a
memfd mapped here, its two virtio-net queues live in it, and frames are
written and read in place. Well-behaved sessions and the malformed ones of
bad_guest.py (TX_CASES: rings and descriptors; MSG_CASES: vhost-user
messages) both use it; so does perf/soak.py for guest reconnects.
"""
import mmap
import os
import socket
import struct
import time

# vhost-user requests
GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 5, 8, 9, 10
GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL = 11, 12, 13
VERSION = 0x1
F_VERSION_1 = 1 << 32

MEM = 1 << 21                 # the guest's memory: 2 MiB, guest physical 0..2 MiB
UADDR = 0x7F0000000000        # where "QEMU" says it mapped it
QSZ = 256
HDR = 12                      # virtio-net header with VERSION_1
EV_MAC = bytes.fromhex("02000000e001")
EV2_MAC = bytes.fromhex("02000000e002")
UP_MAC = bytes.fromhex("02000000c001")

# Ring layout in guest memory, per queue q (0: guest RX, 1: guest TX).
def ring_base(q):
    return 0x10000 * (q + 1)


DESC, AVAIL, USED = 0x0, 0x1000, 0x2000
BUF = 0x100000


class Fail(Exception):
    pass


class Guest:
    """One vhost-user connection and the memory behind it."""

    def __init__(self, path):
        self.fd = os.memfd_create("guest", 0)
        os.ftruncate(self.fd, MEM)
        self.mem = mmap.mmap(self.fd, MEM)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        end = time.monotonic() + 10
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(5)
        self.avail_idx = {0: 0, 1: 0}
        self.kick = {}

    def close(self):
        self.sock.close()
        self.mem.close()
        os.close(self.fd)
        for fd in self.kick.values():
            os.close(fd)

    def send(self, req, payload=b"", fds=(), size=None):
        hdr = struct.pack("<III", req, VERSION, len(payload) if size is None else size)
        if fds:
            socket.send_fds(self.sock, [hdr + payload], list(fds))
        else:
            self.sock.sendall(hdr + payload)

    def recv_u64(self):
        data = b""
        while len(data) < 20:
            chunk = self.sock.recv(20 - len(data))
            if not chunk:
                raise Fail("sluice closed the connection")
            data += chunk
        return struct.unpack_from("<Q", data, 12)[0]

    def alive(self):
        """Whether the connection still answers (GET_FEATURES)."""
        try:
            self.send(GET_FEATURES)
            self.recv_u64()
            return True
        except (OSError, Fail):
            return False

    def mem_table(self, nregions=1):
        region = struct.pack("<QQQQ", 0, MEM, UADDR, 0)
        payload = struct.pack("<II", nregions, 0) + region * 8
        self.send(SET_MEM_TABLE, payload, fds=[self.fd] * min(nregions, 8))

    def setup(self):
        """What QEMU does to bring a virtio-net device up: two queues."""
        self.send(GET_FEATURES)
        feat = self.recv_u64()
        if not feat & F_VERSION_1:
            raise Fail("sluice offers no VERSION_1 (features 0x%x)" % feat)
        for bit in (6, 11, 12, 13, 14):  # GSO, HOST_TSO4, HOST_TSO6, HOST_ECN, HOST_UFO
            if feat & (1 << bit):
                raise Fail("sluice offers segmentation offload: feature bit %d (features 0x%x)"
                           % (bit, feat))
        self.send(SET_OWNER)
        self.send(SET_FEATURES, struct.pack("<Q", F_VERSION_1))
        self.mem_table()
        for q in (0, 1):
            b = ring_base(q)
            self.send(SET_VRING_NUM, struct.pack("<II", q, QSZ))
            self.send(SET_VRING_BASE, struct.pack("<II", q, 0))
            self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", q, 0, UADDR + b + DESC,
                                                  UADDR + b + USED, UADDR + b + AVAIL, 0))
            self.kick[q] = os.eventfd(0, os.EFD_NONBLOCK)
            call = os.eventfd(0, os.EFD_NONBLOCK)
            self.send(SET_VRING_CALL, struct.pack("<Q", q), fds=[call])
            os.close(call)
            self.send(SET_VRING_KICK, struct.pack("<Q", q), fds=[self.kick[q]])

    # -- rings ------------------------------------------------------------------------
    def desc(self, q, i, addr, length, flags=0, nxt=0):
        struct.pack_into("<QIHH", self.mem, ring_base(q) + DESC + 16 * i, addr, length, flags,
                         nxt)

    def post(self, q, head, idx_step=1):
        """Make descriptor `head` available (the avail index moves by idx_step)."""
        b = ring_base(q) + AVAIL
        struct.pack_into("<H", self.mem, b + 4 + 2 * (self.avail_idx[q] % QSZ), head)
        self.avail_idx[q] = (self.avail_idx[q] + idx_step) & 0xFFFF
        struct.pack_into("<H", self.mem, b + 2, self.avail_idx[q])
        os.eventfd_write(self.kick[q], 1)

    def used_idx(self, q):
        return struct.unpack_from("<H", self.mem, ring_base(q) + USED + 2)[0]

    def frame_at(self, slot, frame):
        addr = BUF + 0x1000 * slot
        self.mem[addr:addr + HDR] = b"\0" * HDR
        self.mem[addr + HDR:addr + HDR + len(frame)] = frame
        return addr, HDR + len(frame)


def frame(dst, src, n):
    return dst + src + b"\x88\xb5" + bytes([n]) * 46


def wait_used(g, q, want, timeout=10):
    end = time.monotonic() + timeout
    while g.used_idx(q) < want and time.monotonic() < end:
        time.sleep(0.01)
    return g.used_idx(q) >= want



# ---- malformed guest TX rings: each gets a fresh, set-up session ---------------------------

def bad_addr(g):
    g.desc(1, 0, MEM + 0x1000, 64)             # past the end of the only region
    g.post(1, 0)


def bad_len(g):
    g.desc(1, 0, BUF, 0xFFFFFFFF)             # inside, but 4 GiB long
    g.post(1, 0)


def bad_loop(g):
    g.desc(1, 0, BUF, 64, flags=1, nxt=0)     # NEXT pointing at itself
    g.post(1, 0)


def bad_head(g):
    g.post(1, 5000)                            # a head past the table


def bad_idx(g):
    # Claims 30,000 new buffers in a 256-entry ring, every slot naming descriptor 0,
    # which points nowhere. (Pointing at a real frame would only make the guest
    # send it 30,000 times: its own traffic, not a breach.)
    g.desc(1, 0, MEM + 0x2000, 64)
    g.post(1, 0, idx_step=30000)


def bad_indirect(g):
    g.desc(1, 0, MEM * 4, 16 * 4, flags=4)     # INDIRECT (not negotiated), table outside
    g.post(1, 0)


def bad_short(g):
    g.desc(1, 0, BUF, 4)                       # shorter than the virtio-net header
    g.post(1, 0)


def bad_chain_out(g):
    addr, _ = g.frame_at(0, frame(UP_MAC, EV_MAC, 2))
    g.desc(1, 0, addr, HDR + 10, flags=1, nxt=1)
    g.desc(1, 1, MEM - 8, 64)                  # second half runs off the region
    g.post(1, 0)



# ---- malformed vhost-user messages: each on a fresh connection ---------------------------

def msg_regions(g):
    g.send(GET_FEATURES)
    g.recv_u64()
    g.mem_table(nregions=9)


def msg_vring_num(g):
    g.send(SET_VRING_NUM, struct.pack("<II", 0, 65535))
    g.send(SET_VRING_NUM, struct.pack("<II", 1, 0))


def msg_vring_addr(g):
    g.mem_table()
    g.send(SET_VRING_NUM, struct.pack("<II", 0, QSZ))
    g.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 0, 0x1000, 0x2000, 0x3000, 0))


def msg_vring_index(g):
    efd = os.eventfd(0)
    g.send(SET_VRING_KICK, struct.pack("<Q", 300), fds=[efd])
    os.close(efd)
    g.send(SET_VRING_NUM, struct.pack("<II", 4000, QSZ))


def msg_size(g):
    g.send(SET_FEATURES, struct.pack("<Q", F_VERSION_1), size=0xFFFF)


def msg_garbage(g):
    g.sock.sendall(os.urandom(4096))


TX_CASES = [("descriptor outside the guest's memory", bad_addr),
            ("descriptor 4 GiB long", bad_len),
            ("descriptor chain looping on itself", bad_loop),
            ("avail ring head past the table", bad_head),
            ("avail index 30,000 ahead", bad_idx),
            ("indirect table outside memory, not negotiated", bad_indirect),
            ("descriptor shorter than the net header", bad_short),
            ("chain running off the region", bad_chain_out)]
MSG_CASES = [("memory table with 9 regions", msg_regions),
             ("vring sizes 65535 and 0", msg_vring_num),
             ("vring addresses in no region", msg_vring_addr),
             ("vring index 300 and 4000", msg_vring_index),
             ("message size 65535", msg_size),
             ("4 KiB of random bytes", msg_garbage)]
