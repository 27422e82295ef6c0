#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""NPU bridge ingest benchmark: frames reassembled into NPU memory per core.

Run with Debian's Python, as root, after building (ninja -C build):

    /usr/bin/python3 perf/bench_npu.py --rounds 5

For each frame geometry, each round runs three contenders, one process each
(build/perf/bench_npu, perf/bench_npu.c), in an order that rotates:

  memcpy   the bound: one core copies the frames' payload runs, as the
           packets carry them, into a shared-memory buffer like the NPU's
  cpu      sluice: RFC 4175 packets through one worker core (parse, tenant,
           rule, assembler, stream table) into the context's slots in NPU
           memory by rte_memcpy
  dmadev   the same with the copies done by a DMA engine (dma_skeleton, a
           software engine: its copy thread shares the other core)
  zerocopy the packets are in NPU memory already (the data plane's pool is
           there, as a port would receive them); frames go as gather lists,
           or, past 256 payload runs (a 640x480 frame in 1,200-byte packets
           has about 520), are copied after all: the zc column says which

A sluice round sends bursts of 64 frames (each frame's packets are re-sent
mbufs, only their RTP timestamps rewritten) and waits for their 64 results;
the device fails every op at once (an injected fault) so that its inference
is not what is measured. Throughput = payload bytes moved / time inside
bursts. Prints a markdown table (medians over rounds, ratio to memcpy in the
same round), writes perf/out/npu.json; progress on stderr.
Exit status 0, 1 when a run failed, 2 for a setup problem.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODES = ("memcpy", "cpu", "dmadev", "zerocopy")
GEOMS = {"640x480 gray8": (640, 480, 1), "64x48 rgb8": (64, 48, 3)}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_one(exe, mode, geom, args, rnd):
    w, h, c = GEOMS[geom]
    argv = [exe, "-l", "0-1", "--no-pci", "--no-huge", "-m", "1024", "--iova-mode=va",
            "--vdev", "dma_skeleton0", "--file-prefix", "bnpu%d_%d" % (os.getpid(), rnd),
            "--no-telemetry", "--log-level", "lib.eal:error", "--",
            "--mode", mode, "--model", os.path.join(REPO, "models", "digits.snm"),
            "--width", str(w), "--height", str(h), "--pixel", str(c),
            "--payload", str(args.payload), "--warmup", str(args.warmup),
            "--seconds", str(args.window)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("%s %s: exit %d\n%s" % (mode, geom, r.returncode, r.stderr[-2000:]))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--window", type=float, default=3.0, help="seconds measured per run")
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--payload", type=int, default=1200, help="RTP payload bytes per packet")
    ap.add_argument("--exe", default=os.path.join(REPO, "build", "perf", "bench_npu"))
    ap.add_argument("--only", default="", help="comma-separated geometries: " + ", ".join(GEOMS))
    a = ap.parse_args(argv)
    if not os.access(a.exe, os.X_OK):
        log("%s missing: ninja -C build perf/bench_npu" % a.exe)
        return 2
    geoms = [g for g in GEOMS if not a.only or g in a.only.split(",")]
    res = {g: {m: [] for m in MODES} for g in geoms}
    failed = False
    for rnd in range(a.rounds):
        for g in geoms:
            order = MODES[rnd % len(MODES):] + MODES[:rnd % len(MODES)]
            for m in order:
                try:
                    r = run_one(a.exe, m, g, a, rnd)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    log("round %d: %s" % (rnd, e))
                    failed = True
                    continue
                res[g][m].append(r)
                log("round %d %s %-6s %8.0f frames/s %6.3f GB/s" %
                    (rnd, g, m, r["frames_per_s"], r["gbytes_per_s"]))
    out = {"date": datetime.date.today().isoformat(), "rounds": a.rounds, "window_s": a.window,
           "payload": a.payload, "results": res}
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    with open(os.path.join(HERE, "out", "npu.json"), "w") as f:
        json.dump(out, f, indent=1)
    print("| frame | mode | frames/s | GB/s | GB/s min-max | x memcpy | worker cycles/pkt "
          "| per-core GB/s | per-core x memcpy | zc gathered/copied |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for g in geoms:
        mem = res[g]["memcpy"]
        for m in MODES:
            rs = res[g][m]
            if not rs:
                continue
            gb = [r["gbytes_per_s"] for r in rs]
            ratios = [r["gbytes_per_s"] / b["gbytes_per_s"] for r, b in zip(rs, mem)
                      if b["gbytes_per_s"] > 0]
            if m == "memcpy":
                cyc = core = core_ratio = "-"
            else:
                # What the worker core could move if the source never made it wait.
                cores = [r["bytes_per_pkt"] * r["tsc_hz"] / r["cycles_per_pkt"] / 1e9
                         for r in rs]
                cr = [c / b["gbytes_per_s"] for c, b in zip(cores, mem) if b["gbytes_per_s"] > 0]
                cyc = "%.0f" % statistics.median(r["cycles_per_pkt"] for r in rs)
                core = "%.3f" % statistics.median(cores)
                core_ratio = "%.3f" % statistics.median(cr) if cr else "-"
            zc = "-"
            if m == "zerocopy":
                zc = "%d/%d" % (sum(r.get("gathered", 0) for r in rs),
                                sum(r.get("zc_copied", 0) for r in rs))
            print("| %s | %s | %.0f | %.3f | %.3f-%.3f | %s | %s | %s | %s | %s |" %
                  (g, m, statistics.median(r["frames_per_s"] for r in rs),
                   statistics.median(gb), min(gb), max(gb),
                   "%.3f" % statistics.median(ratios) if ratios else "-", cyc, core,
                   core_ratio, zc))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
