"""Sends 1400-byte UDP datagrams to ADDR:PORT as fast as the socket takes them, for SECONDS, with a
send buffer (SO_SNDBUFFORCE, root) larger than any NIC ring: a NIC whose ring is never drained fills
it and its queue stops. Prints the count sent. Usage: ADDR PORT SECONDS"""
import socket
import sys
import time

SO_SNDBUFFORCE = 32
addr, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
s.setblocking(False)
sent = 0
end = time.time() + seconds
while time.time() < end:
    try:
        s.sendto(b"x" * 1400, (addr, port))
        sent += 1
    except OSError:  # the buffer is full (EAGAIN) or the queue refused it (ENOBUFS)
        time.sleep(0.005)
print(sent, flush=True)
