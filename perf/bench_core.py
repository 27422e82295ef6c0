#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Per-core forwarding benchmark: sluice against DPDK's own forwarders.

Run with Debian's Python (it has scapy), as root, on a machine with free
2 MB hugepages:

    /usr/bin/python3 perf/bench_core.py --rounds 5

Contenders (each one process, one forwarding core: lcore 1, lcore 0 main):

  testpmd     dpdk-testpmd --forward-mode=io: no lookup at all (the ceiling)
  l3fwd-em    DPDK's l3fwd --lookup=em, 100,000 exact 5-tuple flows
  l3fwd-acl   DPDK's l3fwd --lookup=acl, 1,000 rules
  sluice-a    sluice, 1 tenant, 1 exact flow
  sluice-b    sluice, 1,000 tenants (port 0 + VLAN 1..1000), 100,000 exact
              flows, 1,000 wildcard rules; 9.1% of packets hit rules only

All of them get the same ports: port 0 = net_pcap replaying a 110,000-frame
pcap forever (rx_pcap=FILE,infinite_rx=1), port 1 = net_null (no-rx=1), and
forward port 0 -> port 1. Throughput is port 1's opackets (read through DPDK
telemetry) over a timed window; see perf/README.md for why. Contenders run
one at a time, alternating, for --rounds rounds; the report gives medians,
ratios against l3fwd-em and testpmd, and TSC cycles per packet.

Writes perf/out/core.json, prints a markdown table on stdout, progress on
stderr. Exit status: 0 when every non-optional contender measured, 1 when one
failed, 2 for a setup error (missing hugepages, binaries, scapy).
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

L3FWD_SRC = "/usr/share/dpdk/examples"
PORT_IN, PORT_OUT = 0, 1
FWD_CPU = 1              # lcore 1 runs on CPU 1 (-l 0-1)
USER_HZ = os.sysconf("SC_CLK_TCK")
SPARE_MBUFS = 16384       # mbufs beyond the pcap's copy, for bursts and caches
L3FWD_PATCH_VERSION = 1
CONTENDED_SHARE = 0.97     # below this on-CPU share a window is flagged

PEERS = ("testpmd", "l3fwd-em", "l3fwd-acl")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class SetupError(RuntimeError):
    pass


# ---- preflight ------------------------------------------------------------

def hugepages_free_mb():
    info = {}
    with open("/proc/meminfo") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            info[k] = v.split()
    try:
        free = int(info["HugePages_Free"][0])
        size_kb = int(info["Hugepagesize"][0])
    except (KeyError, ValueError, IndexError):
        return 0, 0
    return free * size_kb // 1024, int(info.get("HugePages_Total", ["0"])[0])


def check_hugepages(need_mb):
    with open("/proc/mounts") as fh:
        if not any(line.split()[2] == "hugetlbfs" for line in fh if len(line.split()) > 2):
            raise SetupError(
                "no hugetlbfs mounted: mkdir -p /dev/hugepages && "
                "mount -t hugetlbfs nodev /dev/hugepages")
    free_mb, total = hugepages_free_mb()
    if total == 0:
        raise SetupError(
            "no hugepages reserved: echo 1024 > "
            "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")
    if free_mb < need_mb:
        raise SetupError(
            "%d MB of hugepages free, %d MB needed (another DPDK process, or "
            "files left in /dev/hugepages by a killed one?)" % (free_mb, need_mb))
    return free_mb


def check_scapy():
    try:
        import scapy  # noqa: F401
    except ImportError:
        raise SetupError("scapy is not importable by %s; run this script with "
                         "/usr/bin/python3 (Debian's, with python3-scapy)"
                         % sys.executable)


