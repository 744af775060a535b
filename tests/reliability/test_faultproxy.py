"""The fault proxy itself: pass-through, latency, cut, stall, reset, counters, TLS passthrough."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from simulators.faultproxy import FaultProxy


class Upstream:
    """A line server: `GIVE n` answers n bytes of b"x"; `ECHO text` answers the text. Records what it got."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.received: list[bytes] = []
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            reader = conn.makefile("rb")
            for line in reader:
                with self.lock:
                    self.received.append(line)
                verb, _, arg = line.strip().partition(b" ")
                if verb == b"GIVE":
                    conn.sendall(b"x" * int(arg))
                elif verb == b"ECHO":
                    conn.sendall(arg + b"\n")
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopping = True
        self.sock.close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.port) as p:
        yield p


def _connect(proxy: FaultProxy, timeout: float = 5) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)


def _read_all(sock: socket.socket) -> bytes:
    got = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return got
        got += chunk


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    got = b""
    while len(got) < n:
        chunk = sock.recv(n - len(got))
        if not chunk:
            break
        got += chunk
    return got


def test_passes_bytes_through_and_counts_them(proxy: FaultProxy) -> None:
    with _connect(proxy) as s:
        s.sendall(b"GIVE 100000\n")
        assert _read_exactly(s, 100000) == b"x" * 100000
        s.sendall(b"ECHO hello\n")
        assert _read_exactly(s, 6) == b"hello\n"
    with _connect(proxy) as s:
        s.sendall(b"ECHO again\n")
        assert _read_exactly(s, 6) == b"again\n"
    # A counter moves right after its bytes went out: the client may read them first.
    assert proxy.wait_for("bytes_down", 100000 + 6 + 6, timeout=5)
    stats = proxy.stats()
    assert stats["connections"] == 2 and proxy.connections == 2
    assert stats["bytes_up"] == len(b"GIVE 100000\nECHO hello\nECHO again\n")
    assert stats["bytes_down"] == 100000 + 6 + 6


def test_latency_applies_in_each_direction(proxy: FaultProxy) -> None:
    with _connect(proxy) as s:
        s.sendall(b"ECHO warm\n")
        _read_exactly(s, 5)
        proxy.latency(150)
        started = time.monotonic()
        s.sendall(b"ECHO slow\n")
        assert _read_exactly(s, 5) == b"slow\n"
        elapsed = time.monotonic() - started
    assert elapsed >= 0.3, elapsed  # 150 ms up + 150 ms down
    proxy.normal()
    with _connect(proxy) as s:
        started = time.monotonic()
        s.sendall(b"ECHO fast\n")
        _read_exactly(s, 5)
        assert time.monotonic() - started < 0.25


