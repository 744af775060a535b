"""`failback-prep fix --all`: the checks run, then one plan of every fix-it that mends what they found,
in a safe order, one confirmation (the destructive targets' names typed once, together), applied in
order until the first failure, and the checks they mend run again."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from checks import catalog, report
from checks.model import Said, Settings
from checks.texts import Texts
from control.fixall import FixAllPlan, apply_all, applicable, plan_all
from control.records import run_checks
from tui.errors import UsageError
from control.transcript import operator
from tui.headless import open_sources, open_transcript, print_report


def parse_all_params(raw: Sequence[str]) -> dict[str, dict[str, str]]:
    """--param FIX_ID:NAME=VALUE (a parameter of one fix-it of the plan)."""
    fixes = catalog.all_fixes()
    out: dict[str, dict[str, str]] = {}
    for item in raw:
        target, sep, text = item.partition("=")
        fix_id, colon, name = target.strip().rpartition(":")
        if not sep or not colon or not fix_id or not name:
            raise UsageError(f"--param {item!r}: with --all write it as FIX_ID:NAME=VALUE, "
                             "for example mt.add-retention-disk:size_gb=200")
        if fix_id not in fixes:
            raise UsageError(f"--param {item!r}: no fix-it {fix_id!r} (see failback-prep fix --help)")
        if name not in {p.name for p in fixes[fix_id].params}:
            takes = ", ".join(p.name for p in fixes[fix_id].params) or "none"
            raise UsageError(f"--param {item!r}: {fix_id} takes no such parameter (it takes: {takes})")
        out.setdefault(fix_id, {})[name] = text
    return out


def _print_plan(plan: FixAllPlan, texts: Texts, out: Any) -> None:
    if not plan.steps:
        out.write(texts.ui("fixall.nothing") + "\n")
        return
    out.write(texts.ui("fixall.head", count=len(plan.to_apply)) + "\n")
    number = 0
    for step in plan.steps:
        title = texts.fix_title(step.fix.id)
        if step.problem:
            out.write(f"  -  {step.fix.id} ({title}): {texts.ui('fixall.left-out', reason=step.problem)}\n")
            continue
        assert step.plan is not None
        if step.plan.nothing_to_do:
            out.write(f"  -  {step.fix.id} ({title}): {texts.ui('fix.nothing-to-do')}\n")
            continue
        number += 1
        mark = "  " + texts.ui("fixall.destructive") if step.fix.destructive else ""
        out.write(f"  {number}. {step.fix.id} ({title}) -> {step.plan.target}{mark}\n")
        for change in step.plan.changes:
            out.write(f"       {texts.say(change)}\n")
    out.flush()


def _agreed(plan: FixAllPlan, texts: Texts) -> bool:
    names = plan.names_to_type()
    if not sys.stdin.isatty():
        raise UsageError("fix --all asks before changing anything; run it in a terminal or pass --yes")
    if names:
        sys.stderr.write(texts.ui("fixall.type-names", names=" ".join(names)) + " ")
    else:
        sys.stderr.write(texts.ui("fixall.confirm", count=len(plan.to_apply)) + " [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return plan.confirmed(answer) if names else answer.strip().lower() in ("y", "yes")


def fix_all_command(settings: Settings, raw_params: Sequence[str], yes: bool, dry_run: bool, fmt: str,
                    transcript_dir: str | None, texts: Texts) -> int:
    params: Mapping[str, Mapping[str, str]] = parse_all_params(raw_params)
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, "fix --all", texts.lang, settings)
    out, err = sys.stdout, sys.stderr
    try:
        checks = catalog.all_checks()
        results = run_checks(checks, sources, transcript.write, texts)
        by_id = {r.id: r for r in results}
        fixes = [catalog.fix(fix_id) for fix_id in applicable(checks, by_id)]
        plan = plan_all(fixes, sources, params, texts, transcript.write)
        if fmt != "json":  # what the checks found first: a plan of nothing may mean they could not look
            out.write(report.say_verdict(report.readiness(results), texts, report.counts(results)) + "\n")
        if fmt == "json" and dry_run:
            out.write(json.dumps({"fixes": plan.to_json(texts), "names_to_type": plan.names_to_type()},
                                 ensure_ascii=False, indent=2) + "\n")
        else:
            _print_plan(plan, texts, out)
        if dry_run:
            transcript.write("note", text="fix --all: dry run, nothing sent")
            if fmt != "json":
                out.write(texts.ui("fix.dry-run") + "\n")
            return report.EXIT_OK
        if not plan.to_apply:
            transcript.write("session.end", exit_code=report.exit_code(results))
            return report.exit_code(results)
        if not yes and not _agreed(plan, texts):
            transcript.write("note", text="fix --all: declined by the operator")
            out.write(texts.ui("fix.declined") + "\n")
            return report.EXIT_OK

        def progress(fix_id: str, said: Said) -> None:
            err.write(f"  {fix_id}: {texts.say(said)}\n")
            err.flush()

        outcome = apply_all(plan, sources, texts, transcript.write, operator(), progress)
        for fix_id, applied in outcome.applied:
            out.write(texts.ui("fixall.applied", fix=fix_id, task=applied.task or "-") + "\n")
            if applied.detail:
                out.write(f"  {texts.say(applied.detail)}\n")
        if outcome.failed:
            fix_id, reason = outcome.failed
            out.write(texts.ui("fixall.failed", fix=fix_id, reason=reason) + "\n")
            out.write(texts.ui("fixall.not-applied", fixes=", ".join(outcome.not_applied) or "-") + "\n")
        rechecks = [c for c in checks if c.id in outcome.rechecks]
        again = run_checks(rechecks, sources, transcript.write, texts)
        data = report.build(rechecks, again, texts, settings.site.architecture)
        out.write(texts.ui("fix.rechecks") + "\n")
        print_report(data, "text", texts, out, settings.source, verdict=False)
        code = report.exit_code(again)
        if outcome.failed and code == report.EXIT_OK:
            code = report.EXIT_UNDETERMINED
        transcript.write("session.end", exit_code=code, summary=data["summary"],
                         applied=[f for f, _ in outcome.applied], failed=outcome.failed[0] if outcome.failed else None,
                         not_applied=outcome.not_applied)
        return code
    finally:
        sources.close()
        transcript.close()
