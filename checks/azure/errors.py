"""Turn what azure-identity and azure-core raise into one sentence for the operator.

Every failure becomes an `AzureUnavailable` carrying a text key (assets, table
`azure-errors`) and its parameters; the message is that text in the operator's
language. Nothing of a token, a secret or a raw response body is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checks.model import Said, SourceUnavailable
from checks.texts import Texts

# Failures where Azure gave a definite "no" about the site (sign-in refused, vault absent): az.connect
# reports them as fail. Anything else (timeouts, 5xx, and a 403: what the tool's identity may not read
# says nothing of the site) leaves it undetermined.
DEFINITE = frozenset(
    {
        "signin-rejected",
        "tenant-not-found",
        "client-not-found",
        "secret-rejected",
        "secret-missing",
        "signin-unavailable",
        "resource-group-not-found",
        "vault-not-found",
        "bad-settings",
    }
)


def message(key: str, **params: Any) -> str:
    """The failure in English, for logs; screens and reports say it from its key in their language."""
    return Texts("en").get("azure-errors", key, **params)


class AzureUnavailable(SourceUnavailable):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(message(key, **params), key=f"azure-errors:{key}", **params)
        self.error = key  # the azure-errors key: what decides az.connect's verdict

    @property
    def definite(self) -> bool:
        return self.error in DEFINITE


_AADSTS = re.compile(r"AADSTS(\d+)")


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if status is None:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _error_code(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    if code:
        return str(code)
    text = str(exc)
    found = re.search(r"\b(ResourceGroupNotFound|ResourceNotFound|AuthorizationFailed|InvalidAuthenticationToken\w*|ExpiredAuthenticationToken)\b", text)
    return found.group(1) if found else ""


def _retry_after(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    return str(headers.get("Retry-After", "") or "")


def translate(exc: BaseException, *, what: str | Said, vault: str, resource_group: str, endpoint: str) -> AzureUnavailable:
    """One AzureUnavailable for any failure of a call to Azure; `what` names the call."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        DecodeError,
        DeserializationError,
        HttpResponseError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(exc, AzureUnavailable):
        return exc
    status = _status(exc)
    code = _error_code(exc)
    if isinstance(exc, ClientAuthenticationError) and status is None:
        return _signin_failure(exc)
    if isinstance(exc, ClientAuthenticationError) or status == 401:
        return AzureUnavailable("token-rejected", what=what, endpoint=endpoint)
    if isinstance(exc, (DecodeError, DeserializationError)):
        return AzureUnavailable("malformed", what=what)
    if isinstance(exc, ResourceNotFoundError) or status == 404:
        if code == "ResourceGroupNotFound":
            return AzureUnavailable("resource-group-not-found", resource_group=resource_group)
        return AzureUnavailable("vault-not-found", vault=vault, resource_group=resource_group)
    if status == 403:
        return AzureUnavailable("forbidden", vault=vault, resource_group=resource_group)
    if status == 429:
        return AzureUnavailable("throttled", what=what, retry_after=_retry_after(exc) or "?")
    if status is not None and status >= 500:
        return AzureUnavailable("server-error", what=what, status=status)
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return AzureUnavailable("no-answer", what=what, endpoint=endpoint)
    if isinstance(exc, HttpResponseError):
        return AzureUnavailable("http-error", what=what, status=status or "?")
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError)):
        return AzureUnavailable("malformed", what=what)
    return AzureUnavailable("unexpected", what=what, kind=type(exc).__name__)


def _signin_failure(exc: BaseException) -> AzureUnavailable:
    from azure.identity import CredentialUnavailableError

    if isinstance(exc, CredentialUnavailableError):
        return AzureUnavailable("signin-unavailable")
    text = str(exc)
    found = _AADSTS.search(text)
    code = found.group(1) if found else ""
    # MSAL reports an unknown tenant as an authority it cannot configure, without a code.
    if code in ("90002", "900023", "90013") or "unable to get authority configuration" in text.lower():
        return AzureUnavailable("tenant-not-found", code=f"AADSTS{code}" if code else "-")
    if code in ("700016",):
        return AzureUnavailable("client-not-found", code=f"AADSTS{code}")
    if code in ("7000215", "7000222", "7000216"):
        return AzureUnavailable("secret-rejected", code=f"AADSTS{code}")
    if "timed out" in text.lower() or "connection" in text.lower():
        return AzureUnavailable("signin-no-answer")
    return AzureUnavailable("signin-rejected", code=f"AADSTS{code}" if code else "-")
