"""TCP connect, then TLS handshake, with one short deadline per probe.

A dropped packet costs the whole timeout, so every probe of a run goes at once.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace


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
    # On HTTPS ports: the HTTP status the service answered with, or why there was none.
    http: str = ""

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


def http_answer(host: str, port: int, timeout: float) -> str:
    """Whether a web service answers over the TLS session (the CS's 443 is one); any status counts."""
    import httpx

    netloc = f"[{host}]" if ":" in host else host
    try:
        with httpx.Client(verify=False, timeout=timeout, trust_env=False) as client:
            return str(client.get(f"https://{netloc}:{port}/").status_code)
    except httpx.HTTPError as exc:
        return f"no HTTP answer ({type(exc).__name__})"


def probe_https(host: str, port: int, timeout: float) -> Probe:
    """TCP, TLS, then one HTTP request through httpx once the handshake worked."""
    found = probe(host, port, timeout)
    if found.tls != "ok":
        return found
    return replace(found, http=http_answer(host, port, timeout))


def probe_all(
    targets: Iterable[tuple[str, int]], timeout: float, https_ports: frozenset[int] = frozenset()
) -> dict[tuple[str, int], Probe]:
    unique = list(dict.fromkeys(targets))
    if not unique:
        return {}

    def one(target: tuple[str, int]) -> Probe:
        host, port = target
        return probe_https(host, port, timeout) if port in https_ports else probe(host, port, timeout)

    with ThreadPoolExecutor(max_workers=min(16, len(unique)), thread_name_prefix="probe") as pool:
        return dict(zip(unique, pool.map(one, unique)))
