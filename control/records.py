"""What the wizard and the headless commands both write to a session: results and fix-its, the same
fields from either (CONTRACT: check.result, fix.preview, fix.applied)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checks.model import Said, plain
from checks.runner import Runner
from checks.sources import Sources
from checks.spec import Applied, Check, Plan, Result
from checks.texts import Texts


def result_event(check: Check, result: Result, texts: Texts) -> dict[str, Any]:
    return {
        **result.to_json(),
        "component": str(check.component),
        "title": texts.check_title(check.id),
        "summary": texts.summary(result),
    }


def run_checks(
    checks: Sequence[Check],
    sources: Sources,
    record: Callable[..., object],
    texts: Texts,
    after: Callable[[Result], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[Result]:
    """Run checks, recording each result as it arrives (a transcript headless, the session in the wizard)."""
    by_id = {c.id: c for c in checks}

    def on_result(result: Result) -> None:
        record("check.result", **result_event(by_id[result.id], result, texts))
        if after is not None:
            after(result)

    return Runner(checks, sources).run(on_result=on_result, cancel=cancel)


def record_preview(record: Callable[..., Any], plan: Plan, params: Mapping[str, Any], texts: Texts) -> None:
    """The fix.preview event (CONTRACT): the same fields from the CLI and the wizard, the changes worded
    in the session's language."""
    record("fix.preview", fix=plan.fix_id, target=plan.target, changes=[texts.say(c) for c in plan.changes],
           request=plan.request, params=dict(params))


def record_progress(record: Callable[..., Any], fix_id: str, said: Said, texts: Texts) -> None:
    """The fix.progress event: a step of a fix-it being applied, with its values (an operation it
    started, with its target, is followed again on resume: control.session.State.started)."""
    record("fix.progress", fix=fix_id, key=said.key, params=plain(dict(said.params)), text=texts.say(said))


def record_applied(record: Callable[..., Any], plan: Plan, applied: Applied, operator: str, texts: Texts) -> None:
    """The fix.applied event (CONTRACT): the same fields from the CLI and the wizard."""
    extra = {"evidence": dict(applied.evidence)} if applied.evidence else {}
    record("fix.applied", fix=plan.fix_id, target=plan.target, task=applied.task, detail=texts.say(applied.detail),
           operator=operator, **extra)
