"""Classic or modernized: what a check says when the vault's architecture is not its own.

Shared by the Azure and network checks, which both stand aside on a modernized vault.
"""

from __future__ import annotations

from checks.model import Status
from checks.spec import Verdict, verdict

# Keys of [notices] texts in assets: the report and the wizard show them above the checks.
NOTICE_CLASSIC_RETIRED = "azure.classic-retired"
NOTICE_MODERNIZED_FAILBACK = "azure.modernized-failback"
NOTICES = (NOTICE_CLASSIC_RETIRED, NOTICE_MODERNIZED_FAILBACK)


def classic_only_skip() -> Verdict:
    """A classic-architecture check facing a modernized vault: skipped, with the reason."""
    return verdict(Status.SKIP, "classic-only", {"architecture": "modernized", "notices": list(NOTICES)})
