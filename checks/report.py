"""The report of a run: JSON (schema failback-prep/report/v1) and plain text."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.azure import notice_keys
from checks.model import Component, Status
from checks.spec import Check, Result, fixes_for
from checks.texts import Texts

SCHEMA = "failback-prep/report/v1"

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNDETERMINED = 0, 1, 2, 3


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def counts(results: Sequence[Result]) -> dict[str, int]:
    summary = {str(s): 0 for s in Status}
    for result in results:
        summary[str(result.status)] += 1
    return summary


def exit_code(results: Sequence[Result]) -> int:
    statuses = {r.status for r in results}
    if Status.FAIL in statuses:
        return EXIT_FAILED
    if Status.ERROR in statuses:
        return EXIT_UNDETERMINED
    return EXIT_OK


def architecture(results: Sequence[Result], configured: str = "auto") -> str:
    for result in results:
        arch = result.evidence.get("architecture") if result.id == "az.connect" else None
        if arch:
            return str(arch)
    return configured if configured in ("classic", "modernized") else "unknown"


def has_remedy(status: Status) -> bool:
    """Whether a result of this status comes with what to do (a failure, a warning, a step to confirm)."""
    return status in (Status.FAIL, Status.WARN, Status.MANUAL)


def entry(check: Check, result: Result, texts: Texts) -> dict[str, Any]:
    remedy = texts.remedy(result) if has_remedy(result.status) else ""
    return {
        "id": check.id,
        "component": str(check.component),
        "step": check.step,
        "title": texts.check_title(check.id),
        "status": str(result.status),
        "summary": texts.summary(result),
        "evidence": dict(result.evidence),
        "remedy": remedy,
        "fixes": list(check.fixes),
        "fixes_applicable": list(fixes_for(check, result)),  # those that mend what this result found
        "duration_ms": result.duration_ms,
    }


def _cause(result: Result) -> str | None:
    """What holds this check up, when it is a shared thing: a source it could not read (no password,
    no [azure] table, vCenter down) or a vault whose architecture the checks do not cover. A check
    that timed out or stopped with an error has a cause of its own, never merged with others."""
    if result.key == "classic-only":
        return "classic-only"
    if result.key != "unavailable" or result.status not in (Status.ERROR, Status.SKIP):
        return None
    why = result.evidence.get("reason_key") if isinstance(result.evidence, Mapping) else None
    if why:
        return f"{why} {sorted((k, str(v)) for k, v in (result.evidence.get('reason_params') or {}).items())}"
    return result.reason or None


def causes(results: Sequence[Result], texts: Texts) -> list[dict[str, Any]]:
    """Checks that could not run for one shared reason: the reason once, in full, with the checks it
    holds up, most checks first. A reason of one check is its own."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        cause = _cause(result)
        if cause is not None:
            groups.setdefault(cause, []).append(result)
    shared = sorted((held for held in groups.values() if len(held) > 1), key=lambda held: -len(held))
    return [{"reason": texts.summary(held[0]) if held[0].key == "classic-only" else texts.reason(held[0]),
             "checks": [r.id for r in held]} for held in shared]


def notices(results: Sequence[Result], texts: Texts) -> list[str]:
    """What the operator must read before the checks: the retired classic architecture."""
    return [texts.get("notices", key) for key in notice_keys(list(results))]


def build(
    checks: Sequence[Check],
    results: Sequence[Result],
    texts: Texts,
    configured_architecture: str = "auto",
    not_run: int = 0,
) -> dict[str, Any]:
    by_id = {c.id: c for c in checks}
    found_notices = notices(results, texts)
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "generated_at": utc_now(),
        "architecture": architecture(results, configured_architecture),
        "checks": [entry(by_id[r.id], r, texts) for r in results],
        "summary": counts(results),
    }
    if found_notices:
        report["notices"] = found_notices
    shared = causes(results, texts)
    if shared:
        report["causes"] = shared
    report["readiness"] = readiness(results, not_run).to_json()
    return report


# A skip that says the check does not apply to this site (or the operator answered it) costs nothing:
# "modernized-only" is an appliance check on a classic vault, which has no appliance to look at, and
# "none-in-azure" the agent check for VMs already replicating back. Any other skip means the tool did
# not look: a missing [vcenter] or [azure] table, no master target named, no failback account named.
# "classic-only" (a check of the configuration server, process server or master target on a modernized
# vault) costs nothing once the appliance's checks looked and stand in for them: see readiness().
HARMLESS_SKIPS = frozenset({"not-needed", "not-original", "not-alternate", "skipped", "link-skipped", "modernized-only",
                            "none-in-azure"})
