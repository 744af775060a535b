"""Loopback listeners: a TLS server, a closed port, and a listener that never answers."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from simulators.azure.tls import make_tls, server_context


class TLSListener:
    def __init__(self, context: ssl.SSLContext) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.context = context
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            try:
                conn.settimeout(2)
                with self.context.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="session")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    return server_context(make_tls(str(tmp_path_factory.mktemp("tls"))))


@pytest.fixture
def tls_listener(tls_context: ssl.SSLContext) -> Iterator[TLSListener]:
    listener = TLSListener(tls_context)
    yield listener
    listener.close()


@pytest.fixture
def tls_listener2(tls_context: ssl.SSLContext) -> Iterator[TLSListener]:
    listener = TLSListener(tls_context)
    yield listener
    listener.close()


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: connections are refused
    return port


@pytest.fixture
def stalled_port() -> Iterator[int]:
    """Accepts TCP (the kernel's backlog) but never reads: the TLS handshake stalls."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def blackholed_port() -> Iterator[int]:
    """A listener whose accept queue is full: the kernel drops new SYNs, so connects time out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    yield port
    for filler in fillers:
        filler.close()
    sock.close()
