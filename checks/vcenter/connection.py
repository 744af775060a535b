"""The vCenter session: a verified (or pinned) TLS connection, a login, re-login on expiry.

The server certificate is trusted in one of three ways, in this order of preference:
pinned by its SHA-256 fingerprint (`thumbprint`), verified against a CA bundle
(`ca_file`), or verified against the system's trust store. `insecure = true` skips
verification; the session carries a warning that the report shows.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from http.client import HTTPException
from typing import Any, TypeVar

from checks.model import Component, Said, SourceUnavailable, Status, VCenterSettings, reason_of
from checks.sources import Source, Sources, require
from checks.spec import Check, CheckContext, Verdict, verdict

log = logging.getLogger("failback_prep")

# vSphere 7.0 is the oldest API that reports a guest volume's file system type.
API_VERSION = "vim.version.v7_0"
TIMEOUT_S = 20.0

T = TypeVar("T")

INSECURE_WARNING = (
    "The vCenter certificate is not verified (insecure = true): anyone on the path could read the "
    "password; pin the certificate with thumbprint = \"{fingerprint}\" once you have checked it."
)


class ConnectError(SourceUnavailable):
    """vCenter could not be reached or refused us. `kind` names the summary text of vc.connect."""

    def __init__(self, kind: str, message: str, **evidence: Any) -> None:
        # The checks that needed the session say why in vc.connect's words for the same failure.
        super().__init__(message, key=f"check:vc.connect:{kind}", **evidence)
        self.kind = kind
        self.evidence = evidence


def normalize_fingerprint(value: str) -> str:
    return value.replace(":", "").replace(" ", "").strip().lower()


def colon_fingerprint(hex_digest: str) -> str:
    """AA:BB:... as vSphere and browsers show it."""
    digest = normalize_fingerprint(hex_digest).upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _presented_der(host: str, port: int, timeout: float) -> bytes:
    """The certificate the server presents, read without trusting it.

    Only used to show the operator what the server sent; nothing is sent over this connection.
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True) or b""


def presented_fingerprint(host: str, port: int, timeout: float = TIMEOUT_S) -> str:
    """The SHA-256 fingerprint of the certificate the server presents."""
    return hashlib.sha256(_presented_der(host, port, timeout)).hexdigest()


def presented_names(host: str, port: int, timeout: float = TIMEOUT_S) -> dict[str, str]:
    """Whom the presented certificate names (subject, issuer): on a wrong port, it tells what answered."""
    try:
        from cryptography import x509

        cert = x509.load_der_x509_certificate(_presented_der(host, port, timeout))
        return {"subject": cert.subject.rfc4514_string() or "-", "issuer": cert.issuer.rfc4514_string() or "-"}
    except (OSError, ValueError):
        return {"subject": "?", "issuer": "?"}


def _pyvmomi() -> tuple[Any, Any, Any]:
    # Imported late: pyvmomi takes a while to load and only vCenter work needs it.
    from pyVmomi import SoapAdapter, vim, vmodl

    return SoapAdapter, vim, vmodl