# Warnings that say part of the answer is missing, not that the answer has a caveat: a VM not found,
# a discovery still running, a retention volume Site Recovery does not list yet (reprotect cannot pick it).
UNCONFIRMED_WARNINGS = frozenset({
    "partial", "memory-partial", "no-vms", "version-unknown", "not-in-site-recovery", "architecture-unknown",
    "discovery-pending", "discovery-unknown", "network-unknown", "network-unknown-caveats",
})


def _unconfirmed(result: Result, appliance_checked: bool) -> bool:
    """Not a failure, yet readiness cannot rest on it: the check did not (fully) look. A classic check
    skipped on a modernized vault is covered when the appliance's checks looked (`appliance_checked`)."""
    if result.status == Status.SKIP:
        if result.key == "classic-only":
            return not appliance_checked
        return result.key not in HARMLESS_SKIPS
    return result.status == Status.WARN and result.key in UNCONFIRMED_WARNINGS


def blocking(result: Result) -> bool:
    return result.status in (Status.FAIL, Status.ERROR, Status.MANUAL)


@dataclass(frozen=True)
class Readiness:
    """Ready for reprotect, not ready, or not confirmed: the one judgement the text report, the JSON
    report, the exports and the wizard's readiness screen all give."""

    blockers: int
    unconfirmed: tuple[str, ...]
    warnings: int
    not_run: int

    @property
    def state(self) -> str:
        if self.blockers:
            return "not-ready"
        return "not-confirmed" if self.unconfirmed or self.not_run else "ready"

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "ready": self.state == "ready", "blockers": self.blockers,
                "unconfirmed": list(self.unconfirmed), "warnings": self.warnings, "not_run": self.not_run}


def _appliance_checked(results: Sequence[Result]) -> bool:
    """Whether the appliance's own checks looked (an answer, not a skip, an error or an operator's word):
    then a modernized vault's classic skips are covered."""
    from checks.catalog import all_checks

    automated = {c.id for c in all_checks() if c.component == Component.APPLIANCE and not c.manual}
    return any(r.id in automated and r.status in (Status.PASS, Status.WARN, Status.FAIL) for r in results)


def readiness(results: Sequence[Result], not_run: int = 0) -> Readiness:
    checked = _appliance_checked(results)
    return Readiness(blockers=sum(1 for r in results if blocking(r)),
                     unconfirmed=tuple(r.id for r in results if _unconfirmed(r, checked)),
                     warnings=sum(1 for r in results if r.status == Status.WARN and not _unconfirmed(r, checked)),
                     not_run=not_run)


def say_verdict(state: Readiness, texts: Texts, summary: dict[str, int] | None = None) -> str:
    """Ready or not, with the blockers counted. Checks not run or that could not look are never ready."""
    counts_ = summary or {str(s): 0 for s in Status}
    why = [texts.ui(key, count=count) for key, count in (("report.why-unconfirmed", len(state.unconfirmed)),
                                                         ("report.why-not-run", state.not_run)) if count]
    return texts.ui(f"report.{state.state}", blockers=state.blockers, warnings=state.warnings,
                    why=texts.ui("report.why-and").join(why), **counts_)


def text_lines(report: dict[str, Any], texts: Texts, config: str = "", verdict: bool = True) -> list[str]:
    """The report for a terminal: the verdict, each shared cause once, then one line per check with
    the status words of the JSON report, what to do under each problem, and the fix-it that does it."""
    s = report["summary"]
    r = report["readiness"]
    state = Readiness(r["blockers"], tuple(r["unconfirmed"]), r["warnings"], r["not_run"])
    lines = [say_verdict(state, texts, s)] if verdict else []
    for notice in report.get("notices", ()):
        lines.append(f"! {notice}")
    cause_of: dict[str, int] = {}
    for number, cause in enumerate(report.get("causes", ()), 1):
        lines.append(texts.ui("report.cause", number=number, count=len(cause["checks"]), reason=cause["reason"]))
        cause_of.update({cid: number for cid in cause["checks"]})
    config_arg = f" --config {shlex.quote(config)}" if config else ""
    for item in report["checks"]:
        summary = item["summary"]
        if item["id"] in cause_of:
            summary = texts.ui("report.see-cause", number=cause_of[item["id"]])
        lines.append(f"{item['status']:<6} {item['id']:<24} {summary}")
        if item["remedy"]:
            lines.append(f"       -> {item['remedy']}")
        if item["fixes_applicable"]:
            for fix_id in item["fixes_applicable"]:
                lines.append(f"       fix: failback-prep fix {fix_id}{config_arg}")
    lines.append(texts.ui("report.totals", **s))
    return lines
