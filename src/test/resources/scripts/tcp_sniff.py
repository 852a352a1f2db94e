"""Prints 'seq ack payload_len flags' for every IPv4 TCP segment arriving on IFACE for DPORT, for SECONDS.

Usage: IFACE DPORT SECONDS (run as root; an AF_PACKET socket sees segments before any firewall rule)."""
import socket
import struct
import sys
import time

iface, dport, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((iface, 0))
s.settimeout(0.1)
print("ready", flush=True)
end = time.time() + seconds
while time.time() < end:
    try:
        frame, meta = s.recvfrom(65535)
    except socket.timeout:
        continue
    if meta[2] == socket.PACKET_OUTGOING:
        continue
    ip = frame[14:]
    if len(ip) < 20 or ip[9] != 6:
        continue
    ihl = (ip[0] & 0x0f) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    sport, dp, seq, ack = struct.unpack("!HHII", tcp[:12])
    if dp != dport:
        continue
    doff = (tcp[12] >> 4) * 4
    print(seq, ack, total - ihl - doff, tcp[13], flush=True)