def test_cut_after_closes_mid_response_but_the_request_arrived(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.cut_after(1000)
    with _connect(proxy) as s:
        s.sendall(b"GIVE 50000\n")
        got = _read_all(s)
    assert got == b"x" * 1000
    assert b"GIVE 50000\n" in upstream.received
    assert proxy.stats()["cuts"] == 1


def test_cut_of_one_connection_then_normal_again(proxy: FaultProxy) -> None:
    proxy.cut_after(0, connections=1)
    with _connect(proxy) as s:
        s.sendall(b"ECHO lost\n")
        assert _read_all(s) == b""
    with _connect(proxy) as s:
        s.sendall(b"ECHO kept\n")
        assert _read_exactly(s, 5) == b"kept\n"
    assert proxy.mode.kind == "normal"


def test_cut_armed_while_a_delayed_answer_is_in_flight(proxy: FaultProxy, upstream: Upstream) -> None:
    """The fix-it tests rely on this: the request is held by latency, the cut is armed meanwhile."""
    proxy.latency(300)
    with _connect(proxy) as s:
        s.sendall(b"ECHO reconfigure\n")
        time.sleep(0.05)
        proxy.cut_after(0, connections=1)
        assert _read_all(s) == b""
    assert b"ECHO reconfigure\n" in upstream.received


def test_cut_skips_whole_answers_first(proxy: FaultProxy, upstream: Upstream) -> None:
    with _connect(proxy) as s:
        s.sendall(b"ECHO first\n")
        assert _read_exactly(s, 6) == b"first\n"
        proxy.cut_after(3, connections=1, skip_answers=2)
        for word in (b"second", b"third"):
            s.sendall(b"ECHO " + word + b"\n")
            assert _read_exactly(s, len(word) + 1) == word + b"\n"
        s.sendall(b"ECHO fourth\n")
        assert _read_all(s) == b"fou"
    assert b"ECHO fourth\n" in upstream.received
    assert proxy.mode.kind == "normal"


def test_stall_accepts_and_never_answers(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.stall()
    with _connect(proxy, timeout=0.5) as s:
        s.sendall(b"ECHO nobody\n")
        with pytest.raises(socket.timeout):
            s.recv(10)
    assert not any(b"nobody" in line for line in upstream.received)
    proxy.normal()
    with _connect(proxy) as s:
        s.sendall(b"ECHO back\n")
        assert _read_exactly(s, 5) == b"back\n"


def test_reset_new_and_active_connections(proxy: FaultProxy) -> None:
    active = _connect(proxy)
    active.sendall(b"ECHO one\n")
    assert _read_exactly(active, 4) == b"one\n"
    proxy.reset()
    with pytest.raises(ConnectionResetError):
        for _ in range(50):
            active.sendall(b"ECHO two\n")
            if not active.recv(10):
                pytest.fail("got a FIN, not a RST")
            time.sleep(0.02)
    active.close()
    # A new connection is reset as soon as it is accepted; on a busy machine the RST can
    # arrive before connect() has returned, so it may surface there rather than at recv().
    with pytest.raises(ConnectionResetError):
        with _connect(proxy) as s:
            s.sendall(b"ECHO three\n")
            time.sleep(0.1)
            s.recv(10)
    assert proxy.stats()["resets"] >= 1


def test_modes_switch_safely_under_traffic(proxy: FaultProxy) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def client() -> None:
        while not stop.is_set():
            try:
                with _connect(proxy, timeout=0.5) as s:
                    s.sendall(b"GIVE 20000\n")
                    _read_exactly(s, 20000)
            except OSError:
                pass
            except BaseException as exc:  # anything else is a bug in the proxy
                errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for switch in [proxy.stall, proxy.normal, lambda: proxy.cut_after(500), proxy.reset, lambda: proxy.latency(5),
                   proxy.normal] * 3:
        switch()
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert not errors
    proxy.normal()
    with _connect(proxy) as s:
        s.sendall(b"ECHO fine\n")
        assert _read_exactly(s, 5) == b"fine\n"
    deadline = time.monotonic() + 5
    while proxy.active > 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.active == 0


def test_tls_passes_through_with_the_servers_own_certificate(tmp_path) -> None:
    from simulators.azure.tls import make_tls, server_context

    files = make_tls(str(tmp_path))
    server = Upstream(tls=server_context(files))
    try:
        with FaultProxy("127.0.0.1", server.port) as proxy:
            context = ssl.create_default_context(cafile=files.ca_file)  # hostname checked: 127.0.0.1
            with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as raw:
                with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    der = tls.getpeercert(binary_form=True)
                    tls.sendall(b"ECHO secure\n")
                    assert _read_exactly(tls, 7) == b"secure\n"
        expected = ssl.PEM_cert_to_DER_cert(open(files.cert_file).read().split("-----END CERTIFICATE-----")[0]
                                            + "-----END CERTIFICATE-----\n")
        assert hashlib.sha256(der).hexdigest() == hashlib.sha256(expected).hexdigest()
    finally:
        server.close()


def test_upstream_down_resets_the_client() -> None:
    spare = socket.create_server(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    with FaultProxy("127.0.0.1", port) as proxy:
        # The reset can come as early as the connect itself, when the proxy is quicker than this thread.
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            with _connect(proxy) as s:
                s.sendall(b"ECHO x\n")
                time.sleep(0.2)
                if not s.recv(10):
                    raise ConnectionResetError
        assert proxy.stats()["upstream_failures"] == 1
