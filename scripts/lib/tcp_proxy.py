"""A loopback TCP proxy that scripts/chaos.sh puts between the flushers and MongoDB, to cut MongoDB off on demand.

  tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT

Listens on 127.0.0.1:LISTEN_PORT and forwards every connection to TARGET_HOST:TARGET_PORT. SIGUSR1 cuts MongoDB off:
every open connection is closed and new ones are closed as soon as they are accepted (the driver sees a network
error at once, as with a broken link); SIGUSR2 lets connections through again. SIGTERM ends it. Prints "listening" once
it accepts connections.
"""
import selectors
import signal
import socket
import sys

cut = False
pairs = {}  # socket -> its peer


def close_pair(s):
    peer = pairs.pop(s, None)
    if peer is not None:
        pairs.pop(peer, None)
    for x in (s, peer):
        if x is None:
            continue
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


def on_cut(*_):
    global cut
    cut = True
    for s in list(pairs):
        if s in pairs:
            close_pair(s)


def on_restore(*_):
    global cut
    cut = False


def main():
    global sel
    if len(sys.argv) != 4 or not sys.argv[1].isdigit() or not sys.argv[3].isdigit():
        print("usage: tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT", file=sys.stderr)
        return 2
    listen_port, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    sel = selectors.DefaultSelector()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(128)
    sel.register(server, selectors.EVENT_READ)
    signal.signal(signal.SIGUSR1, on_cut)
    signal.signal(signal.SIGUSR2, on_restore)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening", flush=True)
    while True:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            if s is server:
                client, _ = server.accept()
                if cut:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection((host, port), timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)  # blocking: sendall waits for a slow peer (readiness comes from the selector)
                pairs[client], pairs[upstream] = upstream, client
                sel.register(client, selectors.EVENT_READ)
                sel.register(upstream, selectors.EVENT_READ)
                continue
            if s not in pairs:
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                close_pair(s)
                continue
            try:
                pairs[s].sendall(data)
            except OSError:
                close_pair(s)


if __name__ == "__main__":
    sys.exit(main())
