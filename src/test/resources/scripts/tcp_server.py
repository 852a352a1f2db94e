"""Test TCP server: accepts connections and reads them until the peer closes. Usage: ADDR PORT"""
import socket
import sys
import threading


def serve(conn):
    with conn:
        while conn.recv(65536):
            pass


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(16)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
