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
from checks.model import FixError, Said, Settings, plain
from checks.runner import failure_reason
from checks.sources import Sources
from checks.spec import Applied, Check, Fix, Plan, Result
from checks.texts import Texts
from control import credentials
from control.records import record_applied, record_preview, run_checks
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
    except catalog.UnknownName as exc:
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
) -> int:
    try:
        fix = catalog.fix(fix_id)
    except catalog.UnknownName as exc:
        raise UsageError(str(exc)) from None
    params = {**parse_params(fix, raw_params, texts), **(given or {})}
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, command, texts.lang, settings)
    err = sys.stderr

    def progress(said: Said) -> None:
        # Every step is recorded, with its values (an operation to follow again after a restart).
        transcript.write("fix.progress", fix=fix.id, key=said.key, params=plain(dict(said.params)),
                         text=texts.say(said))
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
            out.write(texts.ui("fix.preview-head", fix=fix.id, title=texts.fix_title(fix.id), target=plan.target) + "\n")
            for line in [texts.say(c) for c in plan.changes] or [texts.ui("fix.nothing-to-do")]:
                out.write(f"  {line}\n")
            out.flush()
        if dry_run:
            transcript.write("note", text=f"{fix.id}: dry run, nothing sent")
            if fmt != "json":
                out.write(texts.ui("fix.dry-run") + "\n")
            return report.EXIT_OK
        if not plan.nothing_to_do:
            if not yes and not _ask(texts.ui("fix.confirm", target=plan.target)):
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
        transcript.write("session.end", exit_code=code, summary=data["summary"])
        return code
    finally:
        sources.close()
        transcript.close()


PROBE_FIX = "net.probe-inside"


def started_probes(directory: Path, ident: str) -> dict[str, str]:
    """The Run Command operations a probe session started and never saw end (it was killed, the line
    dropped): {VM: operation}, to be followed again rather than sent twice."""
    from control.transcript import NotFound, entries, read, resolve

    if ident == "latest":
        found = [e for e in entries(directory) if e.command == "probe"]
        if not found:
            raise NotFound(f"no saved probe runs in {directory}; run `failback-prep probe` first")
        entry = found[-1]
    else:
        entry = resolve(directory, ident)
    sent: dict[str, str] = {}
    for event in read(entry.path):
        if event.get("type") == "fix.progress" and str(event.get("key", "")).endswith(":progress-sent"):
            params = event.get("params") or {}
            sent[str(params.get("vm"))] = str(params.get("operation"))
        elif event.get("type") == "fix.applied" and event.get("fix") == PROBE_FIX:
            return {}  # that run ended: its results are in
    return sent


def probe_command(settings: Settings, yes: bool, dry_run: bool, fmt: str, resume: str | None,
                  transcript_dir: str | None, texts: Texts) -> int:
    """`failback-prep probe`: the links that start in Azure, tested inside the VMs (Run Command),
    shown first (the exact script and the VMs), asked, run, then net.ports and ps.reachable again."""
    given: dict[str, Any] = {}
    if resume:
        follow = started_probes(Path(transcript_dir) if transcript_dir else default_dir(), resume)
        if follow:
            given["follow"] = follow
    return fix_command(settings, PROBE_FIX, (), yes, dry_run, fmt, transcript_dir, texts, given=given,
                       command="probe")