def tsc_hz(out_dir):
    """(hz, source): rdtsc calibrated against CLOCK_MONOTONIC_RAW by
    perf/tsc_hz.c, or the 'cpu MHz' of /proc/cpuinfo when no compiler."""
    src = os.path.join(HERE, "tsc_hz.c")
    exe = os.path.join(out_dir, "tsc_hz")
    try:
        if (not os.path.exists(exe)
                or os.path.getmtime(exe) < os.path.getmtime(src)):
            subprocess.run(["cc", "-O2", "-o", exe, src], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        vals = sorted(float(subprocess.run([exe, "100"], check=True,
                                           capture_output=True,
                                           text=True).stdout)
                      for _ in range(3))
        return vals[1], "rdtsc vs CLOCK_MONOTONIC_RAW (perf/tsc_hz.c)"
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        log("tsc_hz: calibration failed (%s); using /proc/cpuinfo" % e)
    with open("/proc/cpuinfo") as fh:
        m = re.search(r"cpu MHz\s*:\s*([\d.]+)", fh.read())
    if not m:
        raise SetupError("cannot determine the TSC frequency")
    return float(m.group(1)) * 1e6, "/proc/cpuinfo cpu MHz"


def build_l3fwd(out_dir):
    """Copies l3fwd/ and common/ side by side into out_dir, patches main.c so
    it stops asking virtual ports for an Rx checksum offload they lack, and
    runs make. Returns the binary path."""
    exe = os.path.join(out_dir, "l3fwd", "build", "l3fwd")
    stamp = os.path.join(out_dir, "l3fwd", ".sluice-perf-stamp")
    pc = subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                        capture_output=True, text=True)
    if pc.returncode != 0:
        raise SetupError("pkg-config cannot find libdpdk: apt-get install dpdk-dev "
                         "libdpdk-dev pkg-config")
    want = "patch %d dpdk %s" % (L3FWD_PATCH_VERSION, pc.stdout.strip())
    try:
        with open(stamp) as fh:
            if fh.read() == want and os.access(exe, os.X_OK):
                return exe
    except OSError:
        pass
    for d in ("l3fwd", "common"):
        if not os.path.isdir(os.path.join(L3FWD_SRC, d)):
            raise SetupError("%s/%s missing: apt-get install dpdk-doc" % (L3FWD_SRC, d))
    log("l3fwd: copying %s/{l3fwd,common} to %s and building ..." % (L3FWD_SRC, out_dir))
    for d in ("l3fwd", "common"):
        shutil.rmtree(os.path.join(out_dir, d), ignore_errors=True)
        shutil.copytree(os.path.join(L3FWD_SRC, d), os.path.join(out_dir, d))
    main_c = os.path.join(out_dir, "l3fwd", "main.c")
    with open(main_c) as fh:
        s = fh.read()
    # l3fwd 22.11 requests RTE_ETH_RX_OFFLOAD_CHECKSUM unconditionally and
    # rte_eth_dev_configure() rejects it on net_pcap/net_null (-EINVAL). Ask
    # only for what the port offers; l3fwd never reads the checksum flags.
    anchors = [
        ("\t\tlocal_port_conf.rx_adv_conf.rss_conf.rss_hf &=\n"
         "\t\t\tdev_info.flow_type_rss_offloads;\n",
         "\t\tlocal_port_conf.rx_adv_conf.rss_conf.rss_hf &=\n"
         "\t\t\tdev_info.flow_type_rss_offloads;\n"
         "\t\t/* sluice perf: virtual ports have no Rx checksum offload */\n"
         "\t\tlocal_port_conf.rxmode.offloads &= dev_info.rx_offload_capa;\n"),
        ("\t\t\trxq_conf.offloads = port_conf.rxmode.offloads;\n",
         "\t\t\trxq_conf.offloads = port_conf.rxmode.offloads &\n"
         "\t\t\t\tdev_info.rx_offload_capa;\n"),
    ]
    for old, new in anchors:
        if s.count(old) != 1:
            raise SetupError("l3fwd main.c does not look like 22.11's; cannot patch")
        s = s.replace(old, new)
    with open(main_c, "w") as fh:
        fh.write(s)
    r = subprocess.run(["make", "-C", os.path.join(out_dir, "l3fwd"), "-j2"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.access(exe, os.X_OK):
        raise SetupError("building l3fwd failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    with open(stamp, "w") as fh:
        fh.write(want)
    return exe


# ---- contenders -------------------------------------------------------------

class Contender:
    def __init__(self, name, what, argv_fn, mem_mb, optional=False, skip=None):
        self.name = name
        self.what = what
        self.argv_fn = argv_fn     # (prefix) -> argv
        self.mem_mb = mem_mb
        self.optional = optional
        self.skip = skip           # reason string when not run at all
        self.failed = None
        self.runs = []
        self.argv = None


def eal_args(prefix, mem_mb, pcap):
    # The same two ports for everyone. tx_pcap=/dev/null twice only gives
    # port 0 two Tx queues: l3fwd sets up one Tx queue per lcore on every port
    # and net_pcap with rx_pcap alone has one. Nobody transmits on port 0.
    return ["-l", "0-1", "--main-lcore", "0", "--no-pci",
            "--file-prefix", prefix, "--huge-unlink", "-m", str(mem_mb),
            "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null,tx_pcap=/dev/null,"
                      "infinite_rx=1" % pcap,
            "--vdev", "net_null0,no-rx=1"]


def make_contenders(args, files, n_packets, l3fwd_exe):
    total_mbufs = n_packets + SPARE_MBUFS
    # l3fwd sizes its pool from descriptor counts: 2 ports * rxd (1 Rx queue)
    # + 2*2*32 burst + 2*2*1024 txd + 2*256 cache = 2*rxd + 4736. net_pcap
    # ignores the descriptor count, so --rx-queue-size is the knob that makes
    # room for the pcap, which infinite_rx keeps in the Rx queue's pool.
    l3fwd_rxd = -(-(total_mbufs - 4736) // 2)
    if l3fwd_rxd > 65535:
        raise SetupError("pcap too large for l3fwd's pool sizing")
    testpmd = shutil.which("dpdk-testpmd")
    sluice = args.sluice
    sluice_skip = None
    if not os.access(sluice, os.X_OK):
        shown = (os.path.relpath(sluice, REPO)
                 if sluice.startswith(REPO + os.sep) else sluice)
        sluice_skip = "%s not built (ninja -C build dataplane/sluice)" % shown
    pre = "sluiceperf%d_" % os.getpid()

    def tp(prefix):
        return [testpmd] + eal_args(prefix, args.mem_testpmd, files["peers_pcap"]) + [
            "--", "--forward-mode=io", "--nb-cores=1", "--rxq=1", "--txq=1",
            "--burst=32", "--total-num-mbufs=%d" % total_mbufs]

    def l3(lookup, v4, v6, mem):
        def argv(prefix):
            return [l3fwd_exe] + eal_args(prefix, mem, files["peers_pcap"]) + [
                "--", "-p", "0x3", "--config=(0,0,1)", "--lookup=%s" % lookup,
                "--parse-ptype", "--rule_ipv4=%s" % v4, "--rule_ipv6=%s" % v6,
                "--rx-queue-size=%d" % l3fwd_rxd]
        return argv

    def sl(tenants, pcap):
        def argv(prefix):
            return [sluice] + eal_args(prefix, args.mem_sluice, pcap) + [
                "--", "--tenants", tenants, "--fwd-mode", "tenant",
                "--nb-cores", "1", "--burst", "32", "--stats-period", "0",
                # net_pcap infinite_rx preloads the whole pcap from the RX pool.
                "--total-num-mbufs", "180000"]
        return argv

    cs = [
        Contender("testpmd", "testpmd io forwarding, no lookup (ceiling)", tp,
                  args.mem_testpmd,
                  skip=None if testpmd else "dpdk-testpmd not on PATH (apt-get install dpdk)"),
        Contender("l3fwd-em", "l3fwd --lookup=em, 100,000 exact 5-tuple flows",
                  l3("em", files["em_v4"], files["em_v6"], args.mem_l3fwd_em),
                  args.mem_l3fwd_em),
        Contender("l3fwd-acl", "l3fwd --lookup=acl, 1,000 rules",
                  l3("acl", files["acl_v4"], files["acl_v6"], args.mem_l3fwd_acl),
                  args.mem_l3fwd_acl),
        Contender("sluice-a", "sluice, 1 tenant, 1 exact flow",
                  sl(files["tenants_a"], files["sluice_a_pcap"]), args.mem_sluice,
                  optional=True, skip=sluice_skip),
        Contender("sluice-b", "sluice, 1,000 tenants (VLAN), 100k flows, 1k rules; "
                  "9.1% rule-only", sl(files["tenants_b"], files["sluice_b_pcap"]),
                  args.mem_sluice, optional=True, skip=sluice_skip),
    ]
    for c in cs:
        c.prefix = pre + c.name.replace("-", "_")
    if args.only:
        keep = set(args.only.split(","))
        unknown = keep - {c.name for c in cs}
        if unknown:
            raise SetupError("unknown contender(s): %s" % ",".join(sorted(unknown)))
        cs = [c for c in cs if c.name in keep]
    return cs


# ---- measurement --------------------------------------------------------------

def timed_query(tel, cmd, tries=5, tight_s=0.001):
    """(midpoint time, reply, bracket width). The driver shares CPU 0 with the
    contender's main lcore (l3fwd's spins in rte_eal_mp_wait_lcore) and its
    telemetry thread, so a reply can come milliseconds late; retry a few
    times and keep the tightest bracket."""
    best = None
    for _ in range(tries):
        t0 = time.monotonic()
        v = tel.query(cmd)
        t1 = time.monotonic()
        if best is None or t1 - t0 < best[2]:
            best = ((t0 + t1) / 2, v, t1 - t0)
        if t1 - t0 <= tight_s:
            break
    return best


def sample(p, tid):
    t_out, out, w_out = timed_query(p.tel, "/ethdev/stats,%d" % PORT_OUT)
    run_ns, wait_ns = dpdkproc.thread_schedstat(p.proc.pid, tid)
    steal = dpdkproc.cpu_steal_ticks(FWD_CPU)
    t_in, inp, w_in = timed_query(p.tel, "/ethdev/stats,%d" % PORT_IN)
    return {"t": t_out, "out": out["opackets"], "oerrors": out["oerrors"],
            "t_in": t_in, "in": inp["ipackets"], "rx_nombuf": inp["rx_nombuf"],
            "bracket_s": max(w_out, w_in), "run_ns": run_ns, "wait_ns": wait_ns,
            "steal": steal}


def measure_once(c, args, hz, log_dir):
    check_hugepages(c.mem_mb)
    p = dpdkproc.DpdkProc(c.name, c.argv_fn(c.prefix), c.prefix,
                          os.path.join(log_dir, c.name + ".log"))
    c.argv = p.argv
    CURRENT.append(p)
    try:
        p.start()
        ready_s = p.wait_ready(PORT_OUT, args.startup_timeout)
        tid = p.worker_tid(FWD_CPU)
        time.sleep(args.warmup)             # warm-up window, discarded
        best = None
        windows = 0
        # A window in which another task took part of CPU 1 is measured
        # again (up to --retries more windows); keep the cleanest.
        s1 = sample(p, tid)
        for _ in range(1 + args.retries):
            s0 = s1
            time.sleep(args.window)         # the measurement window
            s1 = sample(p, tid)
            windows += 1
            share = (s1["run_ns"] - s0["run_ns"]) / 1e9 / (s1["t"] - s0["t"])
            if best is None or share > best[2]:
                best = (s0, s1, share)
            if share >= CONTENDED_SHARE:
                break
        s0, s1 = best[0], best[1]
        stages = None
        if c.name.startswith("sluice"):
            try:
                stages = p.tel.query("/sluice/stages")
            except (OSError, ValueError):
                stages = None
        if not p.alive():
            raise dpdkproc.StartError("%s exited during the window" % c.name,
                                      p.log_tail())
    finally:
        p.stop()
        CURRENT.remove(p)
    dt = s1["t"] - s0["t"]
    dt_in = s1["t_in"] - s0["t_in"]
    d_out = s1["out"] - s0["out"]
    d_in = s1["in"] - s0["in"]
    r = {"window_s": dt, "windows_tried": windows, "ready_s": ready_s, "pkts_out": d_out, "pkts_in": d_in,
         "mpps": d_out / dt / 1e6, "in_mpps": d_in / dt_in / 1e6,
         "out_per_in": (d_out / dt) / (d_in / dt_in) if d_in else None,
         "timing_uncertainty": (s0["bracket_s"] + s1["bracket_s"]) / 2 / dt,
         # Share of the window the forwarding thread ran, waited for CPU 1
         # behind another task, and CPU 1 was stolen by the hypervisor.
         "fwd_thread_on_cpu": (s1["run_ns"] - s0["run_ns"]) / 1e9 / dt,
         "fwd_thread_runq_wait": (s1["wait_ns"] - s0["wait_ns"]) / 1e9 / dt,
         "cpu1_steal": (s1["steal"] - s0["steal"]) / USER_HZ / dt,
         "cycles_per_pkt_on_cpu": (hz * (s1["run_ns"] - s0["run_ns"]) / 1e9 / d_out
                                   if d_out else None),
         "cycles_per_pkt": hz * dt / d_out if d_out else None,
         "rx_nombuf": s1["rx_nombuf"] - s0["rx_nombuf"],
         "oerrors": s1["oerrors"] - s0["oerrors"]}
    if isinstance(stages, dict):
        # /sluice/stages reports tenths of a cycle (telemetry has no floats in 22.11).
        r["stages"] = {k: v / 10.0 for k, v in stages.items() if isinstance(v, (int, float))}
    return r


CURRENT = []   # live DpdkProc objects, stopped on any exit


def stop_all():
    for p in list(CURRENT):
        try:
            p.stop(timeout_s=3)
        except Exception as e:  # keep stopping the others
            log("stop %s: %s" % (p.name, e))


def _on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


# ---- report -------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(cs, rounds_done):
    by = {c.name: c for c in cs}
    res = {}
    for c in cs:
        e = {"what": c.what, "optional": c.optional, "argv": c.argv}
        if c.skip:
            e["status"] = "skipped"
            e["reason"] = c.skip
        elif not any(c.runs):
            e["status"] = "failed"
            e["reason"] = c.failed or "no run completed"
        else:
            e["status"] = "ok" if not c.failed else "partial"
            if c.failed:
                e["reason"] = c.failed
            runs = [r for r in c.runs if r]
            mpps = [r["mpps"] for r in runs]
            e.update({
                "rounds": len(runs),
                "mpps": mpps,
                "median_mpps": med(mpps),
                "min_mpps": min(mpps), "max_mpps": max(mpps),
                "spread": (max(mpps) - min(mpps)) / med(mpps) if med(mpps) else None,
                "median_in_mpps": med([r["in_mpps"] for r in runs]),
                "median_out_per_in": med([r["out_per_in"] for r in runs]),
                "median_cycles_per_pkt": med([r["cycles_per_pkt"] for r in runs]),
                "median_cycles_per_pkt_on_cpu": med([r["cycles_per_pkt_on_cpu"]
                                                     for r in runs]),
                "min_fwd_thread_on_cpu": min(r["fwd_thread_on_cpu"] for r in runs),
                "max_cpu1_steal": max(r["cpu1_steal"] for r in runs),
                "median_ready_s": med([r["ready_s"] for r in runs]),
                "rx_nombuf": sum(r["rx_nombuf"] for r in runs),
                "runs": c.runs,
            })
            st = [r["stages"] for r in runs if "stages" in r]
            if st:
                keys = []
                for s in st:
                    keys += [k for k in s if k not in keys]
                e["stages_median"] = {}
                for k in keys:
                    vals = [s[k] for s in st if isinstance(s.get(k), (int, float))]
                    e["stages_median"][k] = med(vals) if vals else st[-1].get(k)
        res[c.name] = e
    # Paired ratios: contender / reference within the same round, then the
    # median over rounds (robust to the machine's slow drift); plus the ratio
    # of medians for reference.
    for ref in ("l3fwd-em", "testpmd"):
        rc = by.get(ref)
        for c in cs:
            e = res[c.name]
            if "runs" not in e or rc is None or rc.skip:
                continue
            pr = [a["mpps"] / b["mpps"] for a, b in zip(c.runs, rc.runs)
                  if a and b and b["mpps"]]
            e["ratio_vs_" + ref] = med(pr)
            if res[ref].get("median_mpps"):
                e["ratio_of_medians_vs_" + ref] = e["median_mpps"] / res[ref]["median_mpps"]
    return res


def fmt(x, f="%.2f"):
    return "-" if x is None else f % x


def markdown(res, meta):
    lines = ["| contender | workload | Mpps (median) | min-max | cycles/pkt | "
             "on-CPU cycles/pkt | x l3fwd-em | x testpmd | out/in | "
             "min on-CPU share |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, e in res.items():
        if e["status"] in ("skipped", "failed"):
            lines.append("| %s | %s | %s: %s | | | | | | | |"
                         % (name, e["what"], e["status"], e["reason"].splitlines()[0]))
            continue
        lines.append("| %s | %s | %s | %s-%s | %s | %s | %s | %s | %s | %s |" % (
            name, e["what"], fmt(e["median_mpps"]), fmt(e["min_mpps"]),
            fmt(e["max_mpps"]), fmt(e["median_cycles_per_pkt"], "%.0f"),
            fmt(e["median_cycles_per_pkt_on_cpu"], "%.0f"),
            fmt(e.get("ratio_vs_l3fwd-em"), "%.3f"),
            fmt(e.get("ratio_vs_testpmd"), "%.3f"),
            fmt(e["median_out_per_in"], "%.3f"),
            fmt(e["min_fwd_thread_on_cpu"], "%.3f")))
    out = "\n".join(lines)
    low = {n: e["min_fwd_thread_on_cpu"] for n, e in res.items()
           if e.get("min_fwd_thread_on_cpu") is not None
           and e["min_fwd_thread_on_cpu"] < CONTENDED_SHARE}
    if low:
        out += ("\n\n**WARNING: CPU 1 was shared.** In some windows the forwarding "
                "thread ran only %s of the time (another process on the core); "
                "Mpps and wall cycles/pkt of those rounds are not trustworthy. "
                "Rerun on a quiet machine (see runs[].fwd_thread_on_cpu in core.json)."
                % ", ".join("%s %.0f%%" % (n, v * 100) for n, v in low.items()))
    staged = {n: e["stages_median"] for n, e in res.items() if e.get("stages_median")}
    if staged:
        keys = []
        for s in staged.values():
            keys += [k for k in s if k not in keys]
        out += "\n\nsluice /sluice/stages (cycles per packet, median over rounds)\n\n"
        out += "| stage | " + " | ".join(staged) + " |\n"
        out += "|---|" + "---:|" * len(staged) + "\n"
        for k in keys:
            out += "| %s | %s |\n" % (k, " | ".join(
                fmt(s.get(k)) if isinstance(s.get(k), (int, float)) or s.get(k) is None
                else str(s.get(k)) for s in staged.values()))
    out += ("\n\n%d rounds, %.1f s window after %.1f s warm-up, 64 B frames "
            "(60 B + FCS), TSC %.0f MHz (%s); ratios are medians of per-round ratios."
            % (meta["rounds"], meta["window_s"], meta["warmup_s"],
               meta["tsc_hz"] / 1e6, meta["tsc_source"]))
    return out


# ---- main ---------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--window", type=float, default=3.0,
                    help="measurement window, seconds (default 3)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="discarded window after forwarding starts (default 1)")
    ap.add_argument("--only", help="comma list of contenders: " +
                    ",".join(PEERS + ("sluice-a", "sluice-b")))
    ap.add_argument("--retries", type=int, default=1,
                    help="extra windows when CPU 1 was shared in one (default 1)")
    ap.add_argument("--sluice", default=os.path.join(REPO, "build", "dataplane", "sluice"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--startup-timeout", type=float, default=60.0,
                    help="bound on start-up until forwarding, seconds")
    ap.add_argument("--mem-testpmd", type=int, default=512, help="-m MB")
    ap.add_argument("--mem-l3fwd-em", type=int, default=1024, help="-m MB")
    ap.add_argument("--mem-l3fwd-acl", type=int, default=512, help="-m MB")
    ap.add_argument("--mem-sluice", type=int, default=1024, help="-m MB")
    args = ap.parse_args()
    if args.rounds < 1 or args.window <= 0 or args.warmup < 0 or args.retries < 0:
        ap.error("need --rounds >= 1, --window > 0, --warmup >= 0, --retries >= 0")

    # Explicit: a shell starting us in the background may have set SIGINT to
    # SIG_IGN, and Python then leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    try:
        if os.geteuid() != 0:
            raise SetupError("run as root (hugepages, /var/run/dpdk)")
        check_scapy()
        out_dir = os.path.abspath(args.out)
        log_dir = os.path.join(out_dir, "logs")
        os.makedirs(log_dir, exist_ok=True)
        import traffic
        files = traffic.generate_all(os.path.join(out_dir, "traffic"), PORT_OUT, log)
        l3fwd_exe = build_l3fwd(out_dir)
        hz, hz_src = tsc_hz(out_dir)
        cs = make_contenders(args, files, traffic.N_PACKETS, l3fwd_exe)
        check_hugepages(max((c.mem_mb for c in cs if not c.skip), default=0))
        # Keep this driver off the forwarding core (CPU 1).
        os.sched_setaffinity(0, {0})
    except SetupError as e:
        log("bench_core: setup error: %s" % e)
        return 2

    for c in cs:
        if c.skip:
            log("%s: skipped: %s" % (c.name, c.skip))
    rounds_done = 0
    started = time.monotonic()
    try:
        for r in range(args.rounds):
            live = [c for c in cs if not c.skip]
            if not live:
                break
            # Rotate the order each round so no contender always runs first.
            k = r % len(live)
            for c in live[k:] + live[:k]:
                if c.failed:
                    c.runs.append(None)
                    continue
                try:
                    res = measure_once(c, args, hz, log_dir)
                except dpdkproc.StartError as e:
                    c.failed = str(e)
                    c.runs.append(None)
                    log("%s: FAILED: %s\n%s" % (c.name, e, e.log_tail))
                    if c.optional and not c.runs[:-1]:
                        c.skip = "did not run: %s" % e
                    continue
                except SetupError as e:
                    c.failed = str(e)
                    c.runs.append(None)
                    log("%s: %s" % (c.name, e))
                    continue
                c.runs.append(res)
                log("round %d/%d %-10s %7.3f Mpps  %5.0f cyc/pkt  out/in %.3f  "
                    "on-cpu %.3f steal %.3f  (ready in %.1f s)"
                    % (r + 1, args.rounds, c.name, res["mpps"],
                       res["cycles_per_pkt"] or 0, res["out_per_in"] or 0,
                       res["fwd_thread_on_cpu"], res["cpu1_steal"], res["ready_s"]))
            rounds_done = r + 1
    except KeyboardInterrupt:
        log("interrupted: stopping DPDK processes")
        stop_all()
        return 130
    finally:
        stop_all()

    # Align per-round lists (contenders that failed mid-way have None slots).
    for c in cs:
        c.runs = c.runs + [None] * (rounds_done - len(c.runs))
    meta = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "host_cpu": _cpu_model(), "cpus": os.cpu_count(),
        "dpdk": subprocess.run(["pkg-config", "--modversion", "libdpdk"],
                               capture_output=True, text=True).stdout.strip(),
        "rounds": rounds_done, "window_s": args.window, "warmup_s": args.warmup,
        "tsc_hz": hz, "tsc_source": hz_src,
        "packets_per_pcap": traffic.N_PACKETS, "frame_bytes_captured": traffic.FRAME_LEN,
        "wildcard_share_sluice_b": (traffic.N_PACKETS - traffic.N_EXACT) / traffic.N_PACKETS,
        "ports": {"in": "port 0 net_pcap infinite_rx", "out": "port 1 net_null no-rx=1"},
        "throughput": "port 1 opackets delta / window (telemetry /ethdev/stats,1)",
        "elapsed_s": time.monotonic() - started,
    }
    res = summarize(cs, rounds_done)
    md = markdown(res, meta)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "core.json"), "w") as fh:
        json.dump({"meta": meta, "contenders": res, "table_markdown": md}, fh, indent=2)
    print(md)
    log("wrote %s (%.0f s)" % (os.path.join(args.out, "core.json"), meta["elapsed_s"]))
    bad = [c.name for c in cs if c.failed and not c.optional]
    return 1 if bad else 0


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            m = re.search(r"model name\s*:\s*(.*)", fh.read())
        return m.group(1).strip() if m else None
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
