"""Loopback TLS ports that stand in for the process server's 443 and 9443 (demo, benchmarks)."""

from __future__ import annotations

import socket
import ssl
import threading


class TLSPort:
    """Accepts TLS connections on a loopback port and closes them: a port that answers."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        # accept() blocks (no polling, so an idle demo costs no CPU); close() wakes it with shutdown().
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"tls-port:{self.port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                if self._stop.is_set():
                    return
                continue
            try:
                conn.settimeout(2)
                with self._context.wrap_socket(conn, server_side=True):
                    pass
            except OSError:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(timeout=2)
        self._sock.close()

    def __enter__(self) -> TLSPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
