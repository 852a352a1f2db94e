#!/usr/bin/env python3
"""What a hostile local user tries against the daemon's Jolokia endpoint (run as nobody by SecurityIT).
Prints one line per attempt: "<name> OK <detail>" when it worked, "<name> REFUSED <detail>" when not.
Usage: jolokia_attack.py BASE_URL SCRATCH_DIR"""
import json
import os
import sys
import urllib.error
import urllib.request

base, scratch = sys.argv[1], sys.argv[2]


def call(body=None, path=""):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"status": e.code, "error": text}


def attempt(name, body=None, path="", ok=None):
    status, r = call(body, path)
    inner = r.get("status", status) if isinstance(r, dict) else status
    worked = inner == 200 and (ok is None or ok(r))
    detail = r.get("value") if worked else r.get("error", r) if isinstance(r, dict) else r
    print(name, "OK" if worked else "REFUSED", str(detail).replace("\n", " ")[:300])


heap = os.path.join(scratch, "jolokia-heap.hprof")
attempt("jvmtiAgentLoad", {"type": "exec", "mbean": "com.sun.management:type=DiagnosticCommand",
                           "operation": "jvmtiAgentLoad", "arguments": [[os.path.join(scratch, "agent.so")]]})
attempt("dumpHeap", {"type": "exec", "mbean": "com.sun.management:type=HotSpotDiagnostic",
                     "operation": "dumpHeap", "arguments": [heap, True]})
print("heapFile", "OK" if os.path.exists(heap) else "REFUSED", heap)
attempt("invokeGc", {"type": "exec", "mbean": "java.lang:type=Memory", "operation": "gc"})
attempt("writeThreshold", {"type": "write", "mbean": "huatuo:type=Tracer,name=dropwatch",
                           "attribute": "MaxEventsPerSecond", "value": 7})
attempt("readInputArguments", {"type": "read", "mbean": "java.lang:type=Runtime", "attribute": "InputArguments"})
attempt("readSystemProperties", {"type": "read", "mbean": "java.lang:type=Runtime", "attribute": "SystemProperties"})
attempt("readAllRuntime", {"type": "read", "mbean": "java.lang:type=Runtime"},
        ok=lambda r: "InputArguments" in r["value"] and isinstance(r["value"]["InputArguments"], list))
attempt("readPatternRuntime", {"type": "read", "mbean": "java.lang:*", "attribute": "ClassPath"},
        ok=lambda r: any("ClassPath" in v for v in r["value"].values()))
attempt("hiddenInSearch", {"type": "search", "mbean": "*:*"},
        ok=lambda r: any("DiagnosticCommand" in n or "HotSpotDiagnostic" in n or n.startswith("jolokia:")
                         for n in r["value"]))
attempt("hiddenInList", {"type": "list"},
        ok=lambda r: "com.sun.management" in r["value"] or "jolokia" in r["value"])
attempt("configPath", path="config/read/java.lang:type=Runtime/InputArguments")
# what stays open to a read-only client
attempt("readHuatuo", {"type": "read", "mbean": "huatuo:type=Tracer,name=dropwatch", "attribute": "State"})
attempt("readHeap", {"type": "read", "mbean": "java.lang:type=Memory", "attribute": "HeapMemoryUsage"})
