"""Sends COUNT TCP SYN segments from a raw socket to ADDR:PORT (a drop rule eats them). Usage: ADDR PORT COUNT"""
import socket
import struct
import sys

addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
sent = 0
for i in range(count):
    # source port, dest port, seq, ack, data offset 5 words, flags SYN, window, checksum 0, urgent
    seg = struct.pack("!HHIIBBHHH", 20000 + i % 20000, port, i, 0, 5 << 4, 0x02, 65535, 0, 0)
    while True:
        try:
            s.sendto(seg, (addr, 0))
            sent += 1
            break
        except BlockingIOError:
            continue
        except OSError as e:
            if e.errno != 105:  # ENOBUFS: the device queue is full, try again
                raise
print(sent, flush=True)
