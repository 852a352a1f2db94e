#!/usr/bin/env python3
"""Floods Jolokia with notification subscriptions as a hostile local client would (run as nobody by
NotificationLimitsIT): CLIENTS registrations, then REQUESTS bulk requests of PER_REQUEST pull listeners
on the dropwatch MBean spread over the registered clients. Prints registered=N refused_registrations=N
added=N refused=N and the first refusal message of each kind.
Usage: jolokia_flood.py BASE_URL CLIENTS REQUESTS PER_REQUEST"""
import json
import sys
import urllib.error
import urllib.request

base, clients, requests, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def post(body):
    req = urllib.request.Request(base, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return {"status": e.code, "error": e.read().decode(errors="replace")}


ids, refused_reg, first_reg = [], 0, ""
for _ in range(clients):
    r = post({"type": "notification", "command": "register"})
    if r.get("status") == 200:
        ids.append(r["value"]["id"])
    else:
        refused_reg += 1
        first_reg = first_reg or r.get("error", "")
added, refused, first = 0, 0, ""
for i in range(requests):
    bulk = [{"type": "notification", "command": "add", "client": ids[(i * per + j) % len(ids)], "mode": "pull",
             "mbean": "huatuo:type=Tracer,name=dropwatch"} for j in range(per)] if ids else []
    answer = post(bulk) if bulk else []
    if isinstance(answer, dict):  # the whole bulk request refused
        answer = [answer] * len(bulk)
    for r in answer:
        if isinstance(r, dict) and r.get("status") == 200:
            added += 1
        else:
            refused += 1
            first = first or (r.get("error", "") if isinstance(r, dict) else str(r))
print("registered=%d refused_registrations=%d added=%d refused=%d" % (len(ids), refused_reg, added, refused))
print("first_registration_refusal=" + first_reg.replace("\n", " ")[:300])
print("first_add_refusal=" + first.replace("\n", " ")[:300])
