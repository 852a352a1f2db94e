#!/usr/bin/env python3
"""Helpers for scripts/bench.sh (stdlib only).
  bench_util.py progs PID            ns per run of every BPF program PID holds (kernel.bpf_stats_enabled=1)
  bench_util.py runtime PID          run_time_ns summed over every BPF program PID holds
  bench_util.py ring PID             id of the dropwatch ring buffer map PID holds
  bench_util.py ring-bytes ID        size in bytes of the ring buffer map with that id
  bench_util.py gbps                 iperf3 -J on stdin -> received Gbit/s
  bench_util.py table RESULTS DESC   the one table
RESULTS lines: label<TAB>target (e.g. ">=0.98", "<=60", "-")<TAB>comma-separated values[<TAB>note]
"""
import json
import os
import subprocess
import statistics
import sys


def bpftool(*args):
    return json.loads(subprocess.check_output(["bpftool", "-j", *args]))


def prog_ids(pid):
    """BPF programs pid holds, from its fds (this bpftool shows no owner pids)."""
    ids = set()
    for fd in os.listdir(f"/proc/{pid}/fdinfo"):
        try:
            for line in open(f"/proc/{pid}/fdinfo/{fd}"):
                if line.startswith("prog_id:"):
                    ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def held(pid):
    ids = prog_ids(pid)
    return [p for p in bpftool("prog", "show") if p["id"] in ids]


def progs(pid):
    for p in held(pid):
        if p.get("run_cnt"):
            print(f"{p['name']}\t{p['run_time_ns'] / p['run_cnt']:.1f}\t{p['run_cnt']}")


def runtime(pid):
    print(sum(p.get("run_time_ns", 0) for p in held(pid)))


def ring(pid):
    for p in held(pid):
        if p["name"].startswith("dropwatch"):
            for mid in p.get("map_ids", []):
                if bpftool("map", "show", "id", str(mid)).get("type") == "ringbuf":
                    print(mid)
                    return
    sys.exit("no dropwatch ring buffer held by pid %d" % pid)


def ring_bytes(map_id):
    print(bpftool("map", "show", "id", str(map_id))["max_entries"])


def gbps():
    print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def verdict(target, med):
    if target == "-" or med is None:
        return "-"
    op, val = target[:2], float(target[2:])
    ok = med >= val if op == ">=" else med == val if op == "==" else med <= val
    return "PASS" if ok else "MISS"


def table(path, desc):
    rows = []
    notes = []
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "#":
            notes.append(parts[1])
            continue
        label, target, values = parts[0], parts[1], parts[2]
        note = parts[3] if len(parts) > 3 else ""
        vals = [float(v) for v in values.split(",") if v not in ("", "nan")]
        med = statistics.median(vals) if vals else None
        rows.append([label, fmt(min(vals)) if vals else "-", fmt(med), fmt(max(vals)) if vals else "-",
                     str(len(vals)), target.replace(">=", "≥ ").replace("<=", "≤ "), verdict(target, med), note])
    head = ["figure", "min", "median", "max", "n", "target", "result", "note"]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print(desc)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    for n in notes:
        print("- " + n)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "progs":
        progs(int(sys.argv[2]))
    elif cmd == "runtime":
        runtime(int(sys.argv[2]))
    elif cmd == "ring":
        ring(int(sys.argv[2]))
    elif cmd == "ring-bytes":
        ring_bytes(int(sys.argv[2]))
    elif cmd == "gbps":
        gbps()
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3])