def _counting_stub_class() -> type:
    SoapAdapter, _, _ = _pyvmomi()

    class CountingStub(SoapAdapter.SoapStubAdapter):  # type: ignore[misc, name-defined]  # pyVmomi has no types
        """A SOAP stub that counts round trips (every SOAP request is one)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.round_trips = 0
            self._count_lock = threading.Lock()

        def InvokeMethod(self, mo: Any, info: Any, args: Any, outerStub: Any = None) -> Any:  # noqa: N802, N803
            with self._count_lock:
                self.round_trips += 1
            return super().InvokeMethod(mo, info, args, outerStub)

    return CountingStub


class Session:
    """A logged-in vCenter session. Safe to share between check threads."""

    def __init__(self, settings: VCenterSettings, password: str, timeout: float = TIMEOUT_S) -> None:
        self.settings = settings
        self.host = settings.host
        self.port = settings.port
        self.user = settings.user
        self._password = password
        self.timeout = timeout
        self.verified_by = ""
        self.fingerprint = ""
        self.warnings: list[Said] = []
        self.relogins = 0
        self._login_lock = threading.Lock()
        self._generation = 0
        self.stub: Any = None
        self.si: Any = None
        self.content: Any = None
        # The ContainerView used to resolve names lives as long as the vCenter session.
        self.vm_view: Any = None

    @property
    def round_trips(self) -> int:
        return int(self.stub.round_trips) if self.stub is not None else 0

    # --- connecting -----------------------------------------------------------

    def open(self) -> Session:
        _, vim, _ = _pyvmomi()
        context, thumbprint = self._tls()
        stub_class = _counting_stub_class()
        self.stub = stub_class(
            host=self.host,
            port=self.port,
            version=API_VERSION,
            thumbprint=thumbprint,
            sslContext=context,
            httpConnectionTimeout=self.timeout,
        )
        self.si = vim.ServiceInstance("ServiceInstance", self.stub)
        self._translate(lambda: setattr(self, "content", self.si.RetrieveContent()))
        self._translate(self._login)
        if self.settings.ca_file and self.settings.thumbprint:
            self._check_pin_too()
        if not self.fingerprint:
            self.fingerprint = self._quiet_fingerprint()
        if self.verified_by == "insecure":
            fingerprint = colon_fingerprint(self.fingerprint)
            self.warnings.append(Said("reasons:vcenter-insecure", {"fingerprint": fingerprint}))
            log.warning(INSECURE_WARNING.format(fingerprint=fingerprint))
        return self

    def _tls(self) -> tuple[ssl.SSLContext, str | None]:
        vc = self.settings
        if vc.thumbprint:
            pinned = normalize_fingerprint(vc.thumbprint)
            if len(pinned) != 64 or any(c not in "0123456789abcdef" for c in pinned):
                raise ConnectError(
                    "bad-thumbprint",
                    "The configured vCenter thumbprint is not a SHA-256 fingerprint "
                    "(64 hexadecimal digits, colons allowed); copy it again from the certificate.",
                )
        if vc.ca_file:
            try:
                context = ssl.create_default_context(cafile=vc.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ConnectError(
                    "bad-ca-file",
                    f"The CA file {vc.ca_file} could not be read ({exc.__class__.__name__}); check the path in [vcenter] ca_file.",
                    ca_file=vc.ca_file,
                ) from None
            self.verified_by = "ca_file"
            return context, None
        if vc.thumbprint:
            # A context that trusts nothing: verification always fails, so pyvmomi always
            # falls back to comparing the pinned fingerprint, even for a publicly trusted certificate.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.verified_by = "thumbprint"
            self.fingerprint = normalize_fingerprint(vc.thumbprint)
            return context, normalize_fingerprint(vc.thumbprint)
        if vc.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            self.verified_by = "insecure"
            return context, None
        self.verified_by = "system"
        return ssl.create_default_context(), None

    def _check_pin_too(self) -> None:
        presented = self._quiet_fingerprint()
        if presented and presented != normalize_fingerprint(self.settings.thumbprint):
            self.logout()
            raise self._mismatch(normalize_fingerprint(self.settings.thumbprint), presented)
        self.fingerprint = presented
        self.verified_by = "ca_file+thumbprint"

    def _quiet_fingerprint(self) -> str:
        try:
            return presented_fingerprint(self.host, self.port, self.timeout)
        except OSError:
            return ""

    def _mismatch(self, expected: str, presented: str) -> ConnectError:
        # Another service on a wrong port answers TLS too: say whom its certificate names.
        names = presented_names(self.host, self.port, self.timeout)
        return ConnectError(
            "mismatch",
            f"The certificate of vCenter {self.host}:{self.port} does not match the pinned thumbprint: "
            f"expected {colon_fingerprint(expected)}, the server presented {colon_fingerprint(presented)} "
            f"(subject {names['subject']}, issued by {names['issuer']}); check the host and port first, then "
            "confirm any new certificate with the vCenter administrator before pinning it.",
            expected=colon_fingerprint(expected),
            presented=colon_fingerprint(presented),
            **names,
        )

    def _login(self) -> None:
        self.content.sessionManager.Login(self.user, self._password, None)

    def _translate(self, action: Callable[[], Any]) -> Any:
        """Run a connection step; turn whatever goes wrong into one sentence for the operator."""
        _, vim, vmodl = _pyvmomi()
        from pyVmomi.Security import ThumbprintMismatchException

        where = f"{self.host}:{self.port}"
        try:
            return action()
        except ThumbprintMismatchException as exc:
            raise self._mismatch(str(exc.expected), str(exc.actual)) from None
        except ssl.SSLCertVerificationError as exc:
            presented = self._quiet_fingerprint()
            shown = colon_fingerprint(presented) if presented else "unknown"
            how = f"the CA file {self.settings.ca_file}" if self.settings.ca_file else "this system's trusted CAs"
            raise ConnectError(
                "untrusted",
                f"The certificate of vCenter {where} is not trusted by {how} ({exc.verify_message}); "
                f"after checking its SHA-256 fingerprint {shown} with the vCenter administrator, "
                "set it as thumbprint in [vcenter].",
                presented=shown,
                detail=str(exc.verify_message),
            ) from None
        except vim.fault.InvalidLogin:
            raise ConnectError(
                "login",
                f"vCenter {where} rejected the user name or password for {self.user}; "
                "check [vcenter] user and the stored password (failback-prep creds set vcenter).",
            ) from None
        except ConnectionRefusedError:
            raise ConnectError(
                "refused",
                f"Nothing accepts connections on port {self.port} of {self.host}; "
                "check [vcenter] host and port, and that vCenter is running.",
            ) from None
        except socket.gaierror:
            raise ConnectError(
                "unresolved",
                f"The name {self.host} could not be resolved; check [vcenter] host and this machine's DNS.",
            ) from None
        except (TimeoutError, socket.timeout):
            raise ConnectError(
                "timeout",
                f"vCenter {where} did not answer within {self.timeout:g} s; "
                "check the address and that a firewall lets this machine reach port "
                f"{self.port}.",
                timeout_s=self.timeout,
            ) from None
        except ssl.SSLError as exc:
            detail = str(exc.reason or exc.__class__.__name__)
            raise ConnectError(
                "tls",
                f"The TLS handshake with {where} failed ({detail}); check that the port is vCenter's HTTPS port.",
                detail=detail,
            ) from None
        except OSError as exc:
            detail = str(exc.strerror or exc.__class__.__name__)
            raise ConnectError(
                "unreachable",
                f"vCenter {where} could not be reached ({detail}); check the address, routing and firewalls.",
                detail=detail,
            ) from None
        except (HTTPException, vmodl.MethodFault) as exc:
            detail = (getattr(exc, "msg", "") or str(exc) or exc.__class__.__name__).splitlines()[0][:120]
            raise ConnectError(
                "protocol",
                f"{where} did not answer as vCenter does ({detail}); check that host and port name a vCenter Server.",
                detail=detail,
            ) from None

    # --- using the session ----------------------------------------------------

    def call(self, action: Callable[[], T]) -> T:
        """Run `action`; when vCenter says the session expired, log in again once and retry."""
        _, vim, _ = _pyvmomi()
        generation = self._generation
        try:
            return action()
        except vim.fault.NotAuthenticated:
            self.relogin(generation)
            return action()

    def relogin(self, seen_generation: int) -> None:
        with self._login_lock:
            # Another thread may have logged in again while this one waited.
            if self._generation != seen_generation:
                return
            log.info("vCenter session on %s expired; logging in again", self.host)
            self.vm_view = None
            self._translate(self._login)
            self.relogins += 1
            self._generation += 1

    def retrieve(self, spec_set: list[Any]) -> list[Any]:
        """RetrievePropertiesEx, following continuation tokens. Not retried: callers wrap in call()."""
        _, _, vmodl = _pyvmomi()
        collector = self.content.propertyCollector
        result = collector.RetrievePropertiesEx(spec_set, vmodl.query.PropertyCollector.RetrieveOptions())
        objects: list[Any] = []
        while result is not None:
            objects.extend(result.objects or [])
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
        return objects

    def managed(self, type_name: str, moref: str) -> Any:
        """A managed object of this session from its type and moref id."""
        _, vim, _ = _pyvmomi()
        return getattr(vim, type_name)(moref, self.stub)

    def about(self) -> dict[str, str]:
        about = self.content.about
        return {"product": str(about.fullName), "api_version": str(about.apiVersion), "instance_uuid": str(about.instanceUuid or "")}

    def logout(self) -> None:
        try:
            if self.content is not None:
                self.content.sessionManager.Logout()
        except Exception:  # the session may be gone already; closing is best effort
            pass
        if self.stub is not None:
            self.stub.DropConnections()


def connect(settings: VCenterSettings, password: str, timeout: float = TIMEOUT_S) -> Session:
    """Open and log in a vCenter session; raises ConnectError with one sentence for the operator."""
    return Session(settings, password, timeout).open()


def _fetch_session(ctx: Sources) -> Session:
    vc = require(ctx.settings.vcenter, "the configuration has no [vcenter] table", key="reasons:no-vcenter-table")
    password = ctx.secret("vcenter")
    try:
        if not password:
            raise ConnectError(
                "no-password",
                "No vCenter password is available; set FAILBACK_PREP_VCENTER_PASSWORD or run "
                "failback-prep creds set vcenter.",
            )
        session = connect(vc, password)
    except ConnectError as exc:
        exc.params = {"host": vc.host, "port": vc.port, "user": vc.user, "timeout_s": f"{TIMEOUT_S:g}", **exc.params}
        raise
    for warning in session.warnings:
        ctx.tell(warning)
    return session


SESSION = Source("vcenter.session", _fetch_session, persistent=True, close=lambda s: s.logout())


def decide_connect(ctx: CheckContext) -> Verdict:
    try:
        session: Session = ctx.source("vcenter.session")
    except ConnectError as exc:
        vc = ctx.settings.vcenter
        where = {"host": vc.host, "port": vc.port, "user": vc.user} if vc else {}
        evidence = {"kind": exc.kind, **where, **exc.evidence}
        return verdict(Status.FAIL, exc.kind, evidence, reason=reason_of(exc), **where, **exc.evidence)
    vc = ctx.settings.vcenter
    assert vc is not None
    about = session.about()
    evidence = {
        "host": session.host,
        "port": session.port,
        "user": session.user,
        "verified_by": session.verified_by,
        "fingerprint_sha256": colon_fingerprint(session.fingerprint) if session.fingerprint else "",
        **about,
    }
    if session.warnings:
        evidence["warnings"] = [w.key for w in session.warnings]
        return verdict(
            Status.WARN,
            "insecure",
            evidence,
            host=session.host,
            product=about["product"],
            fingerprint=evidence["fingerprint_sha256"],
        )
    return verdict(
        Status.PASS, "connected", evidence, host=session.host, product=about["product"], verified_by=session.verified_by
    )


CONNECT = Check("vc.connect", Component.VCENTER, None, reads=("vcenter.session",), decide=decide_connect)
