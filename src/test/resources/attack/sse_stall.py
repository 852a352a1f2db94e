#!/usr/bin/env python3
"""A Jolokia SSE client that stops reading (its TCP window fills), as a stalled browser tab would:
registers, subscribes to a tracer (default dropwatch) over SSE, opens the stream, prints "open", reads
nothing for STALL seconds, then reads what it can until the server ends the stream (or 3 s of
silence), unregisters and prints received=N (notification messages) first_id= last_id=.
Usage: sse_stall.py BASE_URL STALL_SECONDS [TRACER]"""
import json
import socket
import sys
import time
import urllib.parse
import urllib.request

base, stall = sys.argv[1], float(sys.argv[2])
tracer = sys.argv[3] if len(sys.argv) > 3 else "dropwatch"


def post(body):
    req = urllib.request.Request(base, data=json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


client = post({"type": "notification", "command": "register"})["value"]["id"]
add = post({"type": "notification", "command": "add", "client": client, "mode": "sse",
            "mbean": "huatuo:type=Tracer,name=" + tracer})
assert add["status"] == 200, add
u = urllib.parse.urlparse(base)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((u.hostname, u.port))
s.sendall(("GET %snotification/open/%s/sse HTTP/1.1\r\nHost: %s\r\n\r\n" % (u.path, client, u.netloc)).encode())
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(1)
print("open", head.split(b"\r\n")[0].decode(), flush=True)
time.sleep(stall)
s.settimeout(3)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
ids = [int(l.split(b":", 1)[1]) for l in data.split(b"\r\n") if l.startswith(b"id: ")]
post({"type": "notification", "command": "unregister", "client": client})
print("received=%d first_id=%s last_id=%s" % (len(ids), ids[0] if ids else -1, ids[-1] if ids else -1))
