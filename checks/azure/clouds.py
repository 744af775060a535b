"""Where each Azure cloud signs in and where its Resource Manager lives."""

from __future__ import annotations

from dataclasses import dataclass

from checks.model import AzureSettings


@dataclass(frozen=True)
class Cloud:
    name: str
    authority: str  # sign-in host, https://...
    arm_endpoint: str
    scope: str  # the token audience of Resource Manager
    known_authority: bool = True  # False: a private authority, so MSAL must not look it up online


CLOUDS: dict[str, Cloud] = {
    "AzureCloud": Cloud(
        "AzureCloud",
        "https://login.microsoftonline.com",
        "https://management.azure.com",
        "https://management.azure.com/.default",
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net",
        # Government Resource Manager issues tokens for the older "core" audience.
        "https://management.core.usgovcloudapi.net/.default",
    ),
}


class UnknownCloud(ValueError):
    pass


def _https(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else "https://" + url


def resolve(settings: AzureSettings) -> Cloud:
    """The cloud of the settings, with `arm_endpoint` and `authority` overrides applied."""
    base = CLOUDS.get(settings.cloud)
    if base is None:
        raise UnknownCloud(f"unknown Azure cloud {settings.cloud!r}; use one of {', '.join(CLOUDS)}")
    arm = _https(settings.arm_endpoint) if settings.arm_endpoint else base.arm_endpoint
    authority = _https(settings.authority) if settings.authority else base.authority
    # An overridden Resource Manager (Azure Stack, a test emulator) is its own audience.
    scope = f"{arm}/.default" if settings.arm_endpoint else base.scope
    known = authority.lower() in {c.authority for c in CLOUDS.values()}
    return Cloud(base.name, authority, arm, scope, known)
