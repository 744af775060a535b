"""az.connect: sign-in works, the vault is found, and its architecture is known."""

from __future__ import annotations

from checks.architecture import NOTICES
from checks.azure.errors import AzureUnavailable
from checks.model import Component, Status, reason_of
from checks.spec import Check, CheckContext, Verdict, verdict


def decide(ctx: CheckContext) -> Verdict:
    try:
        vault = ctx.source("azure.vault")
    except AzureUnavailable as exc:
        status = Status.FAIL if exc.definite else Status.ERROR
        return verdict(status, "failed", {"problem": exc.error}, reason=reason_of(exc))
    evidence = {
        "cloud": vault.cloud,
        "arm_endpoint": vault.arm_endpoint,
        "subscription_id": vault.subscription_id,
        "resource_group": vault.resource_group,
        "vault": vault.name,
        "auth": ctx.settings.azure.auth if ctx.settings.azure else "",
        "architecture": vault.architecture,
        "detected_architecture": vault.detected_architecture,
        "fabrics": len(vault.fabrics),
        "protected_items": len(vault.items),
    }
    params = {"vault": vault.name, "cloud": vault.cloud, "items": len(vault.items)}
    if vault.architecture == "unknown":
        return verdict(Status.WARN, "architecture-unknown", evidence, **params)
    if vault.architecture == "modernized":
        evidence["notices"] = list(NOTICES)
        return verdict(Status.PASS, "modernized", evidence, **params)
    if vault.detected_architecture != vault.architecture:
        return verdict(Status.WARN, "architecture-forced", evidence, detected=vault.detected_architecture, **params)
    return verdict(Status.PASS, "classic", evidence, **params)


CHECK = Check("az.connect", Component.AZURE, None, reads=("azure.vault",), decide=decide, timeout_s=120)
