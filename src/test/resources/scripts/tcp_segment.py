"""Sends one TCP segment from a raw socket, checksummed, to ADDR:PORT from local port SPORT.
Usage: ADDR PORT SPORT FLAGS DATA_BYTES, FLAGS as letters of S(YN) A(CK) F(IN) R(ST) P(SH)."""
import socket
import struct
import sys

addr, port, sport, flags, data_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
bits = sum({"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10}[f] for f in flags)
payload = b"x" * data_bytes

# the source address the kernel will put in the IP header, for the pseudo-header
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.connect((addr, port))
src = probe.getsockname()[0]
probe.close()


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(csum):
    # source port, dest port, seq, ack, data offset 5 words, flags, window, checksum, urgent
    return struct.pack("!HHIIBBHHH", sport, port, 1000, 2000 if bits & 0x10 else 0, 5 << 4, bits, 65535, csum, 0) + payload


pseudo = socket.inet_aton(src) + socket.inet_aton(addr) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, 20 + len(payload))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.sendto(segment(checksum(pseudo + segment(0))), (addr, 0))
print(src, flush=True)
