"""Test TCP client: connects, then sends 100 bytes every INTERVAL seconds for SECONDS. Usage: ADDR PORT INTERVAL SECONDS"""
import socket
import sys
import time

addr, port, interval, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((addr, port), timeout=5)
print("connected", flush=True)
end = time.time() + seconds
while time.time() < end:
    try:
        s.send(b"x" * 100)
    except OSError:
        pass
    time.sleep(interval)
