#!/usr/bin/python3
"""status_client.py - a minimal NOC client for vigild's status channel,
written against the protoc-generated module of proto/vigil.proto (vigil_pb2)
to show that any protobuf implementation can talk to vigild.

As a module: call(), call_udp(), sign(), all_hosts().
As a program:
    status_client.py [--udp] [--page N] [-k KEYFILE] ADDR:PORT COMMAND
with COMMAND one of summary, hosts, status, reset-counters; prints the
reply as JSON (protobuf field names).  vigil_pb2 must be importable
(generate it with: protoc --python_out=DIR -I proto proto/vigil.proto).
"""
import hashlib
import hmac
import os
import socket
import sys
import time

import vigil_pb2 as pb

LABEL = b"vigil-cmd-v1"  # see SignedCommand in vigil.proto
UDP_MAX = 1200


def _varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        d = sock.recv(n - len(buf))
        if not d:
            raise ConnectionError("closed by vigild")
        buf += d
    return buf


def _read_frame(sock):
    n, shift = 0, 0
    for _ in range(5):
        b = _recv_exact(sock, 1)[0]
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return _recv_exact(sock, n)
    raise ValueError("malformed frame length")


def connect(addr, timeout=5.0):
    return socket.create_connection(addr, timeout=timeout)


def call(sock, req):
    """One request on an open TCP connection; returns the Reply."""
    body = req.SerializeToString()
    sock.sendall(_varint(len(body)) + body)
    rep = pb.Reply()
    rep.ParseFromString(_read_frame(sock))
    return rep


def call_raw(sock, body):
    """Sends already serialized request bytes; returns the Reply."""
    sock.sendall(_varint(len(body)) + body)
    rep = pb.Reply()
    rep.ParseFromString(_read_frame(sock))
    return rep


def call_udp(addr, req, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(req.SerializeToString(), addr)
        data, _ = s.recvfrom(UDP_MAX + 1)
    finally:
        s.close()
    rep = pb.Reply()
    rep.ParseFromString(data)
    return rep


def read_key(path):
    """The key file holds vigild's noc_key hex string."""
    with open(path) as f:
        return bytes.fromhex(f.read().strip())


def sign(key, command):
    """A Request carrying command (a pb.Command) signed with key."""
    raw = command.SerializeToString()
    req = pb.Request(version=1)
    req.command.command = raw
    req.command.mac = hmac.new(key, LABEL + raw, hashlib.sha256).digest()
    return req


def reset_command(timestamp=None, nonce=None):
    cmd = pb.Command()
    cmd.timestamp = int(time.time()) if timestamp is None else timestamp
    cmd.nonce = os.urandom(16) if nonce is None else nonce
    cmd.reset_counters.SetInParent()
    return cmd


def all_hosts(sock, page=0):
    """Every host, asking for pages of at most `page` hosts (0: as many
    as fit a frame)."""
    hosts, first = [], 0
    while True:
        req = pb.Request(version=1, id=first + 1)
        req.hosts.first = first
        req.hosts.max_hosts = page
        rep = call(sock, req)
        if rep.result != pb.RESULT_OK:
            raise RuntimeError("refused: %s" % rep.error)
        if rep.hosts.first != first:
            raise RuntimeError("page starts at %d, asked %d"
                               % (rep.hosts.first, first))
        hosts.extend(rep.hosts.hosts)
        first += len(rep.hosts.hosts)
        if first >= rep.hosts.total:
            return hosts
        if not rep.hosts.hosts:
            raise RuntimeError("no progress")


def main(argv):
    from google.protobuf import json_format
    udp, page, keyfile, args = False, 0, None, []
    it = iter(argv)
    for a in it:
        if a == "--udp":
            udp = True
        elif a == "--page":
            page = int(next(it))
        elif a == "-k":
            keyfile = next(it)
        else:
            args.append(a)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = args[0].rsplit(":", 1)
    addr = (host, int(port))
    what = args[1]
    if what == "reset-counters":
        req = sign(read_key(keyfile), reset_command())
    else:
        req = pb.Request(version=1, id=1)
        if what == "summary":
            req.summary.SetInParent()
        elif what == "hosts":
            req.hosts.max_hosts = page
        elif what == "status":
            req.status.hosts.max_hosts = page
        else:
            print("unknown command " + what, file=sys.stderr)
            return 2
    if udp:
        rep = call_udp(addr, req)
    else:
        with connect(addr) as s:
            rep = call(s, req)
            if what in ("hosts", "status") and rep.result == pb.RESULT_OK:
                # Complete the host list page by page.
                first = rep.hosts.first + len(rep.hosts.hosts)
                while first < rep.hosts.total:
                    more = pb.Request(version=1, id=2)
                    more.hosts.first = first
                    more.hosts.max_hosts = page
                    r2 = call(s, more)
                    if r2.result != pb.RESULT_OK or not r2.hosts.hosts:
                        break
                    rep.hosts.hosts.extend(r2.hosts.hosts)
                    first += len(r2.hosts.hosts)
    print(json_format.MessageToJson(rep, preserving_proto_field_name=True))
    return 0 if rep.result == pb.RESULT_OK else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
