# SPDX-License-Identifier: BSD-3-Clause
"""Start, watch, query and stop one DPDK process for perf/bench_core.py.

Each process gets its own --file-prefix, so its telemetry socket is
/var/run/dpdk/<prefix>/dpdk_telemetry.v2 (SOCK_SEQPACKET, one JSON reply per
command). Every wait here is a bounded poll; the only fixed sleeps in the
benchmark are its measurement windows.
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import time

RUNTIME_DIR = "/var/run/dpdk"
POLL_S = 0.05
PR_SET_PDEATHSIG = 1


class StartError(RuntimeError):
    """The process died or never became ready; .log_tail says why."""

    def __init__(self, msg, log_tail=""):
        super().__init__(msg)
        self.log_tail = log_tail


class Telemetry:
    def __init__(self, path, timeout_s=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout_s)
        self.sock.connect(path)
        self.info = json.loads(self.sock.recv(65536).decode())
        self.max_len = int(self.info.get("max_output_len", 16384))

    def query(self, cmd):
        """Returns the value under the command key, or None for a null or
        unknown-command reply."""
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len + 1024).decode())
        key = cmd.split(",", 1)[0]
        return reply.get(key)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _child_setup():
    # bench_core.py pins itself to CPU 0; give the child every CPU back so
    # that EAL's own lcore pinning (-l 0-1) decides.
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    # Die with the driver even when it is SIGKILLed and cannot clean up.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class DpdkProc:
    def __init__(self, name, argv, prefix, log_path):
        self.name = name
        self.argv = argv
        self.prefix = prefix
        self.log_path = log_path
        self.proc = None
        self.tel = None
        self.sock_path = os.path.join(RUNTIME_DIR, prefix, "dpdk_telemetry.v2")

    # -- where the forwarding core's time went ------------------------------
    def worker_tid(self, lcore=1):
        """Thread id of EAL's worker for lcore (named rte-worker-N in 22.11);
        the busiest thread when no thread has that name."""
        best, best_rt = None, -1
        task_dir = "/proc/%d/task" % self.proc.pid
        for tid in os.listdir(task_dir):
            try:
                with open(os.path.join(task_dir, tid, "comm")) as fh:
                    comm = fh.read().strip()
                rt = thread_schedstat(self.proc.pid, int(tid))[0]
            except OSError:
                continue
            if comm == "rte-worker-%d" % lcore:
                return int(tid)
            if rt > best_rt:
                best, best_rt = int(tid), rt
        return best

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        clean_runtime_dir(self.prefix)
        self.log = open(self.log_path, "wb")
        self.log.write(("$ " + " ".join(self.argv) + "\n").encode())
        self.log.flush()
        # stdin is a pipe we keep open: testpmd (non-interactive) exits on
        # EOF at its "Press enter to exit" prompt.
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_child_setup)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=25):
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 16384))
                lines = fh.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def _fail(self, msg):
        tail = self.log_tail()
        self.stop()
        raise StartError("%s: %s (log: %s)" % (self.name, msg, self.log_path), tail)

    def wait_ready(self, port_out, timeout_s):
        """Bounded poll: telemetry socket appears, then port_out's opackets
        start to grow (the forwarding loop runs). Returns seconds taken."""
        t0 = time.monotonic()
        deadline = t0 + timeout_s
        while True:
            if not self.alive():
                self._fail("exited with status %s before its telemetry socket "
                           "appeared" % self.proc.returncode)
            if os.path.exists(self.sock_path):
                try:
                    self.tel = Telemetry(self.sock_path)
                    break
                except (OSError, ValueError):
                    pass  # socket file there but not accepting yet
            if time.monotonic() > deadline:
                self._fail("no telemetry socket %s after %.0f s"
                           % (self.sock_path, timeout_s))
            time.sleep(POLL_S)
        first = None
        while True:
            if not self.alive():
                self._fail("exited with status %s before forwarding"
                           % self.proc.returncode)
            st = None
            try:
                st = self.tel.query("/ethdev/stats,%d" % port_out)
            except (OSError, ValueError):
                pass
            if isinstance(st, dict):
                if first is None:
                    first = st["opackets"]
                elif st["opackets"] > first:
                    return time.monotonic() - t0
            if time.monotonic() > deadline:
                self._fail("port %d transmitted nothing within %.0f s"
                           % (port_out, timeout_s))
            time.sleep(POLL_S)

    def stop(self, timeout_s=10.0):
        if self.tel:
            self.tel.close()
            self.tel = None
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # SIGINT: testpmd, l3fwd (and sluice) quit their loops and close
            # their ports; SIGKILL the process group if that takes too long.
            try:
                os.kill(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.log.close()
        self.proc = None
        clean_runtime_dir(self.prefix)


def clean_runtime_dir(prefix):
    """Removes /var/run/dpdk/<prefix> (only ever one of our own prefixes) so a
    stale telemetry socket cannot be mistaken for a live one."""
    d = os.path.join(RUNTIME_DIR, prefix)
    if not os.path.isdir(d):
        return
    for f in os.listdir(d):
        try:
            os.unlink(os.path.join(d, f))
        except OSError:
            pass
    try:
        os.rmdir(d)
    except OSError:
        pass


def thread_schedstat(pid, tid):
    """(ns on CPU, ns waiting on a run queue) of one thread."""
    with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as fh:
        run, wait = fh.read().split()[:2]
    return int(run), int(wait)


def cpu_steal_ticks(cpu):
    """Steal time of one CPU from /proc/stat, in USER_HZ ticks."""
    with open("/proc/stat") as fh:
        for line in fh:
            f = line.split()
            if f[0] == "cpu%d" % cpu:
                return int(f[8])
    return 0
