"""Test TCP client: connects, then sends SIZE bytes (default 100) every INTERVAL seconds for SECONDS, on
CONNECTIONS connections (default 1) from one process. Usage: ADDR PORT INTERVAL SECONDS [CONNECTIONS [SIZE]]"""
import socket
import sys
import time

addr, port, interval, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
connections = int(sys.argv[5]) if len(sys.argv) > 5 else 1
size = int(sys.argv[6]) if len(sys.argv) > 6 else 100
socks = [socket.create_connection((addr, port), timeout=5) for _ in range(connections)]
print("connected", flush=True)
end = time.time() + seconds
while time.time() < end:
    for s in socks:
        try:
            s.send(b"x" * size)
        except OSError:
            pass
    time.sleep(interval)
