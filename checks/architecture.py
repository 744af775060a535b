"""Classic or modernized: what a check says when the vault's architecture is not its own.

Shared by the Azure and network checks, which both stand aside on a modernized vault.
"""

from __future__ import annotations

from checks.model import SourceUnavailable, Status
from checks.spec import CheckContext, Verdict, verdict

# Keys of [notices] texts in assets: the report and the wizard show them above the checks.
NOTICE_CLASSIC_RETIRED = "azure.classic-retired"
NOTICE_MODERNIZED_FAILBACK = "azure.modernized-failback"
NOTICES = (NOTICE_CLASSIC_RETIRED, NOTICE_MODERNIZED_FAILBACK)


def classic_only_skip() -> Verdict:
    """A classic-architecture check facing a modernized vault: skipped, with the reason."""
    return verdict(Status.SKIP, "classic-only", {"architecture": "modernized", "notices": list(NOTICES)})


def vault_architecture(ctx: CheckContext) -> str:
    """classic, modernized, or unknown: as configured ([site] architecture), else as the vault says
    (unknown when it cannot be read). Read by checks of either side that only one architecture has."""
    configured = ctx.settings.site.architecture
    if configured != "auto":
        return configured
    try:
        return str(ctx.source("azure.vault").architecture)
    except SourceUnavailable:
        return "unknown"


def modernized_only_skip(architecture: str) -> Verdict:
    """A modernized-architecture check facing a classic vault: skipped, with the reason."""
    return verdict(Status.SKIP, "modernized-only", {"architecture": architecture})
