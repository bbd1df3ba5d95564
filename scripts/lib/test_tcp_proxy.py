"""Tests of tcp_proxy.py (the loopback proxy that scripts/chaos.sh puts in front of MongoDB for its sink outage).

  python3 scripts/lib/test_tcp_proxy.py

Starts the proxy as an OS process on 127.0.0.1 in front of a small echo server (a thread of this process), and checks
that bytes pass both ways, that SIGUSR1 closes the open connections and closes new ones at once without letting a byte
through, that SIGUSR2 lets new connections through again, and that SIGTERM ends it. Prints "N passed, N failed,
N skipped" as its last line (scripts/test.sh adds it to its own) and exits 1 when a test failed.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

PROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tcp_proxy.py")
TIMEOUT = 10  # seconds: every wait of these tests is bounded by it


class EchoServer:
    """Echoes every byte back on every connection; counts the connections it accepted."""

    def __init__(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(conn)
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped = True
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # stops listening and wakes the accept (close alone does neither)
        except OSError:
            pass
        self.server.close()
        with self.lock:
            for c in self.conns:
                c.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def closed_by_peer(sock):
    """True when the peer closed the connection (EOF or reset) within TIMEOUT with no byte sent; False on data."""
    sock.settimeout(TIMEOUT)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


class TcpProxyTests(unittest.TestCase):
    def setUp(self):
        self.echo = EchoServer()
        self.port = free_port()
        self.proxy = subprocess.Popen(
            [sys.executable, PROXY, str(self.port), "127.0.0.1", str(self.echo.port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.socks = []
        self.addCleanup(self._stop)  # runs even when setUp fails below: the proxy is stopped by its PID
        line = self._readline_bounded()
        self.assertEqual(line.strip(), "listening", f"the proxy did not start: {line!r} {self._stderr()}")

    def _stop(self):
        for s in self.socks:
            s.close()
        if self.proxy.poll() is None:
            os.kill(self.proxy.pid, signal.SIGKILL)
        self.proxy.wait(TIMEOUT)
        self.proxy.stdout.close()
        self.proxy.stderr.close()
        self.echo.close()

    def _readline_bounded(self):
        result = []
        t = threading.Thread(target=lambda: result.append(self.proxy.stdout.readline()), daemon=True)
        t.start()
        t.join(TIMEOUT)
        return result[0] if result else ""

    def _stderr(self):
        if self.proxy.poll() is None:
            return ""
        return self.proxy.stderr.read()

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
        self.socks.append(s)
        return s

    def assert_echoes(self, s, payload):
        s.sendall(payload)
        self.assertEqual(read_exactly(s, len(payload)), payload)

    def signal_and_settle(self, sig):
        self.proxy.send_signal(sig)
        time.sleep(0.3)  # the proxy handles signals between selector waits (at most 1 s each; usually at once)

    def test_bytes_pass_both_ways(self):
        a, b = self.connect(), self.connect()
        self.assert_echoes(a, b"hello through the proxy\n")
        self.assert_echoes(b, b"a second connection\n")
        big = os.urandom(1024 * 1024)  # larger than one recv: forwarded in pieces, every byte back in order
        self.assert_echoes(a, big)
        self.assertEqual(self.echo.accepted, 2, "each client connection is one upstream connection")

    def test_cut_closes_open_connections_and_new_ones(self):
        a = self.connect()
        self.assert_echoes(a, b"before the cut\n")
        self.signal_and_settle(signal.SIGUSR1)
        self.assertTrue(closed_by_peer(a), "an open connection was not closed by the cut")
        accepted_before = self.echo.accepted
        for _ in range(3):
            n = self.connect()
            try:
                n.sendall(b"during the cut\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.assertTrue(closed_by_peer(n), "a new connection during the cut was let through")
        self.assertEqual(self.echo.accepted, accepted_before, "the proxy reached the server during the cut")
        self.assertIsNone(self.proxy.poll(), "the proxy exited on SIGUSR1")

    def test_restore_lets_new_connections_through(self):
        self.signal_and_settle(signal.SIGUSR1)
        cut = self.connect()
        self.assertTrue(closed_by_peer(cut))
        self.signal_and_settle(signal.SIGUSR2)
        again = self.connect()
        self.assert_echoes(again, b"after the outage\n")
        self.assertEqual(self.echo.accepted, 1, "only the connection after the restore reached the server")

    def test_upstream_down_closes_the_client(self):
        self.echo.close()
        time.sleep(0.1)
        s = self.connect()
        self.assertTrue(closed_by_peer(s), "a client was kept open with no upstream")
        self.assertIsNone(self.proxy.poll(), "the proxy exited when its upstream refused")

    def test_sigterm_ends_it(self):
        self.proxy.send_signal(signal.SIGTERM)
        self.assertEqual(self.proxy.wait(TIMEOUT), 0)

    def test_bad_arguments_exit_2(self):
        r = subprocess.run([sys.executable, PROXY, "x", "127.0.0.1"], capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(TcpProxyTests)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
