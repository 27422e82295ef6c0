#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""phy-VM-phy through a vNIC: sluice against OVS-DPDK.

Run with Debian's Python (scapy), as root, with free 2 MB hugepages and
openvswitch-switch-dpdk installed:

    /usr/bin/python3 perf/bench_vnic.py --rounds 5

One switch at a time forwards between the same two devices, on one core
(CPU 1), while a VM side (dpdk-testpmd on net_virtio_user, macswap, CPU 0)
sends every frame it gets back:

  uplink  net_pcap0,rx_pcap=FILE,infinite_rx=1: replays 1,000 UDP flows
          (64-byte frames, VLAN 100, to the VM's MAC) forever; what the
          switch sends back there is counted (opackets) and dropped
  vNIC    vhost-user, one queue pair, the switch's side of the VM's socket

Contenders, each a tenant on VLAN 100 with one vNIC:

  sluice      the tenant file: match {port 0, vlan 100}, uplink {port 0,
              vlan 100}, one vNIC, default switch (MAC learning, aging)
  ovs-normal  OVS-DPDK 3.1 bridge (netdev datapath), action NORMAL: the
              vhost port is an access port with tag=100, the uplink a trunk
              (MAC learning, the same VLAN strip and push)
  ovs-flows   the same bridge with two OpenFlow rules instead of NORMAL:
              uplink + vlan 100 + the VM's MAC -> strip, vNIC; vNIC + the
              VM's MAC -> push vlan 100, uplink (no learning)

Throughput: the uplink's opackets over a timed window (sluice: DPDK telemetry;
OVS: the Interface statistics, which are rte_eth_stats). The switch's core
polls all the time, so TSC cycles per forwarded frame = TSC Hz / rate. The
source is unlimited: both switches also spend cycles on frames the VM's ring
cannot take. Contenders alternate, --rounds times; the report gives medians
and sluice's ratio to each OVS setup. Perf is tracked, not asserted: the exit
status says whether everything measured, never how fast.

Writes perf/out/vnic.json; prints a markdown table on stdout, progress on
stderr. Exit status 0 (all measured), 1 (a contender failed), 2 (setup).
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import dpdkproc  # noqa: E402
from bench_core import SetupError, check_hugepages, tsc_hz  # noqa: E402

OVS_VSWITCHD = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
VM_MAC = "02:00:00:00:0a:01"
REMOTE_MAC = "02:00:00:00:0c:01"
VLAN = 100
FLOWS = 1000


def log(msg):
    sys.stderr.write("[bench_vnic] %s\n" % msg)
    sys.stderr.flush()


def make_pcap(path):
    from scapy.all import Dot1Q, Ether, IP, Raw, UDP, wrpcap
    frames = [Ether(src=REMOTE_MAC, dst=VM_MAC) / Dot1Q(vlan=VLAN) /
              IP(src="10.1.%d.%d" % (i >> 8, i & 255), dst="10.0.0.1") /
              UDP(sport=1024 + i, dport=80) / Raw(b"x" * 18) for i in range(FLOWS)]
    assert len(bytes(frames[0])) == 64
    wrpcap(path, frames)


def uplink_devargs(pcap):
    return "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap


# ---- the VM side -----------------------------------------------------------------------

def vm_side(sock, log_dir):
    argv = ["dpdk-testpmd", "-l", "0,1", "--main-lcore", "1", "--in-memory",
            "--single-file-segments", "-m", "256", "--no-pci", "--file-prefix", "bv-vm",
            "--log-level", "lib.eal:error",
            "--vdev", "net_virtio_user0,path=%s,queues=1" % sock, "--",
            "--forward-mode=macswap", "--port-topology=loop", "--auto-start",
            "--total-num-mbufs", "16384"]
    p = dpdkproc.DpdkProc("vm", argv, "bv-vm", os.path.join(log_dir, "vm.log"))
    p.start()
    return p


# ---- the switches ----------------------------------------------------------------------

