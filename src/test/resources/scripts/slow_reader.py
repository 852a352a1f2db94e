"""Test TCP receiver that lets data wait: accepts one connection, waits until data is readable,
sleeps SLEEP_MS, then reads until the peer closes and prints how long it slept. Usage: ADDR PORT SLEEP_MS"""
import select
import socket
import sys
import time

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
select.select([conn], [], [])
t0 = time.monotonic()
time.sleep(int(sys.argv[3]) / 1000.0)
slept = (time.monotonic() - t0) * 1000
while conn.recv(65536):
    pass
print("slept_ms %.1f" % slept, flush=True)
