"""The persistent Azure connection: a credential and a Site Recovery client.

azure-identity and the SDK are imported here, inside the fetch, never at module
import: the wizard must start fast and most runs of a fix-it never touch Azure.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from checks.azure.clouds import Cloud, UnknownCloud, resolve
from checks.azure.errors import AzureUnavailable, translate
from checks.model import AzureSettings, Said
from checks.sources import Source, Sources, require

# Short enough that a stalled endpoint costs seconds, not minutes; long enough for a
# slow vault page. FAILBACK_PREP_AZURE_TIMEOUT_S overrides both (slow links, tests).
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
RETRIES = 3  # 429 and 5xx; azure-core honours Retry-After between attempts

# Azure CLI's public client: what az and azure-identity use when none is configured.
PUBLIC_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

AUTH_KINDS = ("device-code", "client-secret", "azure-cli", "default")


def timeouts() -> tuple[float, float]:
    override = os.environ.get("FAILBACK_PREP_AZURE_TIMEOUT_S", "").strip()
    if override:
        try:
            value = float(override)
            return min(CONNECT_TIMEOUT_S, value), value
        except ValueError:
            pass
    return CONNECT_TIMEOUT_S, READ_TIMEOUT_S


class _SharedToken:
    """One token for every thread of a run.

    The vault is read by several requests at once; without this each would ask the
    credential for its own token (the Azure CLI credential spawns `az` each time).
    `forget()` drops the token after Resource Manager refused it.
    """

    def __init__(self, build: Any) -> None:
        self._build = build
        self._credential = build()
        self._lock = threading.Lock()
        self._token: Any = None

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        with self._lock:
            token = self._token
            if token is None or token.expires_on - time.time() < 300 or kwargs.get("claims"):
                token = self._token = self._credential.get_token(*scopes, **kwargs)
            return token

    def forget(self) -> None:
        """Sign in again on the next request: a new credential has no cached token."""
        with self._lock:
            old, self._token = self._credential, None
            self._credential = self._build()
        _close_quietly(old)

    def close(self) -> None:
        _close_quietly(self._credential)


def _close_quietly(obj: Any) -> None:
    closer = getattr(obj, "close", None)
    if closer:
        try:
            closer()
        except Exception:  # best effort: the transport may already be gone
            pass


@dataclass
class AzureClient:
    settings: AzureSettings
    cloud: Cloud
    credential: _SharedToken
    client: Any  # SiteRecoveryManagementClient

    @property
    def rg(self) -> str:
        return self.settings.resource_group

    @property
    def vault(self) -> str:
        return self.settings.vault

    def translate(self, exc: BaseException, what: str | Said) -> AzureUnavailable:
        return translate(
            exc, what=what, vault=self.vault, resource_group=self.rg, endpoint=self.cloud.arm_endpoint
        )

    def close(self) -> None:
        _close_quietly(self.client)
        self.credential.close()


def _transport_options(settings: AzureSettings) -> dict[str, Any]:
    connect, read = timeouts()
    options: dict[str, Any] = {"connection_timeout": connect, "read_timeout": read}
    if settings.ca_file:
        options["connection_verify"] = settings.ca_file
    return options


def _credential_builder(ctx: Sources, settings: AzureSettings, cloud: Cloud) -> Any:
    from azure import identity

    options = _transport_options(settings)
    common: dict[str, Any] = dict(options, authority=cloud.authority)
    if not cloud.known_authority:
        common["disable_instance_discovery"] = True
    auth = settings.auth

    if auth == "client-secret":
        if not settings.tenant_id or not settings.client_id:
            raise AzureUnavailable("bad-settings", problem=Said("azure-errors:problem-ids"))
        secret = ctx.secret("azure")
        if not secret:
            raise AzureUnavailable("secret-missing")

        def build() -> Any:
            return identity.ClientSecretCredential(settings.tenant_id, settings.client_id, secret, **common)

        return build
    if auth == "device-code":

        def prompt(uri: str, code: str, expires_on: Any) -> None:
            ctx.tell(Said("azure-errors:device-code", {"uri": uri, "code": code}))

        def build() -> Any:
            return identity.DeviceCodeCredential(
                client_id=settings.client_id or PUBLIC_CLIENT_ID,
                tenant_id=settings.tenant_id or "organizations",
                prompt_callback=prompt,
                timeout=300,
                **common,
            )

        return build
    if auth == "azure-cli":

        def build() -> Any:
            kwargs: dict[str, Any] = {"process_timeout": 20}
            if settings.tenant_id:
                kwargs["tenant_id"] = settings.tenant_id
            return identity.AzureCliCredential(**kwargs)

        return build
    if auth == "default":

        def build() -> Any:
            return identity.DefaultAzureCredential(exclude_interactive_browser_credential=True, **common)

        return build
    raise AzureUnavailable("bad-settings", problem=Said("azure-errors:problem-auth", {"auth": auth, "kinds": ", ".join(AUTH_KINDS)}))


def connect(ctx: Sources) -> AzureClient:
    settings: AzureSettings = require(ctx.settings.azure, "no [azure] table in the configuration", key="reasons:no-azure-table")
    try:
        cloud = resolve(settings)
    except UnknownCloud:
        raise AzureUnavailable("bad-settings", problem=Said("azure-errors:problem-cloud", {"cloud": settings.cloud})) from None
    for name in ("subscription_id", "resource_group", "vault"):
        if not getattr(settings, name):
            raise AzureUnavailable("bad-settings", problem=Said("azure-errors:problem-empty", {"name": name}))

    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

    credential = _SharedToken(_credential_builder(ctx, settings, cloud))
    # One session with a pool big enough for the parallel reads of the vault.
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
    session.mount("https://", adapter)
    transport = RequestsTransport(session=session, session_owner=True, **_transport_options(settings))
    client = SiteRecoveryManagementClient(
        credential,
        settings.subscription_id,
        base_url=cloud.arm_endpoint,
        credential_scopes=[cloud.scope],
        transport=transport,
        retry_total=RETRIES,
        retry_backoff_factor=0.5,
        retry_backoff_max=8,
        polling_interval=2,
    )
    return AzureClient(settings, cloud, credential, client)


def sign_in(azure: AzureClient) -> None:
    """Get a token now, so a refused sign-in is reported as such and before any read."""
    try:
        azure.credential.get_token(azure.cloud.scope)
    except Exception as exc:
        raise azure.translate(exc, Said("azure-errors:what-sign-in")) from None


SOURCE = Source("azure.client", connect, persistent=True, close=lambda c: c.close())