class SluiceSwitch:
    name = "sluice"

    def __init__(self, exe, work, pcap, log_dir):
        self.exe, self.work, self.pcap, self.log_dir = exe, work, pcap, log_dir
        self.sock = os.path.join(work, "vm1.sock")
        self.proc = None

    def start(self):
        tenants = os.path.join(self.work, "tenants.yaml")
        with open(tenants, "w") as f:
            f.write("tenants:\n"
                    "  - name: acme\n"
                    "    match: [{port: 0, vlan: %d}]\n"
                    "    uplink: {port: 0, vlan: %d}\n"
                    "    vnics:\n"
                    "      - {name: vm1, socket: %s, mac: \"%s\"}\n"
                    % (VLAN, VLAN, self.sock, VM_MAC))
        argv = [self.exe, "-l", "0,1", "--main-lcore", "0", "--file-prefix", "bv-sluice",
                "-m", "512", "--no-pci", "--log-level", "lib.eal:error",
                "--log-level", "lib.vhost.*:error",
                "--vdev", uplink_devargs(self.pcap), "--",
                "--tenants", tenants, "--vnic-dir", self.work]
        self.proc = dpdkproc.DpdkProc("sluice", argv, "bv-sluice",
                                      os.path.join(self.log_dir, "sluice.log"))
        self.proc.start()
        wait(lambda: os.path.exists(self.sock), 30, "sluice: no vNIC socket", self.proc)
        wait(lambda: os.path.exists(self.proc.sock_path), 30, "sluice: no telemetry",
             self.proc)
        self.proc.tel = dpdkproc.Telemetry(self.proc.sock_path)

    def uplink_tx(self):
        return self.proc.tel.query("/ethdev/stats,0")["opackets"]

    def core_thread(self):
        return self.proc.proc.pid, self.proc.worker_tid(1)

    def extra(self):
        st = self.proc.tel.query("/sluice/stages") or {}
        return {"stage_cycles": {k: v / 10.0 for k, v in st.items()}}

    def stop(self):
        if self.proc:
            self.proc.stop()
        self.proc = None


