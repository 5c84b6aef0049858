"""octet_send.py ADDR PORT FILE: send FILE's lines to a syslog receiver over
TCP as fast as it takes them, one message per line, framed with octet
counting (RFC 6587 section 3.4.1)."""
import socket
import sys

s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
buf = bytearray()
for line in open(sys.argv[3], "rb"):
    m = line.rstrip(b"\n")
    buf += b"%d %s" % (len(m), m)
    if len(buf) > 1 << 16:
        s.sendall(buf)
        buf.clear()
s.sendall(buf)
s.close()
