"""The report of a run: JSON (schema failback-prep/report/v1) and plain text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from checks.azure import notice_keys
from checks.model import Status
from checks.spec import Check, Result
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


def entry(check: Check, result: Result, texts: Texts) -> dict[str, Any]:
    remedy = texts.remedy(result) if result.status in (Status.FAIL, Status.WARN, Status.MANUAL) else ""
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
        "duration_ms": result.duration_ms,
    }


def causes(results: Sequence[Result], texts: Texts) -> list[dict[str, Any]]:
    """Undetermined or skipped checks that share one reason (no password, no [azure], vCenter down):
    the reason once, with the checks it holds up, most checks first. A reason of one check is its own."""
    groups: dict[str, list[str]] = {}
    for result in results:
        if result.status in (Status.ERROR, Status.SKIP) and result.reason:
            groups.setdefault(result.reason, []).append(result.id)
    shared = [(reason, ids) for reason, ids in groups.items() if len(ids) > 1]
    shared.sort(key=lambda item: -len(item[1]))
    return [{"reason": reason, "checks": ids} for reason, ids in shared]


def notices(results: Sequence[Result], texts: Texts) -> list[str]:
    """What the operator must read before the checks: the retired classic architecture."""
    return [texts.get("notices", key) for key in notice_keys(list(results))]


def build(
    checks: Sequence[Check],
    results: Sequence[Result],
    texts: Texts,
    configured_architecture: str = "auto",
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
    return report


def blockers(summary: dict[str, int]) -> int:
    """What stands between the site and a reprotect: failures, undetermined checks, open confirmations."""
    return summary["fail"] + summary["error"] + summary["manual"]


def verdict(summary: dict[str, int], texts: Texts, not_run: int = 0) -> str:
    """Ready or not, with the blockers counted. Checks not run are never counted as ready."""
    count = blockers(summary)
    key = "report.not-ready" if count else ("report.ready-partial" if not_run else "report.ready")
    return texts.ui(key, blockers=count, not_run=not_run, **summary)


def text_lines(report: dict[str, Any], texts: Texts, config: str = "", not_run: int = 0) -> list[str]:
    """The report for a terminal: the verdict, each shared cause once, then one line per check with
    the status words of the JSON report, what to do under each problem, and the fix-it that does it."""
    s = report["summary"]
    lines = [verdict(s, texts, not_run)]
    for notice in report.get("notices", ()):
        lines.append(f"! {notice}")
    cause_of: dict[str, int] = {}
    for number, cause in enumerate(report.get("causes", ()), 1):
        lines.append(texts.ui("report.cause", number=number, count=len(cause["checks"]), reason=cause["reason"]))
        cause_of.update({cid: number for cid in cause["checks"]})
    config_arg = f" --config {config}" if config else ""
    for item in report["checks"]:
        summary = item["summary"]
        if item["id"] in cause_of:
            summary = texts.ui("report.see-cause", number=cause_of[item["id"]])
        lines.append(f"{item['status']:<6} {item['id']:<24} {summary}")
        if item["remedy"]:
            lines.append(f"       -> {item['remedy']}")
        if item["fixes"] and item["status"] in ("fail", "warn"):
            for fix_id in item["fixes"]:
                lines.append(f"       fix: failback-prep fix {fix_id}{config_arg}")
    lines.append(texts.ui("report.totals", **s))
    return lines