class OvsSwitch:
    def __init__(self, name, flows, work, pcap, log_dir):
        self.name, self.flows = name, flows
        self.run = os.path.join(work, "ovs-run")
        self.pcap, self.log_dir = pcap, log_dir
        self.sock = os.path.join(self.run, "vhost0")
        self.env = dict(os.environ, OVS_RUNDIR=self.run, OVS_LOGDIR=self.run,
                        OVS_DBDIR=self.run)
        self.db = "unix:%s/db.sock" % self.run

    def vsctl(self, *args, check=True):
        return subprocess.run(["ovs-vsctl", "--db=" + self.db, "--timeout=30"] + list(args),
                              env=self.env, check=check, capture_output=True, text=True)

    def start(self):
        shutil.rmtree(self.run, ignore_errors=True)
        os.makedirs(self.run)
        dpdkproc.clean_runtime_dir("bv-ovs")
        db = os.path.join(self.run, "conf.db")
        subprocess.run(["ovsdb-tool", "create", db, OVS_SCHEMA], check=True)
        subprocess.run(["ovsdb-server", db, "--remote=punix:%s/db.sock" % self.run,
                        "--pidfile=%s/ovsdb-server.pid" % self.run, "--detach",
                        "--log-file=%s/ovsdb.log" % self.run], env=self.env, check=True)
        self.vsctl("--no-wait", "init")
        # The same cores as sluice: control on CPU 0, the one PMD thread on CPU 1.
        self.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                   "other_config:dpdk-init=true", "other_config:dpdk-lcore-mask=0x1",
                   "other_config:pmd-cpu-mask=0x2", "other_config:dpdk-socket-mem=512",
                   'other_config:dpdk-extra="--no-pci --file-prefix bv-ovs '
                   '--log-level lib.eal:error"')
        logf = open(os.path.join(self.log_dir, "%s.log" % self.name), "w")
        subprocess.run([OVS_VSWITCHD, self.db, "--pidfile=%s/ovs-vswitchd.pid" % self.run,
                        "--detach", "--log-file=%s/ovs-vswitchd.log" % self.run],
                       env=self.env, check=True, stdout=logf, stderr=subprocess.STDOUT)
        self.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
        self.vsctl("add-port", "br0", "dpdk0", "--", "set", "Interface", "dpdk0", "type=dpdk",
                   "options:dpdk-devargs=%s" % uplink_devargs(self.pcap),
                   "ofport_request=1")
        if self.flows:
            self.vsctl("add-port", "br0", "vhost0", "--", "set", "Interface", "vhost0",
                       "type=dpdkvhostuser", "ofport_request=2")
            mgmt = "unix:%s/br0.mgmt" % self.run
            flows = ["priority=0,actions=drop",
                     "priority=10,in_port=1,dl_vlan=%d,dl_dst=%s,actions=strip_vlan,output:2"
                     % (VLAN, VM_MAC),
                     "priority=10,in_port=2,dl_src=%s,actions=mod_vlan_vid:%d,output:1"
                     % (VM_MAC, VLAN)]
            subprocess.run(["ovs-ofctl", "del-flows", mgmt], env=self.env, check=True)
            for fl in flows:
                subprocess.run(["ovs-ofctl", "add-flow", mgmt, fl], env=self.env, check=True)
        else:
            self.vsctl("add-port", "br0", "vhost0", "tag=%d" % VLAN, "--", "set", "Interface",
                       "vhost0", "type=dpdkvhostuser", "ofport_request=2")
        wait(lambda: os.path.exists(self.sock), 30, "%s: no vhost socket" % self.name)

    def uplink_tx(self):
        # Live from the device (the Interface table's statistics lag by seconds).
        out = subprocess.run(["ovs-ofctl", "dump-ports", "unix:%s/br0.mgmt" % self.run, "1"],
                             env=self.env, check=True, capture_output=True, text=True).stdout
        m = re.search(r"tx pkts=(\d+)", out)
        if m is None:
            raise RuntimeError("%s: no tx pkts in: %s" % (self.name, out))
        return int(m.group(1))

    def core_thread(self):
        """ovs-vswitchd's PMD thread (named pmd-c01/id:N)."""
        pid = int(open(os.path.join(self.run, "ovs-vswitchd.pid")).read().strip())
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as fh:
                if fh.read().startswith("pmd"):
                    return pid, int(tid)
        raise RuntimeError("%s: no PMD thread" % self.name)

    def extra(self):
        return {}

    def stop(self):
        for pidf in ("ovs-vswitchd.pid", "ovsdb-server.pid"):
            path = os.path.join(self.run, pidf)
            try:
                pid = int(open(path).read().strip())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(200):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.kill(pid, signal.SIGKILL)
        dpdkproc.clean_runtime_dir("bv-ovs")


def wait(cond, timeout_s, what, proc=None):
    end = time.monotonic() + timeout_s
    while not cond():
        if proc is not None and not proc.alive():
            raise RuntimeError("%s (exited: %s)" % (what, proc.log_tail(10)))
        if time.monotonic() > end:
            raise RuntimeError(what)
        time.sleep(0.05)


# ---- measuring ---------------------------------------------------------------------------

def on_cpu(threads):
    return [dpdkproc.thread_schedstat(pid, tid)[0] for pid, tid in threads]


