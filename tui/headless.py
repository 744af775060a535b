"""`check` and `fix` without a screen: for runbooks, automation and pipes.

stdout carries the report (text or JSON); everything meant for a person who is
watching (progress, device codes, warnings, errors) goes to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from checks import catalog, report
from checks.model import FixError, Said, Settings, UnknownName
from checks.runner import failure_reason
from checks.sources import Sources
from checks.spec import Applied, Check, Fix, Plan, Result
from checks.texts import Texts
from control import credentials
from control.records import record_applied, record_preview, record_progress, run_checks
from tui import __version__
from tui.errors import UsageError
from control.transcript import Transcript, default_dir, operator


def open_sources(settings: Settings, texts: Texts, lookup: credentials.Lookup | None = None) -> Sources:
    sources = Sources(catalog.all_sources(), settings, lookup or credentials.Lookup(settings))
    sources.tell = lambda said: print(texts.say(said), file=sys.stderr, flush=True)
    return sources


def open_transcript(sources: Sources, directory: str | None, command: str, lang: str, settings: Settings) -> Transcript:
    folder = Path(directory) if directory else default_dir()
    try:
        transcript = Transcript(folder, redact=sources.redact)
    except OSError as exc:
        raise UsageError(f"cannot write the transcript in {folder} ({exc.strerror}); pass --transcript-dir") from None
    transcript.write(
        "session.start",
        command=command,
        config=settings.source,
        lang=lang,
        operator=operator(),
        version=__version__,
    )
    return transcript




def print_report(data: dict[str, Any], fmt: str, texts: Texts, out: TextIO, config: str = "",
                 verdict: bool = True) -> None:
    if fmt == "json":
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write("\n".join(report.text_lines(data, texts, config, verdict=verdict)) + "\n")
    out.flush()


def check_command(settings: Settings, only: str | None, fmt: str, transcript_dir: str | None, texts: Texts) -> int:
    try:
        checks = catalog.select(only)
    except UnknownName as exc:
        raise UsageError(f"--only: {exc}") from None
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, "check", texts.lang, settings)
    try:
        results = run_checks(checks, sources, transcript.write, texts)
        data = report.build(checks, results, texts, settings.site.architecture,
                            not_run=len(catalog.all_checks()) - len(checks))
        code = report.exit_code(results)
        transcript.write("session.end", exit_code=code, summary=data["summary"])
        # Before closing: logging out of a vCenter that stopped answering takes its full timeout.
        print_report(data, fmt, texts, sys.stdout, settings.source)
    finally:
        sources.close()
        transcript.close()
    return code


# --- fix ----------------------------------------------------------------------


def parse_params(fix: Fix, raw: Sequence[str], texts: Texts) -> dict[str, Any]:
    """--param NAME=VALUE, read as the wizard reads its fields (control.fixits.read_values)."""
    from control.fixits import read_values

    known = {p.name: p for p in fix.params}
    typed: dict[str, str] = {}
    for item in raw:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--param {item!r}: write it as NAME=VALUE")
        if name not in known:
            names = ", ".join(known) or "none"
            raise UsageError(f"--param {name}: {fix.id} takes no such parameter (it takes: {names})")
        if not text.strip():
            raise UsageError(texts.ui("fix.param-needed", name=name, value=""))
        typed[name] = text
    values, problem = read_values(fix, typed)
    if problem is not None:
        name, kind, text = problem
        param = known[name]
        raise UsageError(texts.ui(f"fix.param-{kind}", name=name, value=text, minimum=param.minimum,
                                  maximum=param.maximum))
    return values


def _agreed(fix: Fix, plan: Plan, texts: Texts) -> bool:
    """The operator's yes; for a destructive fix-it, the target's name typed (as the wizard asks it)."""
    from control.fixits import confirmed, name_to_type

    if not fix.destructive:
        return _ask(texts.ui("fix.confirm", target=plan.target))
    if not sys.stdin.isatty():
        raise UsageError("this fix-it cannot be undone and needs its target's name typed; run it in a terminal "
                         "or pass --yes")
    sys.stderr.write(texts.ui("fix.type-name", target=name_to_type(plan)) + " ")
    sys.stderr.flush()
    return confirmed(fix, plan, sys.stdin.readline())


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("this fix-it needs a yes before it changes anything; run it in a terminal or pass --yes")
    sys.stderr.write(question + " [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes", "是", "好")




def _report_failure(
    exc: Exception, stage: str, fix: Fix, sources: Sources, transcript: Transcript, texts: Texts, **context: str
) -> None:
    """A plan or apply that stopped: recorded, and said in one line on stderr.

    A FixError is already worded for the operator; anything else is framed by the
    stage's text, which for apply says the outcome is unknown.
    """
    reason = sources.redact(failure_reason(exc, texts))
    if not isinstance(exc, FixError):
        logging.getLogger("failback_prep").debug("%s of %s raised", stage, fix.id, exc_info=True)
        shown = texts.ui(f"fix.{stage}-failed", reason=reason)
    else:
        shown = reason
    transcript.write("fix.failed", fix=fix.id, stage=stage, reason=reason, **context)
    sys.stderr.write(f"{fix.id}: {shown}\n")


def fix_command(
    settings: Settings,
    fix_id: str,
    raw_params: Sequence[str],
    yes: bool,
    dry_run: bool,
    fmt: str,
    transcript_dir: str | None,
    texts: Texts,
    *,
    given: Mapping[str, Any] | None = None,
    command: str = "fix",
    undetermined: Callable[[Applied], bool] = lambda applied: False,
) -> int:
    """One fix-it: the exact change, a yes (a destructive one: its target's name typed), then applied,
    followed and recorded, and the checks it mends run again. `undetermined` says when what was applied
    left something untested (exit 3 unless a check failed)."""
    try:
        fix = catalog.fix(fix_id)
    except UnknownName as exc:
        raise UsageError(str(exc)) from None
    params = {**parse_params(fix, raw_params, texts), **(given or {})}
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, command, texts.lang, settings)
    err = sys.stderr

    def progress(said: Said) -> None:
        record_progress(transcript.write, fix.id, said, texts)
        err.write(f"  {texts.say(said)}\n")
        err.flush()

    try:
        try:
            plan = fix.plan(sources, params)
        except Exception as exc:
            _report_failure(exc, "plan", fix, sources, transcript, texts)
            return report.EXIT_USAGE if isinstance(exc, FixError) and exc.config else report.EXIT_UNDETERMINED
        record_preview(transcript.write, plan, params, texts)
        out = sys.stdout
        if fmt == "json" and dry_run:
            out.write(json.dumps({"fix": fix.id, "target": plan.target, "changes": [texts.say(c) for c in plan.changes],
                                  "request": plan.request, "target_name": plan.target_name or plan.target},
                                 ensure_ascii=False, indent=2) + "\n")
        else:
            head = {"fix": fix.id, "title": texts.fix_title(fix.id), "target": plan.target}
            own = texts.fix_text(fix.id, "preview-head", **head)  # a fix-it that changes nothing words it its way
            out.write((own if own != "preview-head" else texts.ui("fix.preview-head", **head)) + "\n")
            for line in [texts.say(c) for c in plan.changes] or [texts.ui("fix.nothing-to-do")]:
                out.write(f"  {line}\n")
            out.flush()
        if dry_run:
            transcript.write("note", text=f"{fix.id}: dry run, nothing sent")
            if fmt != "json":
                out.write(texts.ui("fix.dry-run") + "\n")
            return report.EXIT_OK
        applied: Applied | None = None
        if not plan.nothing_to_do:
            if not yes and not _agreed(fix, plan, texts):
                transcript.write("note", text=f"{fix.id}: declined by the operator")
                out.write(texts.ui("fix.declined") + "\n")
                return report.EXIT_OK
            try:
                applied = fix.apply(sources, plan, progress)
            except Exception as exc:
                _report_failure(exc, "apply", fix, sources, transcript, texts, target=plan.target)
                return report.EXIT_UNDETERMINED
            record_applied(transcript.write, plan, applied, operator(), texts)
            out.write(texts.ui("fix.applied", target=plan.target, task=applied.task or "-") + "\n")
            if applied.detail:  # what is left to do (power the VM off and on, format the disk)
                out.write(f"  {texts.say(applied.detail)}\n")
        rechecks = [c for c in catalog.all_checks() if c.id in fix.rechecks]
        results = run_checks(rechecks, sources, transcript.write, texts)
        data = report.build(rechecks, results, texts, settings.site.architecture)
        out.write(texts.ui("fix.rechecks") + "\n")
        # The checks this fix-it mends, not the site: no verdict (`check` gives that).
        print_report(data, "text", texts, out, settings.source, verdict=False)
        code = report.exit_code(results)
        if code == report.EXIT_OK and applied is not None and undetermined(applied):
            code = report.EXIT_UNDETERMINED
        transcript.write("session.end", exit_code=code, summary=data["summary"])
        return code
    finally:
        sources.close()
        transcript.close()


def started_probes(directory: Path, ident: str) -> dict[str, Any]:
    """The Run Command operations a probe run started and never saw end (killed, the line dropped, or
    only stopped being followed): {VM: operation}, followed again rather than sent twice. `latest`
    is the newest probe run that left any."""
    from control.session import replay
    from control.transcript import NotFound, entries, read, resolve

    fix_id = inside_fix_id()
    if ident != "latest":
        return dict(replay(read(resolve(directory, ident).path)).started.get(fix_id, {}))
    runs = [e for e in entries(directory) if e.command == "probe"]
    if not runs:
        raise NotFound(f"no saved probe runs in {directory}; run `failback-prep probe` first")
    for entry in reversed(runs):
        started = replay(read(entry.path)).started.get(fix_id, {})
        if started:
            return dict(started)
    return {}


def inside_fix_id() -> str:
    from checks.network.inside import FIX_ID

    return FIX_ID


def probe_command(settings: Settings, yes: bool, dry_run: bool, fmt: str, resume: str | None,
                  transcript_dir: str | None, texts: Texts) -> int:
    """`failback-prep probe`: the links that start in Azure, tested inside the VMs (Run Command),
    shown first (the exact script and the VMs), asked, run, then net.ports and ps.reachable again.
    Exit 3 when a VM tested nothing (denied, deallocated, no answer) and no check failed."""
    given: dict[str, Any] = {}
    if resume:
        follow = started_probes(Path(transcript_dir) if transcript_dir else default_dir(), resume)
        if follow:
            given["follow"] = follow

    def untested(applied: Applied) -> bool:
        evidence = applied.evidence
        return any(o.get("state") != "done" for o in evidence.get("outcomes", ())) or bool(evidence.get("untestable"))

    return fix_command(settings, inside_fix_id(), (), yes, dry_run, fmt, transcript_dir, texts, given=given,
                       command="probe", undetermined=untested)
