"""HTTPS emulator of Microsoft Entra sign-in and the Site Recovery ARM API.

See the package docstring (``simulators/azure/__init__.py``) for how a client connects.
"""

from __future__ import annotations

import base64
import datetime as _dt
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional
from urllib.parse import parse_qs, unquote, urlsplit

from . import scenarios as _sc
from .tls import make_tls, server_context

API_VERSION = "2025-08-01"
_API_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_ERROR_CODES = {
    400: "BadRequest",
    401: "AuthenticationFailed",
    403: "AuthorizationFailed",
    404: "ResourceNotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


# ----------------------------------------------------------------------------------
# small helpers
def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _iso(t: _dt.datetime) -> str:
    return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _stamp(t: _dt.datetime, style: str) -> str:
    """A time stamp the way Site Recovery writes it (see ``scenarios.Ago``)."""
    t = t.astimezone(_dt.timezone.utc)
    whole = t.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "ticks":
        return f"{whole}.{t.microsecond:06d}{t.microsecond % 10}Z"
    if style == "micro":
        return f"{whole}.{t.microsecond:06d}Z"
    if style == "naive":
        return whole
    return whole + "Z"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _fake_jwt(claims: dict) -> str:
    header = {"typ": "JWT", "alg": "RS256", "kid": "emulator"}
    return ".".join(
        [
            _b64url(json.dumps(header).encode()),
            _b64url(json.dumps(claims).encode()),
            _b64url(secrets.token_bytes(32)),
        ]
    )


def render(obj: Any, now: Optional[_dt.datetime] = None) -> Any:
    """Wire form of a state object: ``Ago`` markers become ISO time stamps, ``_keys`` go."""
    now = now or _utcnow()
    if isinstance(obj, _sc.Ago):
        return _stamp(now - _dt.timedelta(seconds=obj.seconds), obj.style)
    if isinstance(obj, dict):
        return {k: render(v, now) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [render(v, now) for v in obj]
    return obj


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    time: float
    status: int = 0
    client: str = ""


class RequestLog:
    """Thread-safe log of the requests served (newest last)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RequestRecord] = []

    def add(self, rec: RequestRecord) -> None:
        with self._lock:
            self._items.append(rec)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, i):
        with self._lock:
            return self._items[i]

    def count(self, path_regex: Optional[str] = None, method: Optional[str] = None) -> int:
        rx = re.compile(path_regex, re.I) if path_regex else None
        return sum(
            1
            for r in self.snapshot()
            if (rx is None or rx.search(r.path)) and (method is None or r.method == method.upper())
        )

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass
class Fault:
    path_regex: re.Pattern
    status: Optional[int]
    retry_after: Optional[float]
    times: Optional[int]
    stall_s: Optional[float]
    body: Any
    method: Optional[str]
    hits: int = 0


@dataclass
class _Op:
    id: str
    job: str
    kind: str  # "refresh" | "reprotect"
    target: dict
    polls: int = 0
    done: bool = False
    started: _dt.datetime = field(default_factory=_utcnow)
    ended: Optional[_dt.datetime] = None
    failed: bool = False
    request: dict = field(default_factory=dict)  # the operation's input (providerSpecificDetails)


class _Reply(Exception):
    """Raised by route handlers to send a response."""

    def __init__(self, status: int, body: Any = None, headers: Optional[dict] = None, raw: bool = False):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw


def runcommand_api() -> str:
    return "2024-07-01"


def _arm_error(status: int, code: str, message: str, headers: Optional[dict] = None) -> _Reply:
    return _Reply(status, {"error": {"code": code, "message": message}}, headers)


# ----------------------------------------------------------------------------------
class AzureEmulator:
    """Entra sign-in + Site Recovery ARM over HTTPS on loopback.

    ``AzureEmulator(scenario="healthy-classic", latency_ms=0, workdir=None)``; use as a
    context manager or call ``start()``/``stop()``.
    """

    API_VERSION = API_VERSION

    def __init__(
        self,
        scenario: str = "healthy-classic",
        latency_ms: float = 0,
        workdir: Optional[str] = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_secret: Optional[str] = None,
        device_poll_interval: int = 1,
        device_auto_approve_after: int = 1,
        page_sizes: Optional[dict] = None,
    ) -> None:
        self.tenant_id = "8d3a5c9e-2f41-4b6a-9c1e-5a7f0b2d4e61"
        self.subscription_id = "3f9b2c71-6d4e-4a8f-b1c2-9e0d7a5f4c38"
        self.resource_group = "rg-failback"
        self.vault = "vault-failback"
        self.client_id = "5e7c1a2b-9d3f-4e6a-8b0c-1f2d3e4a5b6c"
        self.client_secret = client_secret or ("emu~" + secrets.token_urlsafe(24))
        self.user_name = "operator@contoso.example"
        self.device_poll_interval = device_poll_interval
        self.device_auto_approve_after = device_auto_approve_after
        self.page_sizes = {"default": 50, "items": 2, "jobs": 20}
        # How long each task of a reprotect job takes, and the initial replication back after it (s).
        # Real ones take minutes and hours; tests and the demo set them short.
        self.task_s = 0.4
        self.initial_replication_s = 2.0
        self.page_sizes.update(page_sizes or {})
        self.requests = RequestLog()

        self._host = host
        self._port = port
        self._workdir_arg = workdir
        self._workdir: Optional[str] = None
        self._own_workdir = False
        self._lock = threading.RLock()
        self._latency_s = latency_ms / 1000.0
        self._faults: list[Fault] = []
        self._malformed: list[list] = []  # [regex, remaining or None]
        self._tokens: dict[str, dict] = {}
        self._refresh_tokens: dict[str, dict] = {}
        self._device: dict[str, dict] = {}
        self._ops: dict[str, _Op] = {}
        from .runcommand import RunCommands

        self._run_commands = RunCommands()
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self.base_url = ""
        self.authority = ""
        self.ca_file = ""
        self.scenario = scenario
        self.state: dict = {}
        self.load(scenario)

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> "AzureEmulator":
        if self._server is not None:
            return self
        if self._workdir_arg:
            self._workdir = self._workdir_arg
            os.makedirs(self._workdir, exist_ok=True)
        else:
            self._workdir = tempfile.mkdtemp(prefix="azure-emulator-")
            self._own_workdir = True
        files = make_tls(self._workdir)
        self.ca_file = files.ca_file
        self._server = _Server((self._host, self._port), _Handler, server_context(files), self)
        port = self._server.server_address[1]
        self.base_url = f"https://{self._host}:{port}"
        self.authority = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="azure-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._own_workdir and self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._own_workdir = False

    def __enter__(self) -> "AzureEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else 0

    @property
    def _ids(self) -> _sc.Ids:
        return _sc.Ids(self.subscription_id, self.resource_group, self.vault, self.tenant_id)

    @property
    def vault_path(self) -> str:
        return self._ids.arm(self.resource_group, _sc.T + self.vault)

    def info(self) -> dict:
        """The attributes a client needs, as a JSON-able dict."""
        return {
            "scenario": self.scenario,
            "base_url": self.base_url,
            "authority": self.authority,
            "ca_file": self.ca_file,
            "tenant_id": self.tenant_id,
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "vault": self.vault,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_version": API_VERSION,
            "credential_scopes": ["https://management.azure.com/.default"],
        }

    # -- controls ---------------------------------------------------------------
    def load(self, scenario: str) -> None:
        """Replace the vault contents with a fresh copy of *scenario*."""
        state = _sc.build(scenario, self._ids)
        with self._lock:
            self.state = state
            self.scenario = scenario
            self._ops.clear()

    def set_latency(self, ms: float) -> None:
        self._latency_s = ms / 1000.0

    def add_fault(
        self,
        path_regex: str,
        status: Optional[int] = None,
        retry_after: Optional[float] = 1,
        times: Optional[int] = 1,
        stall_s: Optional[float] = None,
        body: Any = None,
        method: Optional[str] = None,
    ) -> Fault:
        """For the next *times* requests whose path matches *path_regex* (``re.search``,
        case-insensitive; ``times=None`` = forever): sleep *stall_s* first if given, then
        answer *status* with an ARM error body (or *body*).  With only *stall_s* the
        request is answered normally after the stall.  With neither, 503."""
        if status is None and stall_s is None:
            status = 503
        f = Fault(re.compile(path_regex, re.I), status, retry_after, times, stall_s, body,
                  method.upper() if method else None)
        with self._lock:
            self._faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._malformed.clear()

    def malform(self, path_regex: str, times: Optional[int] = None) -> None:
        """Answers to matching paths carry broken JSON (``times=None`` = until cleared)."""
        with self._lock:
            self._malformed.append([re.compile(path_regex, re.I), times])

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (ARM answers 401)."""
        with self._lock:
            for t in self._tokens.values():
                t["expired"] = True

    def deny_access(self, deny: bool = True) -> None:
        """ARM answers 403 AuthorizationFailed to every vault request."""
        with self._lock:
            self.state["deny_access"] = deny

    @property
    def last_user_code(self) -> Optional[str]:
        with self._lock:
            flows = sorted(self._device.values(), key=lambda d: d["created"])
            return flows[-1]["user_code"] if flows else None

    def approve_device_code(self, user_code: str) -> None:
        with self._lock:
            for d in self._device.values():
                if d["user_code"] == user_code:
                    d["approved"] = True

    # -- request plumbing -------------------------------------------------------
    def _pre(self, method: str, path: str) -> tuple[Optional[_Reply], bool]:
        """Latency, faults, malform flags. Returns (reply to send instead, malformed?)."""
        if self._latency_s:
            time.sleep(self._latency_s)
        fault = None
        with self._lock:
            for f in self._faults:
                if f.times is not None and f.hits >= f.times:
                    continue
                if f.method and f.method != method:
                    continue
                if f.path_regex.search(path):
                    f.hits += 1
                    fault = f
                    break
            self._faults = [f for f in self._faults if f.times is None or f.hits < f.times]
            malformed = False
            for m in self._malformed:
                if m[0].search(path) and (m[1] is None or m[1] > 0):
                    malformed = True
                    if m[1] is not None:
                        m[1] -= 1
        if fault is not None:
            if fault.stall_s:
                time.sleep(fault.stall_s)
            if fault.status is not None:
                headers = {}
                if fault.retry_after is not None and fault.status in (429, 503):
                    headers["Retry-After"] = str(int(fault.retry_after)) if float(fault.retry_after).is_integer() else str(fault.retry_after)
                if fault.body is not None:
                    return _Reply(fault.status, fault.body, headers), malformed
                code = _ERROR_CODES.get(fault.status, "Error")
                msg = {
                    429: "The request was throttled. Retry after the interval in the Retry-After header.",
                    503: "The service is temporarily unavailable. Please retry later.",
                    403: "The client does not have authorization to perform this action.",
                    404: "The requested resource was not found.",
                    500: "An internal error occurred. Please retry.",
                }.get(fault.status, "Injected fault.")
                return _arm_error(fault.status, code, msg, headers), malformed
        return None, malformed

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            if re.match(r"^/subscriptions/", path, re.I):
                return self._arm(method, path, query, headers, body)
            return self._login(method, path, query, headers, body)
        except _Reply as r:
            return r

    # -- sign-in ----------------------------------------------------------------
    def _aad_error(self, status: int, error: str, code: int, text: str) -> _Reply:
        now = _utcnow()
        trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
        desc = (
            f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\n"
            f"Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}"
        )
        return _Reply(status, {
            "error": error,
            "error_description": desc,
            "error_codes": [code],
            "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": f"{self.base_url}/error?code={code}",
        })

    def _tenant_ok(self, tenant: str) -> bool:
        return tenant.lower() in (self.tenant_id, "organizations", "common", "contoso.example")

    def _unknown_tenant(self, tenant: str) -> _Reply:
        return self._aad_error(
            400, "invalid_request", 90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
            "signing into the correct cloud. Check with your subscription administrator, this may "
            "happen if there are no active subscriptions for the tenant.",
        )

    def _oidc(self, tenant: str) -> dict:
        b, t = self.base_url, self.tenant_id
        return {
            "token_endpoint": f"{b}/{t}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{b}/{t}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{b}/{t}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{b}/oidc/userinfo",
            "authorization_endpoint": f"{b}/{t}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{b}/{t}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{b}/{t}/oauth2/v2.0/logout",
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "tid", "oid", "preferred_username"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def _login(self, method: str, path: str, query: dict, headers, body: bytes) -> _Reply:
        segs = [s for s in path.split("/") if s]
        if method == "GET" and path.lower().startswith("/common/discovery/instance"):
            return _Reply(200, {
                "tenant_discovery_endpoint": f"{self.base_url}/{self.tenant_id}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{
                    "preferred_network": f"127.0.0.1:{self.port}",
                    "preferred_cache": f"127.0.0.1:{self.port}",
                    "aliases": [f"127.0.0.1:{self.port}"],
                }],
            })
        if method == "GET" and segs and segs[0] == "devicelogin":
            return _Reply(200, b"<html><body>Enter the code shown by the application.</body></html>",
                          {"Content-Type": "text/html"}, raw=True)
        if not segs:
            raise _Reply(404, {"error": "not_found"})
        tenant = segs[0]
        rest = "/".join(segs[1:]).lower()
        if method == "GET" and rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration"):
            if not self._tenant_ok(tenant):
                return self._unknown_tenant(tenant)
            return _Reply(200, self._oidc(tenant))
        if method == "GET" and rest == "discovery/v2.0/keys":
            return _Reply(200, {"keys": []})
        if method == "POST" and rest in ("oauth2/v2.0/token", "oauth2/token"):
            if not self._tenant_ok(tenant):
                return self._unknown_tenant(tenant)
            return self._token(_form(body))
        if method == "POST" and rest == "oauth2/v2.0/devicecode":
            if not self._tenant_ok(tenant):
                return self._unknown_tenant(tenant)
            return self._devicecode(_form(body))
        return _Reply(404, {"error": "not_found", "error_description": f"No sign-in endpoint at {path}"})

    def _issue(self, scope: str, client_id: str, user: bool, with_refresh: bool) -> dict:
        now = int(time.time())
        resource = scope.split()[0].rsplit("/.default", 1)[0] if scope else "https://management.azure.com"
        oid = str(uuid.uuid5(uuid.NAMESPACE_OID, (self.user_name if user else client_id)))
        claims = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now, "nbf": now, "exp": now + 3599,
            "appid": client_id, "oid": oid, "sub": oid, "tid": self.tenant_id,
            "idtyp": "user" if user else "app", "ver": "1.0",
        }
        if user:
            claims["upn"] = self.user_name
        token = _fake_jwt(claims)
        with self._lock:
            self._tokens[token] = {"exp": now + 3599, "expired": False, "scope": scope, "oid": oid,
                                   "client_id": client_id}
        resp = {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }
        if user:
            uid_ = oid
            resp["id_token"] = _fake_jwt({
                "aud": client_id,
                "iss": f"{self.base_url}/{self.tenant_id}/v2.0",
                "iat": now, "nbf": now, "exp": now + 3599,
                "name": "Failback Operator", "oid": oid, "sub": oid, "tid": self.tenant_id,
                "preferred_username": self.user_name, "ver": "2.0",
            })
            resp["client_info"] = _b64url(json.dumps({"uid": uid_, "utid": self.tenant_id}).encode())
            resp["scope"] = scope + " openid profile offline_access"
        if with_refresh:
            rt = "rt." + secrets.token_urlsafe(32)
            with self._lock:
                self._refresh_tokens[rt] = {"client_id": client_id, "user": user}
            resp["refresh_token"] = rt
        return resp

    def _token(self, form: dict) -> _Reply:
        grant = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        scope = " ".join(s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access"))
        if grant == "client_credentials":
            if client_id != self.client_id:
                return self._aad_error(
                    400, "unauthorized_client", 700016,
                    f"Application with identifier '{client_id}' was not found in the directory "
                    f"'{self.tenant_id}'. This can happen if the application has not been installed by the "
                    "administrator of the tenant or consented to by any user in the tenant.")
            if form.get("client_secret") != self.client_secret:
                return self._aad_error(
                    401, "invalid_client", 7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the "
                    f"client secret value, not the client secret ID, for a secret added to app '{client_id}'.")
            if not scope.endswith("/.default"):
                return self._aad_error(400, "invalid_scope", 1002012,
                                       f"The provided value for scope {scope} is not valid. Client "
                                       "credential flows must have a scope value with /.default suffixed "
                                       "to the resource identifier (application ID URI).")
            return _Reply(200, self._issue(scope, client_id, user=False, with_refresh=False))
        if grant in ("urn:ietf:params:oauth:grant-type:device_code", "device_code"):
            code = form.get("device_code", "")
            with self._lock:
                flow = self._device.get(code)
                if flow is None or flow.get("redeemed"):
                    return self._aad_error(400, "invalid_grant", 70000,
                                           "The provided value for the input parameter 'device_code' is not valid.")
                if time.time() > flow["expires"]:
                    return self._aad_error(400, "expired_token", 70019,
                                           "Verification code expired.")
                flow["polls"] += 1
                if not flow["approved"] and self.device_auto_approve_after is not None \
                        and flow["polls"] > self.device_auto_approve_after:
                    flow["approved"] = True
                if not flow["approved"]:
                    return self._aad_error(400, "authorization_pending", 70016,
                                           "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
                flow["redeemed"] = True
            return _Reply(200, self._issue(flow["scope"], flow["client_id"], user=True, with_refresh=True))
        if grant == "refresh_token":
            rt = form.get("refresh_token", "")
            with self._lock:
                info = self._refresh_tokens.get(rt)
            if info is None:
                return self._aad_error(400, "invalid_grant", 70008,
                                       "The provided authorization code or refresh token has expired due to "
                                       "inactivity. Send a new interactive authorization request for this user "
                                       "and resource.")
            return _Reply(200, self._issue(scope, info["client_id"], user=info["user"], with_refresh=True))
        return self._aad_error(400, "unsupported_grant_type", 70003,
                               f"The app requested an unsupported grant type '{grant}'.")

    def _devicecode(self, form: dict) -> _Reply:
        client_id = form.get("client_id", "")
        scope = " ".join(s for s in form.get("scope", "").split() if s not in ("openid", "profile", "offline_access"))
        device_code = "DAQABAAEAAA" + secrets.token_urlsafe(48)
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        user_code = "".join(secrets.choice(alphabet) for _ in range(9))
        with self._lock:
            self._device[device_code] = {
                "user_code": user_code, "client_id": client_id, "scope": scope, "polls": 0,
                "approved": False, "expires": time.time() + 900, "created": time.monotonic(),
            }
        uri = f"{self.base_url}/devicelogin"
        return _Reply(200, {
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": self.device_poll_interval,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                       f"{user_code} to authenticate.",
        })

    # -- ARM --------------------------------------------------------------------
    _ARM_PREFIX = re.compile(
        r"^/subscriptions/(?P<sub>[^/]+)(?:/resourcegroups/(?P<rg>[^/]+)"
        r"(?:/providers/microsoft\.recoveryservices/vaults/(?P<vault>[^/]+)(?P<rest>/.*)?)?)?/?$",
        re.I,
    )

    def _check_auth(self, headers) -> dict:
        auth = headers.get("Authorization") or ""
        chal = f'Bearer authorization_uri="{self.authority}/{self.tenant_id}", error="invalid_token"'
        if not auth.lower().startswith("bearer "):
            raise _arm_error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                             {"WWW-Authenticate": chal + ', error_description="The authentication failed because of missing \'Authorization\' header."'})
        token = auth[7:].strip()
        with self._lock:
            info = self._tokens.get(token)
        if info is None:
            raise _arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.",
                             {"WWW-Authenticate": chal + ', error_description="The access token is invalid."'})
        if info["expired"] or info["exp"] < time.time():
            now = _utcnow()
            raise _arm_error(
                401, "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{(now - _dt.timedelta(seconds=5)).strftime('%m/%d/%Y %I:%M:%S %p')}' "
                f"is earlier than current UTC time '{now.strftime('%m/%d/%Y %I:%M:%S %p')}'.",
                {"WWW-Authenticate": chal + ', error_description="The access token has expired."'})
        return info

    # Resources outside the vault that the checks read: the failed-over VMs and their networks.
    _RESOURCE = re.compile(
        r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/"
        r"(?P<type>microsoft\.(?:compute/virtualmachines|network/virtualnetworks))/(?P<name>[^/]+)"
        r"(?P<view>/instanceview)?/?$",
        re.I,
    )

    def _arm(self, method: str, path: str, query: dict, headers, body: bytes) -> _Reply:
        m = self._ARM_PREFIX.match(path)
        info = self._check_auth(headers)
        api = query.get("api-version")
        if not api:
            raise _arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        if not _API_VERSION_RE.match(api):
            raise _arm_error(400, "InvalidApiVersionParameter",
                             f"The api-version '{api}' is invalid. The supported versions are '{API_VERSION}'.")
        from . import runcommand

        run = runcommand.PATH.match(path)
        if run is not None:
            return self._r_run_command(method, path, body, info, run)
        operation = runcommand.OPERATION.match(path)
        if operation is not None:
            return self._r_compute_operation(method, query, operation)
        resource = self._RESOURCE.match(path)
        if resource is not None:
            return self._r_resource(method, path, query, info, resource)
        if m is None:
            raise _arm_error(404, "NotFound", f"No route for {path}.")
        if m["sub"].lower() != self.subscription_id:
            raise _arm_error(404, "SubscriptionNotFound", f"The subscription '{m['sub']}' could not be found.")
        if m["rg"] is None:
            raise _arm_error(404, "NotFound", f"No route for {path}.")
        if m["rg"].lower() != self.resource_group.lower():
            raise _arm_error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
        if m["vault"] is None:
            raise _arm_error(404, "NotFound", f"No route for {path}.")
        if m["vault"].lower() != self.vault.lower():
            raise _arm_error(
                404, "ResourceNotFound",
                f"The Resource 'Microsoft.RecoveryServices/vaults/{m['vault']}' under resource group "
                f"'{m['rg']}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        rest = m["rest"] or "/"
        with self._lock:
            if self.state.get("deny_access"):
                action = "read" if method == "GET" else "action"
                raise _arm_error(
                    403, "AuthorizationFailed",
                    f"The client '{info['oid']}' with object id '{info['oid']}' does not have authorization to "
                    f"perform action 'Microsoft.RecoveryServices/vaults/{action}' over scope "
                    f"'{self.vault_path}' or the scope is invalid. If access was recently granted, please "
                    "refresh your credentials.")
            for meth, rx, fn in self._routes():
                mm = rx.match(rest)
                if mm and meth == method:
                    return fn(path=path, query=query, body=body, **mm.groupdict())
            if any(rx.match(rest) for _, rx, _ in self._routes()):
                raise _arm_error(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported here.")
        raise _arm_error(404, "NotFound", f"The resource path '{rest}' is not known to this emulator.")

    def _routes(self) -> list[tuple[str, re.Pattern, Callable]]:
        if getattr(self, "_route_cache", None) is None:
            F = r"/replicationFabrics/(?P<f>[^/]+)"
            C = F + r"/replicationProtectionContainers/(?P<c>[^/]+)"
            table = [
                ("GET", r"/replicationFabrics", self._r_fabrics),
                ("GET", F, self._r_fabric),
                ("GET", F + r"/replicationProtectionContainers", self._r_containers),
                ("GET", C, self._r_container),
                ("GET", r"/replicationProtectionContainers", self._r_containers),
                ("GET", C + r"/replicationProtectionContainerMappings", self._r_mappings),
                ("GET", C + r"/replicationProtectionContainerMappings/(?P<m>[^/]+)", self._r_mapping),
                ("GET", r"/replicationProtectionContainerMappings", self._r_mappings),
                ("GET", r"/replicationPolicies", self._r_policies),
                ("GET", r"/replicationPolicies/(?P<p>[^/]+)", self._r_policy),
                ("GET", r"/replicationProtectedItems", self._r_items),
                ("GET", C + r"/replicationProtectedItems", self._r_items),
                ("GET", C + r"/replicationProtectedItems/(?P<i>[^/]+)", self._r_item),
                ("GET", C + r"/replicationProtectedItems/(?P<i>[^/]+)/recoveryPoints", self._r_recovery_points),
                ("POST", C + r"/replicationProtectedItems/(?P<i>[^/]+)/reProtect", self._r_reprotect),
                ("POST", C + r"/replicationProtectedItems/(?P<i>[^/]+)/unplannedFailover", self._r_unplanned),
                ("POST", C + r"/replicationProtectedItems/(?P<i>[^/]+)/plannedFailover", self._r_planned),
                ("POST", C + r"/replicationProtectedItems/(?P<i>[^/]+)/failoverCommit", self._r_commit),
                ("GET", r"/replicationvCenters", self._r_vcenters),
                ("GET", F + r"/replicationvCenters", self._r_vcenters),
                ("GET", F + r"/replicationvCenters/(?P<v>[^/]+)", self._r_vcenter),
                ("GET", r"/replicationJobs", self._r_jobs),
                ("GET", r"/replicationJobs/(?P<j>[^/]+)", self._r_job),
                ("GET", r"/replicationJobs/(?P<j>[^/]+)/operationStatus/(?P<op>[^/]+)", self._r_op_status),
                ("GET", r"/replicationJobs/(?P<j>[^/]+)/operationResults/(?P<op>[^/]+)", self._r_op_result),
                ("GET", r"/replicationRecoveryServicesProviders", self._r_providers),
                ("GET", F + r"/replicationRecoveryServicesProviders", self._r_providers),
                ("GET", F + r"/replicationRecoveryServicesProviders/(?P<p>[^/]+)", self._r_provider),
                ("POST", F + r"/replicationRecoveryServicesProviders/(?P<p>[^/]+)/refreshProvider", self._r_refresh),
            ]
            self._route_cache = [(m, re.compile("^" + rx + "/?$", re.I), fn) for m, rx, fn in table]
        return self._route_cache

    # -- ARM helpers ------------------------------------------------------------
    def _page(self, resources: list, kind: str, path: str, query: dict) -> _Reply:
        size = max(1, int(self.page_sizes.get(kind, self.page_sizes["default"])))
        try:
            start = int(query.get("$skiptoken") or 0)
        except ValueError:
            raise _arm_error(400, "InvalidSkipToken", "The skip token is not valid.")
        now = _utcnow()
        page = [render(r, now) for r in resources[start:start + size]]
        body: dict = {"value": page}
        if start + size < len(resources):
            body["nextLink"] = f"{self.base_url}{path}?api-version={API_VERSION}&$skipToken={start + size}"
        return _Reply(200, body)

    @staticmethod
    def _same(a: Optional[str], b: Optional[str]) -> bool:
        return (a or "").lower() == (b or "").lower()

    def _fabric(self, f: str) -> dict:
        for r in self.state["fabrics"]:
            if self._same(r["name"], f):
                return r
        raise _arm_error(404, "FabricNotFound", f"Fabric '{f}' was not found in vault '{self.vault}'.")

    def _one(self, seq: list, name: str, what: str, **internal) -> dict:
        for r in seq:
            if self._same(r["name"], name) and all(self._same(r.get("_" + k), v) for k, v in internal.items()):
                return r
        raise _arm_error(404, f"{what}NotFound", f"{what} '{name}' was not found in vault '{self.vault}'.")

    def _filter(self, seq: list, **internal) -> list:
        return [r for r in seq if all(v is None or self._same(r.get("_" + k), v) for k, v in internal.items())]

    # -- ARM routes -------------------------------------------------------------
    def _r_fabrics(self, path, query, body):
        return self._page(self.state["fabrics"], "fabrics", path, query)

    def _r_fabric(self, path, query, body, f):
        return _Reply(200, render(self._fabric(f)))

    def _r_containers(self, path, query, body, f=None):
        if f is not None:
            self._fabric(f)
        return self._page(self._filter(self.state["containers"], fabric=f), "containers", path, query)

    def _r_container(self, path, query, body, f, c):
        self._fabric(f)
        return _Reply(200, render(self._one(self.state["containers"], c, "ProtectionContainer", fabric=f)))

    def _r_mappings(self, path, query, body, f=None, c=None):
        if f is not None:
            self._fabric(f)
            self._one(self.state["containers"], c, "ProtectionContainer", fabric=f)
        return self._page(self._filter(self.state["mappings"], fabric=f, container=c), "mappings", path, query)

    def _r_mapping(self, path, query, body, f, c, m):
        self._fabric(f)
        return _Reply(200, render(self._one(self.state["mappings"], m, "ProtectionContainerMapping",
                                            fabric=f, container=c)))

    def _r_policies(self, path, query, body):
        return self._page(self.state["policies"], "policies", path, query)

    def _r_policy(self, path, query, body, p):
        return _Reply(200, render(self._one(self.state["policies"], p, "Policy")))

    def _r_items(self, path, query, body, f=None, c=None):
        if f is not None:
            self._fabric(f)
            self._one(self.state["containers"], c, "ProtectionContainer", fabric=f)
        items = [_sc.lite(self._replicating(i)) for i in self._filter(self.state["items"], fabric=f, container=c)]
        return self._page(items, "items", path, query)

    def _r_item(self, path, query, body, f, c, i):
        self._fabric(f)
        for op in list(self._ops.values()):  # a job runs on whether or not anyone polls it
            if not op.done and op.target.get("name", "").lower() == i.lower():
                self._advance(op)
        item = self._one(self.state["items"], i, "ReplicationProtectedItem", fabric=f, container=c)
        return _Reply(200, render(self._replicating(item)))

    def _r_recovery_points(self, path, query, body, f, c, i):
        """An item's recovery points: the scenario's (`_recoveryPoints` on the item), else none for a
        classic item and, for an InMageRcm one, a crash-consistent point every few minutes and an
        app-consistent one an hour ago. No recording shows this list; the shape is the SDK's RecoveryPoint."""
        self._fabric(f)
        item = self._one(self.state["items"], i, "ReplicationProtectedItem", fabric=f, container=c)
        points = item.get("_recoveryPoints")
        if points is None:
            kind = str((item["properties"].get("providerSpecificDetails") or {}).get("instanceType", ""))
            points = [] if kind != "InMageRcm" else [
                {"minutes": 5, "type": "CrashConsistent"}, {"minutes": 10, "type": "CrashConsistent"},
                {"minutes": 60, "type": "ApplicationConsistent"}]
        out = []
        for n, point in enumerate(points):
            name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{item['id']}/{n}"))
            out.append({
                "id": f"{item['id']}/recoveryPoints/{name}", "name": name,
                "type": "Microsoft.RecoveryServices/vaults/replicationFabrics/replicationProtectionContainers/"
                        "replicationProtectedItems/recoveryPoints",
                "properties": {"recoveryPointTime": render(_sc.minutes_ago(point["minutes"], "ticks")),
                               "recoveryPointType": point["type"],
                               "providerSpecificDetails": {"instanceType": "InMageRcm"}},
            })
        return self._page(out, "recovery-points", path, query)

    def _r_vcenters(self, path, query, body, f=None):
        if f is not None:
            self._fabric(f)
        return self._page(self._filter(self.state["vcenters"], fabric=f), "vcenters", path, query)

    def _r_vcenter(self, path, query, body, f, v):
        self._fabric(f)
        return _Reply(200, render(self._one(self.state["vcenters"], v, "VCenter", fabric=f)))

    def _r_jobs(self, path, query, body):
        jobs = sorted(self.state["jobs"], key=lambda j: j["properties"]["startTime"], reverse=True)
        return self._page(jobs, "jobs", path, query)

    def _r_job(self, path, query, body, j):
        # A job runs on in Site Recovery whether or not anyone polls its operation: reading the job
        # moves its operation on too (a client whose 202 was lost follows the job instead).
        for op in list(self._ops.values()):
            if self._same(op.job, j) and not op.done:
                self._advance(op)
        return _Reply(200, render(self._one(self.state["jobs"], j, "Job")))

    def _r_providers(self, path, query, body, f=None):
        if f is not None:
            self._fabric(f)
        return self._page(self._filter(self.state["providers"], fabric=f), "providers", path, query)

    def _r_provider(self, path, query, body, f, p):
        self._fabric(f)
        return _Reply(200, render(self._one(self.state["providers"], p, "RecoveryServicesProvider", fabric=f)))

    # -- resources outside the vault ------------------------------------------------------
    def deny(self, action: str) -> None:
        """ARM answers 403 AuthorizationFailed to reads needing *action*
        (e.g. ``Microsoft.Compute/virtualMachines/read``), as for an identity without that right."""
        with self._lock:
            self.state.setdefault("denied_actions", []).append(action.lower())

    def _r_resource(self, method: str, path: str, query: dict, info: dict, m: re.Match) -> _Reply:
        if method != "GET":
            raise _arm_error(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported here.")
        if m["sub"].lower() != self.subscription_id:
            raise _arm_error(404, "SubscriptionNotFound", f"The subscription '{m['sub']}' could not be found.")
        kind = m["type"].split("/", 1)[1]  # "virtualMachines" | "virtualNetworks", as ARM spells it
        kind = {"virtualmachines": "virtualMachines", "virtualnetworks": "virtualNetworks"}[kind.lower()]
        provider = "Microsoft.Compute" if kind == "virtualMachines" else "Microsoft.Network"
        action = f"{provider}/{kind}/read"
        scope = path.rstrip("/")
        if m["view"]:
            scope = scope[: -len("/instanceView")]
        with self._lock:
            denied = action.lower() in self.state.get("denied_actions", ()) or self.state.get("deny_access")
            resources = self.state.get("resources", {})
            found = resources.get(scope.lower())
            groups = {r["id"].split("/")[4].lower() for r in resources.values()}
        if denied:
            raise _arm_error(
                403, "AuthorizationFailed",
                f"The client '{info['oid']}' with object id '{info['oid']}' does not have authorization to "
                f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was "
                "recently granted, please refresh your credentials.")
        if found is None:
            if m["rg"].lower() not in groups:
                raise _arm_error(404, "ResourceGroupNotFound", f"Resource group '{m['rg']}' could not be found.")
            raise _arm_error(
                404, "ResourceNotFound",
                f"The Resource '{provider}/{kind}/{m['name']}' under resource group '{m['rg']}' was not found. "
                "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        view = found.get("_instanceView")
        if m["view"]:
            return _Reply(200, render(view))
        body = render(found)
        if view is not None and (query.get("$expand") or "").lower() == "instanceview":
            body["properties"]["instanceView"] = render(view)
        return _Reply(200, body)

    # -- Run Command (simulators/azure/runcommand.py) -----------------------------------
    def _r_run_command(self, method: str, path: str, body: bytes, info: dict, m: re.Match) -> _Reply:
        from . import runcommand

        if method != "POST":
            raise _arm_error(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported here.")
        scope = path.rstrip("/")[: -len("/runCommand")]
        with self._lock:
            denied = runcommand.RUN_ACTION in self.state.get("denied_actions", ()) or self.state.get("deny_access")
            vm = self.state.get("resources", {}).get(scope.lower())
            table = {**runcommand.defaults(), **self.state.get("run_command", {})}
            ps_vm = str(self.state.get("ps_vm_id", "")).lower()
        if denied:
            raise _arm_error(
                403, "AuthorizationFailed",
                f"The client '{info['oid']}' with object id '{info['oid']}' does not have authorization to perform "
                f"action 'Microsoft.Compute/virtualMachines/runCommand/action' over scope '{scope}' or the scope is "
                "invalid. If access was recently granted, please refresh your credentials.")
        if vm is None:
            raise _arm_error(404, "ResourceNotFound",
                             f"The Resource 'Microsoft.Compute/virtualMachines/{m['name']}' under resource group "
                             f"'{m['rg']}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        power = [s["code"] for s in (vm.get("_instanceView") or {}).get("statuses", ()) if s["code"].startswith("PowerState/")]
        if power and power[0] != "PowerState/running":
            raise _arm_error(409, "OperationNotAllowed", runcommand.NOT_RUNNING)
        if self._run_commands.running_on(vm["name"]):
            raise _arm_error(409, "Conflict", runcommand.BUSY)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise _arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        op = self._run_commands.start(vm, request, table, "ps" if scope.lower() == ps_vm else "vm")
        base = f"{self.base_url}/subscriptions/{m['sub']}/providers/Microsoft.Compute/locations/{vm.get('location', 'eastus')}/operations/{op.id}"
        return _Reply(202, None, {
            "Azure-AsyncOperation": f"{base}?api-version={runcommand_api()}",
            "Location": f"{base}?monitor=true&api-version={runcommand_api()}",
            "Retry-After": str(table.get("retry_after", "1")),
        })

    def _r_compute_operation(self, method: str, query: dict, m: re.Match) -> _Reply:
        from . import runcommand

        op = self._run_commands.get(m["op"])
        if method != "GET" or op is None:
            raise _arm_error(404, "NotFound", f"Operation '{m['op']}' was not found.")
        with self._lock:
            table = {**runcommand.defaults(), **self.state.get("run_command", {})}
        done = self._run_commands.done(op)
        retry = {"Retry-After": str(table.get("retry_after", "1"))}
        if (query.get("monitor") or "").lower() == "true":
            if not done:
                return _Reply(202, None, retry)
            if op.agent_error:
                raise _arm_error(409, "VMAgentStatusCommunicationError", runcommand.AGENT_MESSAGE.format(vm=op.vm))
            return _Reply(200, runcommand.result_body(op, table))
        out: dict = {"startTime": _iso(_utcnow()), "status": "InProgress", "name": op.id}
        if done and op.agent_error:
            out.update(status="Failed", endTime=_iso(_utcnow()),
                       error={"code": "VMAgentStatusCommunicationError", "message": runcommand.AGENT_MESSAGE.format(vm=op.vm)})
        elif done:
            out.update(status="Succeeded", endTime=_iso(_utcnow()), properties={"output": runcommand.result_body(op, table)})
        return _Reply(200, out, {} if done else retry)

    # -- long-running operations ----------------------------------------------------
    def _start_op(self, kind: str, target: dict, scenario_name: str, friendly: str, target_name: str,
                  target_type: str, tasks: Optional[list] = None, request: Optional[dict] = None) -> _Reply:
        now = _utcnow()
        job_name = str(uuid.uuid4())
        op_id = str(uuid.uuid4())
        job = {
            "id": f"{self._vault_id()}/replicationJobs/{job_name}",
            "name": job_name,
            "type": "Microsoft.RecoveryServices/vaults/replicationJobs",
            "location": None,
            "properties": {
                "activityId": f"{uuid.uuid4()} ActivityId: {uuid.uuid4()}",
                "scenarioName": scenario_name,
                "friendlyName": friendly,
                "state": "InProgress",
                "stateDescription": "InProgress",
                "tasks": [{
                    "taskId": str(uuid.uuid4()), "name": name, "friendlyName": title,
                    "state": "InProgress" if n == 0 else "NotStarted",
                    "stateDescription": "InProgress" if n == 0 else "NotStarted", "taskType": "TaskDetails",
                    "startTime": _iso(now) if n == 0 else None, "allowedActions": [], "errors": [],
                } for n, (name, title) in enumerate(tasks or [(scenario_name, friendly)])],
                "errors": [],
                "startTime": _iso(now),
                "allowedActions": ["Cancel"],
                "targetObjectId": target["name"],
                "targetObjectName": target_name,
                "targetInstanceType": target_type,
                "customDetails": {"instanceType": "AsrJobDetails", "affectedObjectDetails": {}},
            },
        }
        self.state["jobs"].append(job)
        op = _Op(op_id, job_name, kind, target, request=request or {})
        self._ops[op_id] = op
        base = f"{self.base_url}{self.vault_path}/replicationJobs/{job_name}"
        return _Reply(202, None, {
            "Location": f"{base}/operationResults/{op_id}?api-version={API_VERSION}",
            "Azure-AsyncOperation": f"{base}/operationStatus/{op_id}?api-version={API_VERSION}",
            "Retry-After": "1",
        })

    def _vault_id(self) -> str:
        return self._ids.vault_id

    def _advance(self, op: _Op) -> None:
        op.polls += 1
        if op.kind in ("reprotect", "failover", "commit"):
            self._advance_tasks(op)
            return
        if op.done or op.polls < 2:
            return
        op.done = True
        op.ended = _utcnow()
        job = self._one(self.state["jobs"], op.job, "Job")
        props = job["properties"]
        props.update(state="Succeeded", stateDescription="Completed", endTime=_iso(op.ended), allowedActions=[])
        for t in props["tasks"]:
            t.update(state="Succeeded", stateDescription="Completed", endTime=_iso(op.ended))
        if op.kind == "refresh":
            fabric = op.target["_fabric"]
            op.target["properties"]["lastHeartBeat"] = _sc.Ago(0)
            still = []
            for pend in self.state["pending_retention"]:
                if not self._same(pend["fabric"], fabric):
                    still.append(pend)
                    continue
                details = self._fabric(fabric)["properties"]["customDetails"]
                for mt in details.get("masterTargetServers", []):
                    if mt["name"] == pend["mt"]:
                        mt.setdefault("retentionVolumes", []).append(pend["volume"])
            self.state["pending_retention"] = still
        elif op.kind == "reprotect":
            from .shapes import reprotected

            reprotected(op.target["properties"], self._ids)

    def _advance_tasks(self, op: _Op) -> None:
        """A job of several tasks, each taking `task_s`: the task under way is InProgress, those before it
        Succeeded. A scenario's fault ({"task": n, ...}) fails the n-th task with its error, and the job."""
        if op.done:
            return
        job = self._one(self.state["jobs"], op.job, "Job")
        props = job["properties"]
        tasks = props["tasks"]
        now = _utcnow()
        reached = int((now - op.started).total_seconds() / max(self.task_s, 0.001))
        fault = self.state.get("operation_fault") or {}
        failing = int(fault.get("task", -1)) if fault.get("operation", "reprotect") == op.kind else -1
        for n, task in enumerate(tasks):
            if failing == n and reached >= n:
                task.update(state="Failed", stateDescription="Failed", endTime=_iso(now),
                            errors=[_task_error(fault, task)])
                if fault.get("delete_vm"):
                    self.state["resources"].pop(str(fault["delete_vm"]).lower(), None)
                props.update(state="Failed", stateDescription="Failed", endTime=_iso(now), allowedActions=["Restart"],
                             errors=[_task_error(fault, task)])
                op.done = op.failed = True
                op.ended = now
                return
            if n < reached:
                if task["state"] != "Succeeded":
                    task.update(state="Succeeded", stateDescription="Completed", endTime=_iso(now))
            elif n == reached:
                task.update(state="InProgress", stateDescription="InProgress", startTime=task.get("startTime") or _iso(now))
        if reached >= len(tasks):
            props.update(state="Succeeded", stateDescription="Completed", endTime=_iso(now), allowedActions=[])
            op.done = True
            op.ended = now
            self._completed(op, now)

    def _completed(self, op: _Op, now: _dt.datetime) -> None:
        """What a finished operation leaves on its item, as the portal then shows it."""
        item = op.target
        p = item["properties"]
        provider = text_of(p.get("providerSpecificDetails", {}).get("instanceType"))
        if op.kind == "reprotect" and provider in ("inmage", "inmagercmfailback"):
            # Home, and protected to Azure again: replicating forward. (Not recorded: the fields the service
            # sets then; the forward provider, state and operations follow the SDK's enums.)
            p["providerSpecificDetails"] = {**p["providerSpecificDetails"],
                                            "instanceType": "InMageAzureV2" if provider == "inmage" else "InMageRcm"}
            p.update(protectionState="Protected", protectionStateDescription="Protected", activeLocation="Primary",
                     replicationHealth="Normal",
                     allowedOperations=["PlannedFailover", "UnplannedFailover", "TestFailover", "DisableProtection"])
        elif op.kind == "reprotect":
            from .shapes import reprotected, reprotected_modernized

            if provider == "inmagercm":
                reprotected_modernized(p, self._ids, op.request)
            else:
                reprotected(p, self._ids)
            item["_replication_started"] = now.timestamp()
        elif op.kind == "failover":
            item.pop("_replication_started", None)
            kind = "Planned" if text_of(p["providerSpecificDetails"].get("instanceType")) == "inmagercmfailback" else "Unplanned"
            # (Not recorded: the states after a failback's failover and commit follow the SDK's enums.)
            p.update(protectionState=f"{kind}FailoverCompleted", protectionStateDescription="Failover completed",
                     activeLocation="Recovery", allowedOperations=["Commit", "DisableProtection"])
        elif op.kind == "commit":
            kind = "Planned" if text_of(p["providerSpecificDetails"].get("instanceType")) == "inmagercmfailback" else "Unplanned"
            # Home: the next step is protecting the VM to Azure again (recorded: SwitchProtection, classic).
            p.update(protectionState=f"{kind}FailoverCommitted", protectionStateDescription="Failover committed",
                     activeLocation="Recovery",
                     allowedOperations=["ReverseReplicate", "DisableProtection"] if kind == "Planned" else
                     ["CompleteMigration", "DisableProtection", "SwitchProtection"])

    def _replicating(self, item: dict) -> dict:
        """An item replicating back: its initial replication moves from 0 to 100% over
        `initial_replication_s`; then it is protected back, with an RPO."""
        started = item.get("_replication_started")
        if started is None:
            return item
        share = min(1.0, (time.time() - float(started)) / max(self.initial_replication_s, 0.001))
        percent = int(share * 100)
        details = item["properties"]["providerSpecificDetails"]
        if details.get("instanceType") == "InMageRcmFailback":
            details.update(initialReplicationProgressPercentage=percent,
                           initialReplicationProgressHealth="Normal" if percent < 100 else "None")
            if percent >= 100:  # (not recorded: the SDK's InMageRcmFailback details carry no RPO)
                item["properties"].update(protectionState="Protected", protectionStateDescription="Protected",
                                          replicationHealth="Normal",
                                          allowedOperations=["PlannedFailover", "DisableProtection"])
        else:
            details["resyncDetails"] = {"initialReplicationType": "InitialReplication",
                                        "initialReplicationProgressPercentage": str(percent)}
            details.update(protectionStage="DifferentialSync" if percent >= 100 else "Resynchronization",
                           rpoInSeconds=242 if percent >= 100 else None)
            item["properties"]["protectionState"] = "Protected" if percent >= 100 else "InitialReplicationPending"
            # The failback (an unplanned failover, classic) is offered once the initial replication is done.
            item["properties"]["allowedOperations"] = (["UnplannedFailover", "DisableProtection"] if percent >= 100
                                                       else ["DisableProtection"])
        return item

    def _op(self, j: str, op: str) -> _Op:
        o = self._ops.get(op)
        if o is None or not self._same(o.job, j):
            raise _arm_error(404, "OperationNotFound", f"Operation '{op}' was not found.")
        return o

    def _r_op_status(self, path, query, body, j, op):
        o = self._op(j, op)
        self._advance(o)
        out = {
            "id": f"{self._vault_id()}/replicationJobs/{j}/operationStatus/{op}",
            "name": op,
            "status": ("Failed" if o.failed else "Succeeded") if o.done else "InProgress",
            "startTime": _iso(o.started),
        }
        if o.done:
            out["endTime"] = _iso(o.ended)
        if o.failed:
            job = self._one(self.state["jobs"], o.job, "Job")["properties"]
            first = (job.get("errors") or [{}])[0].get("serviceErrorDetails") or {}
            out["error"] = {"code": first.get("code") or "JobFailed", "message": first.get("message") or "The job failed."}
        return _Reply(200, out)

    def _r_op_result(self, path, query, body, j, op):
        o = self._op(j, op)
        if not o.done:
            self._advance(o)
        if not o.done:
            return _Reply(202, None, {"Location": f"{self.base_url}{path}?api-version={API_VERSION}",
                                      "Retry-After": "1"})
        return _Reply(200, render(o.target))

    def _r_refresh(self, path, query, body, f, p):
        self._fabric(f)
        prov = self._one(self.state["providers"], p, "RecoveryServicesProvider", fabric=f)
        name = prov["properties"].get("friendlyName") or p
        return self._start_op("refresh", prov, "RefreshServer", f"Refresh server {name}", name, "ProviderEntity")

    def _stage(self, kind: str, operation: str, f: str, c: str, i: str, body: bytes, providers: tuple) -> _Reply:
        """A failback's failover (unplanned: classic; planned: modernized) or its commit: refused unless
        the item allows it; its job runs task by task (the same clock and faults as a reprotect's)."""
        self._fabric(f)
        item = self._one(self.state["items"], i, "ReplicationProtectedItem", fabric=f, container=c)
        name = item["properties"]["friendlyName"]
        provider = text_of(item["properties"].get("providerSpecificDetails", {}).get("instanceType"))
        if provider not in ("inmage", "inmagercmfailback"):  # only the item replicating back fails back
            raise _arm_error(400, "28051", f"The operation is not allowed on '{name}': it does not replicate back.")
        if operation not in (item["properties"].get("allowedOperations") or []):
            raise _arm_error(400, "28051",
                             f"The operation is not allowed on '{name}' in its current state "
                             f"'{item['properties'].get('protectionStateDescription')}'.")
        for op in self._ops.values():
            if not op.done and op.target is item:
                raise _arm_error(409, "OperationInProgress",
                                 f"An operation is already in progress on '{name}' (job {op.job}); wait for it.")
        psd = {}
        if providers:
            try:
                psd = ((json.loads(body or b"{}") or {}).get("properties") or {}).get("providerSpecificDetails") or {}
            except ValueError:
                raise _arm_error(400, "InvalidRequestContent", "The request content was invalid.")
            if psd.get("instanceType") not in providers or not psd.get("recoveryPointType"):
                raise _arm_error(400, "InvalidProviderInput",
                                 f"The provider input for '{name}' must be of type {'/'.join(providers)} with a "
                                 "recoveryPointType.")
        # No public recording shows these jobs' task lists; the names follow the portal's job view.
        tasks = ([("PrereqCheck", "Prerequisites check for failover"),
                  ("ShutdownAzureVm", "Shutting down the virtual machine in Azure"),
                  ("Synchronize", "Synchronizing the latest changes"),
                  ("StartOnPremVm", "Starting the on-premises virtual machine")] if kind == "failover" else
                 [("PrereqCheck", "Prerequisites check for commit"), ("Commit", "Committing the failover")])
        scenario = {"failover": operation, "commit": "CommitFailover"}[kind]
        return self._start_op(kind, item, scenario, f"{operation} {name}", name, "ProtectionEntity",
                              tasks=tasks, request=psd)

    def _r_unplanned(self, path, query, body, f, c, i):
        return self._stage("failover", "UnplannedFailover", f, c, i, body, ("InMage",))

    def _r_planned(self, path, query, body, f, c, i):
        return self._stage("failover", "PlannedFailover", f, c, i, body, ("InMageRcmFailback",))

    def _r_commit(self, path, query, body, f, c, i):
        return self._stage("commit", "Commit", f, c, i, body, ())

    def _r_reprotect(self, path, query, body, f, c, i):
        self._fabric(f)
        item = self._one(self.state["items"], i, "ReplicationProtectedItem", fabric=f, container=c)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            raise _arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        props = (req or {}).get("properties") or {}
        psd = props.get("providerSpecificDetails") or {}
        if not psd.get("instanceType"):
            raise _arm_error(400, "InvalidRequestContent",
                             "properties.providerSpecificDetails.instanceType is required.")
        allowed = item["properties"].get("allowedOperations") or []
        if "ReverseReplicate" not in allowed and "SwitchProtection" not in allowed:
            raise _arm_error(
                400, "28051",
                f"The operation is not allowed on '{item['properties']['friendlyName']}' in its current state "
                f"'{item['properties'].get('protectionStateDescription')}'.")
        name = item["properties"]["friendlyName"]
        # Site Recovery refuses a second operation on an item with one running. Not recorded: the 409's
        # code and words are ours; the tool never relies on them (it looks for the running job first).
        for op in self._ops.values():
            if not op.done and op.target is item:
                raise _arm_error(409, "OperationInProgress",
                                 f"An operation is already in progress on '{name}' (job {op.job}); wait for it.")
        provider = text_of(item["properties"].get("providerSpecificDetails", {}).get("instanceType"))
        modernized = provider in ("inmagercm", "inmagercmfailback")
        # The discriminators on the wire, and the direction Azure PowerShell sends for each provider
        # (Update-AzRecoveryServicesAsrProtectionDirection): home from Azure (InMageAzureV2 / InMageRcm
        # items) RecoveryToPrimary; to Azure again after a failback, InMage RecoveryToPrimary and
        # InMageRcmFailback PrimaryToRecovery.
        expected, direction, needed = {
            "inmageazurev2": ("InMage", "RecoveryToPrimary",
                              ("masterTargetId", "processServerId", "retentionDrive", "datastoreName", "profileId")),
            "inmagercm": ("InMageRcm", "RecoveryToPrimary",
                          ("reprotectAgentId", "datastoreName", "logStorageAccountId", "policyId")),
            "inmage": ("InMageAzureV2", "RecoveryToPrimary", ("processServerId", "runAsAccountId", "policyId")),
            "inmagercmfailback": ("InMageRcmFailback", "PrimaryToRecovery", ("processServerId", "policyId")),
        }.get(provider, ("?", "?", ()))
        if psd.get("instanceType") != expected:
            raise _arm_error(400, "InvalidProviderInput",
                             f"The provider input for '{name}' must be of type {expected}, not {psd.get('instanceType')}.")
        if props.get("failoverDirection") not in (direction, None):
            raise _arm_error(400, "InvalidFailoverDirection",
                             f"The direction {props.get('failoverDirection')} is not valid for '{name}'.")
        missing = [k for k in needed if not psd.get(k)]
        if missing:
            raise _arm_error(400, "InvalidProviderInput", f"Missing {', '.join(missing)} for '{name}'.")
        # The tasks of a reprotect job as the portal lists them. No public recording shows a reprotect
        # job's task list; these names follow the portal's job view and the SDK's TaskTypeDetails.
        tasks = ([("PrereqCheck", "Prerequisites check for reprotect"),
                  ("EnableReplication", "Enabling replication to Azure"),
                  ("StartReplication", "Starting initial replication")] if provider in ("inmage", "inmagercmfailback")
                 else [("PrereqCheck", "Prerequisites check for reprotect"),
                  ("PrepareAppliance", "Preparing the replication appliance"),
                  ("CreateReplica", "Creating the on-premises virtual machine"),
                  ("StartReplication", "Starting replication")] if modernized else
                 [("PrereqCheck", "Prerequisites check for reprotect"),
                  ("PrepareMasterTarget", "Preparing the master target"),
                  ("AttachDisks", "Attaching the disks to the master target"),
                  ("StartReplication", "Starting replication")])
        return self._start_op("reprotect", item, "ReprotectProtectedItem", f"Reprotect {name}", name,
                              "ProtectionEntity", tasks=tasks, request=psd)


def text_of(value: Any) -> str:
    return str(value or "").lower()


def _task_error(fault: dict, task: dict) -> dict:
    """A job task's error as Site Recovery reports it (the SDK's JobErrorDetails)."""
    return {
        "serviceErrorDetails": {"code": str(fault.get("code", "JobFailed")), "message": fault.get("message", ""),
                                "possibleCauses": fault.get("causes", ""), "recommendedAction": fault.get("action", ""),
                                "activityId": str(uuid.uuid4())},
        "providerErrorDetails": None, "errorLevel": "Error", "creationTime": _iso(_utcnow()), "taskId": task["taskId"],
    }


def _form(body: bytes) -> dict:
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


# ----------------------------------------------------------------------------------
class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, addr, handler, ssl_ctx: ssl.SSLContext, emu: AzureEmulator):
        self.ssl_ctx = ssl_ctx
        self.emu = emu
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):  # runs in the worker thread
        request.settimeout(60)
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):  # keep test output quiet
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/10.0"
    sys_version = ""

    def log_message(self, fmt, *args):  # silence
        pass

    def _serve(self, method: str) -> None:
        emu: AzureEmulator = self.server.emu  # type: ignore[attr-defined]  # set by AzureEmulator on its server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        rec = RequestRecord(method, unquote(parts.path), parts.query, time.time(), 0, self.client_address[0])
        emu.requests.add(rec)
        reply, malformed = emu._pre(method, rec.path)
        if reply is None:
            try:
                reply = emu.handle(method, self.path, self.headers, body)  # a _Reply raised inside is its answer
            except Exception as exc:  # an emulator bug: answer like ARM would
                reply = _arm_error(500, "InternalServerError", f"Emulator error: {exc!r}")
        rec.status = reply.status
        headers = {"x-ms-request-id": str(uuid.uuid4()), "x-ms-correlation-request-id": str(uuid.uuid4()),
                   "Cache-Control": "no-cache", "Pragma": "no-cache"}
        if reply.raw:
            data = reply.body if isinstance(reply.body, bytes) else str(reply.body).encode()
        elif reply.body is None:
            data = b""
        else:
            data = json.dumps(reply.body).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
            if malformed:
                data = data[: max(1, len(data) // 2)] + b'",,}'
        headers.update(reply.headers)
        if rec.path.lower().startswith("/subscriptions/") and method == "GET":
            headers.setdefault("x-ms-ratelimit-remaining-subscription-reads", "11999")
        try:
            self.send_response(reply.status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and method != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    def do_HEAD(self):
        self._serve("HEAD")
