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
    remedy = texts.check_remedy(check.id) if result.status in (Status.FAIL, Status.WARN, Status.MANUAL) else ""
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
    return report


_MARK = {
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.WARN: "WARN",
    Status.ERROR: "ERROR",
    Status.SKIP: "SKIP",
    Status.MANUAL: "TODO",
}


def text_lines(report: dict[str, Any], texts: Texts) -> list[str]:
    """The report for a terminal: one line per check, remedies indented under problems."""
    lines: list[str] = []
    for notice in report.get("notices", ()):
        lines.append(f"! {notice}")
    for item in report["checks"]:
        mark = _MARK[Status(item["status"])]
        lines.append(f"{mark:<5} {item['id']:<24} {item['summary']}")
        if item["remedy"]:
            lines.append(f"      -> {item['remedy']}")
        if item["fixes"] and item["status"] in ("fail", "warn"):
            lines.append("      " + texts.ui("report.fix-hint", fixes=", ".join(item["fixes"])))
    s = report["summary"]
    lines.append(texts.ui("report.totals", **s))
    return lines
