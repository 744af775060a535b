"""Secrets: environment first, then the OS keyring. Never a file, never argv.

keyring is imported only when a secret is actually needed: on most SSH hosts there
is no backend, and asking for one costs start-up time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from checks.model import Said, Settings

T = TypeVar("T")

SERVICE = "failback-prep"
ENV = {"vcenter": "FAILBACK_PREP_VCENTER_PASSWORD", "azure": "FAILBACK_PREP_AZURE_CLIENT_SECRET"}
KINDS = tuple(ENV)


class CredentialError(Exception):
    """Worded for the operator: `said` in any language (the wizard's), the message in English (logs,
    and the CLI where no text has it)."""

    def __init__(self, message: str, said: Said | None = None) -> None:
        super().__init__(message)
        self.said = said


class NoKeyring(CredentialError):
    pass


def account(kind: str, settings: Settings) -> str:
    """The keyring user name: which vCenter login or which app registration it is for."""
    if kind == "vcenter":
        if settings.vcenter is None:
            raise CredentialError("the configuration has no [vcenter] table, so there is no vCenter login to store",
                                  Said("credential-errors:no-vcenter"))
        return f"vcenter:{settings.vcenter.user}@{settings.vcenter.host}"
    if settings.azure is None:
        raise CredentialError("the configuration has no [azure] table, so there is no client secret to store",
                              Said("credential-errors:no-azure"))
    if settings.azure.auth != "client-secret":
        raise CredentialError(
            f'[azure] auth is "{settings.azure.auth}", which needs no stored secret; '
            'use auth = "client-secret" with a client_id to store one',
            Said("credential-errors:no-secret-needed", {"auth": settings.azure.auth}),
        )
    return f"azure:{settings.azure.tenant_id}:{settings.azure.client_id}"


_NO_KEYRING = (
    "no OS keyring is available here (no Secret Service on this host); "
    f"set {ENV['vcenter']} or {ENV['azure']} for this session instead, or start a keyring daemon"
)


def keyring_backend() -> Any:
    import keyring
    from keyring.backends import chainer, fail, null

    backend = keyring.get_keyring()
    empty_chain = isinstance(backend, chainer.ChainerBackend) and not backend.backends
    if isinstance(backend, (fail.Keyring, null.Keyring)) or empty_chain:
        raise NoKeyring(_NO_KEYRING, Said("credential-errors:no-keyring", {"vcenter": ENV["vcenter"],
                                                                         "azure": ENV["azure"]}))
    return backend


def _keyring_call(what: str, call: Callable[[], T]) -> T:
    # Not only KeyringError: a backend whose D-Bus session has gone away raises its own
    # exceptions (secretstorage, jeepney). Either way the keyring is not usable now.
    try:
        return call()
    except Exception as exc:
        raise NoKeyring(f"the OS keyring refused to {what} ({exc}); unlock it or use the environment variable",
                        Said("credential-errors:refused", {"error": str(exc)})) from None


class Found(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    value: str | None
    where: str  # "environment" | "keyring" | "none" | "no keyring"


def find(kind: str, settings: Settings) -> Found:
    env = os.environ.get(ENV[kind])
    if env:
        return Found(env, "environment")
    try:
        user = account(kind, settings)
    except CredentialError:
        return Found(None, "none")
    try:
        backend = keyring_backend()
    except NoKeyring:
        return Found(None, "no keyring")
    value = _keyring_call("read a secret", lambda: backend.get_password(SERVICE, user))
    return Found(value, "keyring" if value else "none")


class Lookup:
    """The SecretLookup the engine calls; remembers what it handed out (for redaction)."""

    def __init__(self, settings: Settings, extra: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.session_only: dict[str, str] = dict(extra or {})

    def __call__(self, kind: str) -> str | None:
        if kind in self.session_only:
            return self.session_only[kind]
        try:
            return find(kind, self.settings).value
        except CredentialError:
            return None


def store(kind: str, settings: Settings, secret: str) -> str:
    user = account(kind, settings)
    backend = keyring_backend()
    _keyring_call("store the secret", lambda: backend.set_password(SERVICE, user, secret))
    return user


def delete(kind: str, settings: Settings) -> bool:
    user = account(kind, settings)
    backend = keyring_backend()
    if not _keyring_call("read a secret", lambda: backend.get_password(SERVICE, user)):
        return False
    _keyring_call("delete the secret", lambda: backend.delete_password(SERVICE, user))
    return True


def keyring_status() -> str:
    try:
        backend = keyring_backend()
    except NoKeyring as exc:
        return str(exc)
    return f"{type(backend).__module__}.{type(backend).__name__}"
