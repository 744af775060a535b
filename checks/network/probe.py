"""TCP connect, then TLS handshake, with one short deadline per probe.

A dropped packet costs the whole timeout, so every probe of a run goes at once.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Probe:
    host: str
    port: int
    # tcp: open | refused | timeout | unreachable | unresolved | error
    tcp: str
    # tls: ok | timeout | failed | not-tried
    tls: str = "not-tried"
    subject: str = ""
    issuer: str = ""
    tls_version: str = ""
    elapsed_ms: int = 0
    error: str = ""

    @property
    def answered(self) -> bool:
        return self.tcp == "open"

    @property
    def routed(self) -> bool:
        """A refusal still proves the address is reachable: the host itself answered."""
        return self.tcp in ("open", "refused")

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _names(der: bytes | None) -> tuple[str, str]:
    if not der:
        return "", ""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    return cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return True
    except OSError:
        return False


def probe(host: str, port: int, timeout: float, tls: bool = True) -> Probe:
    started = time.monotonic()

    def ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as exc:
        return Probe(host, port, "unresolved", elapsed_ms=ms(), error=str(exc))
    except ConnectionRefusedError:
        return Probe(host, port, "refused", elapsed_ms=ms())
    except (TimeoutError, socket.timeout):
        return Probe(host, port, "timeout", elapsed_ms=ms())
    except OSError as exc:
        return Probe(host, port, "unreachable", elapsed_ms=ms(), error=exc.strerror or str(exc))
    if not tls:
        sock.close()
        return Probe(host, port, "open", elapsed_ms=ms())
    # We want to see who answers, not to trust it: the subject goes to evidence.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        sock.settimeout(max(0.05, timeout - (time.monotonic() - started)))
        with context.wrap_socket(sock, server_hostname=None if _is_ip(host) else host) as tls_sock:
            subject, issuer = _names(tls_sock.getpeercert(binary_form=True))
            version = tls_sock.version() or ""
        return Probe(host, port, "open", "ok", subject, issuer, version, ms())
    except (TimeoutError, socket.timeout):
        return Probe(host, port, "open", "timeout", elapsed_ms=ms())
    except (ssl.SSLError, OSError) as exc:
        return Probe(host, port, "open", "failed", elapsed_ms=ms(), error=str(exc)[:200])
    finally:
        sock.close()


def probe_all(targets: Iterable[tuple[str, int]], timeout: float) -> dict[tuple[str, int], Probe]:
    unique = list(dict.fromkeys(targets))
    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=min(16, len(unique)), thread_name_prefix="probe") as pool:
        results = pool.map(lambda t: probe(t[0], t[1], timeout), unique)
        return dict(zip(unique, results))