def measure(sw, args, log_dir):
    """Windows until --clean of them saw the switch's core on its CPU at least
    --share of the time and the VM's thread at least --vm-share; the median
    of those. Other people's processes on this machine take CPUs away at
    times: such windows are counted, not used."""
    sw.start()
    vm = None
    try:
        vm = vm_side(sw.sock, log_dir)
        first = sw.uplink_tx()
        wait(lambda: sw.uplink_tx() > first + 1000, 30,
             "%s: nothing came back from the VM" % sw.name)
        time.sleep(args.warmup)
        threads = [sw.core_thread(), (vm.proc.pid, vm.worker_tid(0))]
        clean, dirty = [], []
        for _ in range(args.max_windows):
            c0, t0, a = on_cpu(threads), time.monotonic(), sw.uplink_tx()
            time.sleep(args.window)
            c1, t1, b = on_cpu(threads), time.monotonic(), sw.uplink_tx()
            shares = [(y - x) / 1e9 / (t1 - t0) for x, y in zip(c0, c1)]
            mpps = (b - a) / (t1 - t0) / 1e6
            ok = shares[0] >= args.share and shares[1] >= args.vm_share
            (clean if ok else dirty).append((mpps, shares))
            if len(clean) >= args.clean:
                break
        # Per on-CPU second: the loop needs both threads, so scale by the scarcer one.
        norm = [m / min(sh) for m, sh in clean + dirty if min(sh) >= args.min_share]
        use = clean if clean else dirty
        res = {"mpps": statistics.median(m for m, _ in use),
               "mpps_per_cpu": statistics.median(norm) if norm else None,
               "clean_windows": len(clean), "contended_windows": len(dirty),
               "windows": clean + dirty}
        res.update(sw.extra())
        return res
    finally:
        if vm:
            vm.stop()
        sw.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--window", type=float, default=1.0, help="seconds per window")
    ap.add_argument("--clean", type=int, default=3, help="uncontended windows wanted")
    ap.add_argument("--max-windows", type=int, default=15)
    ap.add_argument("--share", type=float, default=0.97,
                    help="least on-CPU share of the switch's core for a clean window")
    ap.add_argument("--vm-share", type=float, default=0.90,
                    help="least on-CPU share of the VM's thread for a clean window (it "
                         "shares CPU 0 with the switch's own control threads: sluice's take "
                         "under 1%% when idle)")
    ap.add_argument("--min-share", type=float, default=0.5,
                    help="least on-CPU share of a window used for the per-CPU figure")
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--sluice", default=os.path.join(REPO, "build", "dataplane", "sluice"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--only", default="sluice,ovs-normal,ovs-flows")
    args = ap.parse_args()
    started = time.time()
    try:
        if os.geteuid() != 0:
            raise SetupError("run as root (hugepages, vhost sockets)")
        for exe in ("dpdk-testpmd", "ovs-vsctl", "ovsdb-server", "ovs-ofctl"):
            if shutil.which(exe) is None:
                raise SetupError("%s not found (apt-get install dpdk openvswitch-switch-dpdk)"
                                 % exe)
        if not os.path.exists(OVS_VSWITCHD):
            raise SetupError("%s not found (apt-get install openvswitch-switch-dpdk)"
                             % OVS_VSWITCHD)
        if not os.path.exists(args.sluice):
            raise SetupError("%s not built (ninja -C build)" % args.sluice)
        check_hugepages(1024)
        os.makedirs(args.out, exist_ok=True)
        hz, hz_src = tsc_hz(args.out)
    except SetupError as e:
        log("setup: %s" % e)
        return 2
    work = os.path.join(args.out, "vnic")
    log_dir = os.path.join(work, "logs")
    os.makedirs(log_dir, exist_ok=True)
    pcap = os.path.join(work, "uplink.pcap")
    if not os.path.exists(pcap):
        make_pcap(pcap)
    names = args.only.split(",")
    switches = {"sluice": SluiceSwitch(args.sluice, work, pcap, log_dir),
                "ovs-normal": OvsSwitch("ovs-normal", False, work, pcap, log_dir),
                "ovs-flows": OvsSwitch("ovs-flows", True, work, pcap, log_dir)}
    results = {n: [] for n in names}
    failed = set()
    for r in range(args.rounds):
        # Alternate the order: A B C, C B A, ... (the machine is shared and noisy).
        order = names if r % 2 == 0 else list(reversed(names))
        for n in order:
            if n in failed:
                continue
            try:
                res = measure(switches[n], args, log_dir)
            except (RuntimeError, subprocess.CalledProcessError, OSError,
                    dpdkproc.StartError) as e:
                log("%s: failed: %s" % (n, e))
                failed.add(n)
                continue
            results[n].append(res)
            log("round %d %-10s %.3f Mpps, %s per CPU (%d clean windows, %d contended; on-CPU shares "
                "switch/VM %s)" % (r + 1, n, res["mpps"],
                                   "%.3f" % res["mpps_per_cpu"] if res["mpps_per_cpu"] else "-",
                                   res["clean_windows"],
                                   res["contended_windows"],
                                   " ".join("%.2f/%.2f" % tuple(sh) for _, sh in res["windows"][:4])))
    rows = {}
    for n in names:
        mp = [x["mpps"] for x in results[n]]
        pc = [x["mpps_per_cpu"] for x in results[n] if x["mpps_per_cpu"]]
        if not mp:
            continue
        med = statistics.median(mp)
        medpc = statistics.median(pc) if pc else None
        rows[n] = {"mpps_median": med, "mpps": mp, "mpps_per_cpu_median": medpc,
                   "mpps_per_cpu": pc,
                   "clean_windows": sum(x["clean_windows"] for x in results[n]),
                   "cycles_per_pkt": hz / (medpc * 1e6) if medpc else None}
        if n == "sluice" and results[n][-1].get("stage_cycles"):
            rows[n]["stage_cycles_last"] = results[n][-1]["stage_cycles"]
    ratios = {}
    if "sluice" in rows:
        for n in rows:
            if n == "sluice":
                continue
            pairs = [(s, o) for s, o in zip(results["sluice"], results[n])
                     if s["mpps_per_cpu"] and o["mpps_per_cpu"]]
            per = [s["mpps_per_cpu"] / o["mpps_per_cpu"] for s, o in pairs]
            clean = [s["mpps"] / o["mpps"] for s, o in zip(results["sluice"], results[n])
                     if s["clean_windows"] and o["clean_windows"]]
            ratios[n] = {"median_of_round_ratios_per_cpu":
                         statistics.median(per) if per else None, "per_round_per_cpu": per,
                         "median_of_clean_round_ratios":
                         statistics.median(clean) if clean else None,
                         "clean_rounds": len(clean)}
    md = ["| switch | Mpps per CPU (median of %d rounds) | Mpps, clean windows only | "
          "clean windows | TSC cycles / forwarded frame | sluice / it (per CPU) | "
          "sluice / it (clean rounds) |" % args.rounds, "|---|---:|---:|---:|---:|---:|---:|"]
    for n, row in rows.items():
        rat = ratios.get(n, {})
        a, b = rat.get("median_of_round_ratios_per_cpu"), rat.get("median_of_clean_round_ratios")
        md.append("| %s | %s | %.2f | %d | %s | %s | %s |" % (
            n, "%.2f" % row["mpps_per_cpu_median"] if row["mpps_per_cpu_median"] else "-",
            row["mpps_median"], row["clean_windows"],
            "%.0f" % row["cycles_per_pkt"] if row["cycles_per_pkt"] else "-",
            "%.2fx" % a if a else "-",
            "%.2fx (%d)" % (b, rat["clean_rounds"]) if b else "-"))
    md = "\n".join(md)
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
            "rounds": args.rounds, "window_s": args.window, "warmup_s": args.warmup,
            "tsc_hz": hz, "tsc_hz_source": hz_src, "elapsed_s": time.time() - started,
            "traffic": "%d UDP flows, 64-byte frames with VLAN %d, pcap replayed forever"
                       % (FLOWS, VLAN),
            "throughput": "uplink opackets delta / window; median of the windows in which "
                          "the switch's core and the VM's both ran >= --share of the time",
            "share": args.share, "vm_share": args.vm_share, "clean_wanted": args.clean}
    with open(os.path.join(args.out, "vnic.json"), "w") as fh:
        json.dump({"meta": meta, "results": rows, "ratios": ratios, "raw": results,
                   "failed": sorted(failed), "table_markdown": md}, fh, indent=2)
    print(md)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
