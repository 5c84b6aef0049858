# ports.sh - free_port, sourced by the integration tests and benchmarks.

# free_port: a TCP and UDP port that is free on 127.0.0.1 now, from a range
# keyed on the process id so parallel runs rarely collide.
free_port() {
	${PY:-/usr/bin/python3} - "$$" <<'PYEOF'
import socket, sys, random
r = random.Random(int(sys.argv[1]) * 7919 + int.from_bytes(__import__('os').urandom(2), 'big'))
for _ in range(200):
    p = r.randrange(20000, 60000)
    ok = True
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        s.close()
    if ok:
        print(p)
        break
PYEOF
}
