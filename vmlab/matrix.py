#!/usr/bin/env python3
"""vmlab/matrix.py RUN_DIR...: the kernel matrix table from each run directory's out/ (info.txt,
tracer-states.tsv, JUnit XML reports, junit.log) and guest.txt. Prints kernel x tracer -> State and
tests passed/failed, each tracer's Probe per kernel, failures, and the time per kernel; exits 1 when
a test failed or errored, a guest timed out or did not finish."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import tracers  # noqa: E402

TRACERS = [t for t, _ in tracers.severities()]  # the registry's, as the build wrote them
OTHER = "(other tests)"


def kv(path):
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            for m in re.finditer(r"(\w+)=(\S+(?: \(host\))?)", line):
                out.setdefault(m.group(1), m.group(2))
    return out


def row_of(classname):
    """A tracer's tests are in its package, io.huatuo.jmx.tracer.<tracer>."""
    m = re.match(r"io\.huatuo\.jmx\.tracer\.(\w+)\.", classname)
    return m.group(1) if m and m.group(1) in TRACERS else OTHER


def lines(path):
    """KEY=rest of the line, for values with spaces (guest.txt's guest_failure and retried)."""
    out = {}
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                out[key] = value
    return out


def load(run):
    out = os.path.join(run, "out")
    k = {"dir": run, "info": kv(os.path.join(out, "info.txt")), "guest": kv(os.path.join(run, "guest.txt")),
         "states": {}, "probes": {}, "tests": {}, "failures": [], "problems": [], "notes": []}
    guest = lines(os.path.join(run, "guest.txt"))
    k["name"] = k["info"].get("kernel", os.path.basename(run))
    states = os.path.join(out, "tracer-states.tsv")
    if os.path.exists(states):
        for line in open(states, encoding="utf-8"):
            f = line.rstrip("\n").split("\t")
            if len(f) == 3:
                k["states"][f[0]] = f[1]
                k["probes"][f[0]] = f[2]
    for xml in glob.glob(os.path.join(out, "reports", "*.xml")):
        try:
            cases = list(ET.parse(xml).getroot().iter("testcase"))
        except ET.ParseError as e:
            k["problems"].append("unreadable test report %s (%s): the test JVM ended before writing it" % (xml, e))
            continue
        for tc in cases:
            row = k["tests"].setdefault(row_of(tc.get("classname", "")), [0, 0, 0])
            bad = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
            if bad is not None:
                row[1] += 1
                msg = (bad.get("message") or bad.text or "").strip().splitlines()
                k["failures"].append("%s#%s: %s" % (tc.get("classname", "").rsplit(".", 1)[-1], tc.get("name"),
                                                     msg[0][:300] if msg else bad.get("type", "")))
            elif tc.find("skipped") is not None:
                row[2] += 1
            else:
                row[0] += 1
    log = os.path.join(out, "junit.log")
    if os.path.exists(log):
        m = re.search(r"\[\s*(\d+) containers failed\s*\]", open(log, encoding="utf-8", errors="replace").read())
        if m and int(m.group(1)) > 0:
            k["problems"].append("%s test classes failed before their tests (see %s)" % (m.group(1), log))
    g = k["guest"]
    if "guest_failure" in guest:
        k["problems"].append("guest stopped: " + guest["guest_failure"])
    if "retried" in guest:
        k["notes"].append("booted a second time: " + guest["retried"])
    if g.get("qemu_exit") == "124":
        k["problems"].append("guest killed at the timeout after %s s" % g.get("seconds"))
    elif "qemu_exit" in g and not os.path.exists(os.path.join(out, "done")) and "source" not in k["info"]:
        k["problems"].append("guest did not finish its run (qemu exit %s; console %s/console.log)"
                             % (g.get("qemu_exit"), run))
    if not k["tests"] and not k["problems"]:
        k["problems"].append("no test results")
    # every tracer runs on every kernel of the matrix (README, Supported kernels); the host may lack bonding
    if "source" not in k["info"]:
        for t, state in k["states"].items():
            if state != "RUNNING" and t in TRACERS:
                k["problems"].append("%s is %s in the guest, where every tracer is RUNNING: %s"
                                     % (t, state, k["probes"].get(t, "")[:300]))
    return k


def cell(k, row):
    t = k["tests"].get(row)
    tests = "" if t is None else "%d/%d" % (t[0], t[0] + t[1]) + (" %d skipped" % t[2] if t[2] else "")
    state = k["states"].get(row, "" if row == OTHER else "?")
    return (state + " " + tests).strip() or "-"


def table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def main():
    ks = [load(d) for d in sys.argv[1:]]
    print("Kernel matrix: State and tests passed/run per tracer")
    rows = [["tracer"] + [k["name"] for k in ks]]
    for row in TRACERS + [OTHER]:
        rows.append([row] + [cell(k, row) for k in ks])
    rows.append(["time (s)"] + [k["guest"].get("seconds", "host suite") for k in ks])
    table(rows)
    print("\nProbe (the hook in use, or why none works)")
    for t in TRACERS + ["softirq.UnavailableKinds"]:
        label = t.replace(".UnavailableKinds", " kinds")
        probes = [(k["name"], k["probes"][t]) for k in ks if k["probes"].get(t)]
        if len(probes) == len(ks) > 1 and len({p for _, p in probes}) == 1:
            print("  %-13s %-28s %s" % (label, "every kernel", probes[0][1][:400]))
            continue
        for name, p in probes:
            print("  %-13s %-28s %s" % (label, name, p[:400]))
    for k in ks:
        for n in k["notes"]:
            print("\nNote: %s: %s" % (k["name"], n))
    bad = False
    for k in ks:
        for f in k["failures"] + k["problems"]:
            if not bad:
                print("\nFailures")
            bad = True
            print("  %s: %s" % (k["name"], f))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
