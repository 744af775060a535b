"""`failback-prep reprotect --vm NAME...`: the pre-flight (every check), refused when something fails unless
--force; the exact request of each VM shown with where each value came from; the VMs' names typed (or
--yes); each reprotect started once, its job followed task by task, then the replication back followed
until the VMs are protected again. Every step is in the transcript: who started what, when, with which
request and job. `--resume` follows the jobs a stopped run had started, and never starts another."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checks import catalog, report
from checks.model import FixError, Settings, SourceUnavailable, Status
from checks.texts import Texts
from control.records import run_checks
from control.transcript import default_dir, read, resolve
from tui.errors import UsageError
from tui.headless import open_sources, open_transcript, operator

FOLLOW_LIMIT_S = 6 * 3600  # how long the replication back is followed before handing over to --resume


def _started(directory: Path, ident: str, command: str) -> list[dict[str, Any]]:
    """The operations a stopped run had started and not seen end (its transcript)."""
    entry = resolve(directory, ident, command=command)
    started: dict[str, dict[str, Any]] = {}
    for event in read(entry.path):
        if event.get("type") == "operation.started" and event.get("job"):
            started[str(event["job"])] = event
        elif event.get("type") == "operation.ended":
            started.pop(str(event.get("job")), None)
    return list(started.values())


def reprotect_command(settings: Settings, vms: Sequence[str], yes: bool, dry_run: bool, force: bool, fmt: str,
                      resume: str | None, transcript_dir: str | None, texts: Texts, kind: str = "reprotect",
                      point: str = "latest") -> int:
    """The reprotect (kind "reprotect", after the pre-flight), the failback's failover ("failover", at the
    recovery point chosen) or its commit ("commit"): each refused when the vault does not offer it."""
    from checks.azure.operations import Request, commit_requests, failover_requests, reprotect_requests

    command = {"reprotect": "reprotect", "failover": "failback", "commit": "commit"}[kind]
    if not vms and not resume:
        raise UsageError(f"{command}: name the VMs with --vm NAME (one or more), or --resume latest")
    unknown = [vm for vm in vms if vm not in settings.site.failback_vms]
    if unknown:
        raise UsageError(f"{command}: {', '.join(unknown)} not in [site] failback_vms "
                         f"({', '.join(settings.site.failback_vms) or 'none'}); the checks vouch for those only")
    follow = _started(Path(transcript_dir) if transcript_dir else default_dir(), resume, command) if resume else []
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, command, texts.lang, settings)
    out = sys.stdout
    try:
        if follow:
            requests = [Request(**{k: v for k, v in e["request"].items() if k != "model"}) for e in follow]
            kind = requests[0].kind if requests else kind
            jobs = {e["vm"]: str(e["job"]) for e in follow}
            out.write(texts.ui("reprotect.resuming", jobs=", ".join(f"{vm}: {job}" for vm, job in jobs.items())) + "\n")
            for e in follow:
                transcript.write("note", text=f"reprotect of {e['vm']}: following job {e['job']} started by "
                                              f"{e.get('operator')} at {e.get('ts')}")
            return _follow(sources, transcript, texts, requests, jobs, kind)
        if resume:
            out.write(texts.ui("reprotect.nothing-to-resume") + "\n")
            return report.EXIT_OK
        failing: list[str] = []
        if kind == "reprotect":  # the pre-flight is the reprotect's; the later stages are gated by the vault
            checks = catalog.all_checks()
            results = run_checks(checks, sources, transcript.write, texts)
            failing = [r.id for r in results if r.status == Status.FAIL]
            out.write(report.say_verdict(report.readiness(results), texts, report.counts(results)) + "\n")
            if failing and not force:
                transcript.write("note", text=f"reprotect refused: failing checks {', '.join(failing)}")
                out.write(texts.ui("reprotect.refused", checks=", ".join(failing)) + "\n")
                return report.EXIT_FAILED
        try:
            if kind == "failover":
                requests = failover_requests(sources, list(vms), point)
            elif kind == "commit":
                requests = commit_requests(sources, list(vms))
            else:
                requests = reprotect_requests(sources, list(vms))
        except (FixError, SourceUnavailable) as exc:
            from checks.runner import failure_reason

            out.write(texts.ui("reprotect.cannot", reason=failure_reason(exc, texts)) + "\n")
            return report.EXIT_USAGE
        _show(requests, texts, fmt, out, forced=failing)
        if dry_run:
            if fmt != "json":
                out.write(texts.ui("fix.dry-run") + "\n")
            transcript.write("note", text=f"{command}: dry run, nothing sent")
            return report.EXIT_OK
        if not yes and not _agreed([r.vm for r in requests], texts, kind):
            transcript.write("note", text=f"{command}: declined by the operator")
            out.write(texts.ui("fix.declined") + "\n")
            return report.EXIT_OK
        jobs = _start(sources, transcript, texts, requests, forced=failing)
        if not jobs:
            return report.EXIT_UNDETERMINED
        return _follow(sources, transcript, texts, [r for r in requests if r.vm in jobs], jobs, kind)
    finally:
        sources.close()
        transcript.close()


def _show(requests: Sequence[Any], texts: Texts, fmt: str, out: Any, forced: Sequence[str]) -> None:
    if fmt == "json":
        out.write(json.dumps({"reprotect": [r.to_json() for r in requests], "forced_over": list(forced)},
                             ensure_ascii=False, indent=2) + "\n")
        return
    if forced:
        out.write(texts.ui("reprotect.forced", checks=", ".join(forced)) + "\n")
    for request in requests:
        out.write(texts.ui(f"{request.kind}.request-head", vm=request.vm, item=request.item, model=request.model) + "\n")
        for choice in request.choices:
            out.write(f"    {choice['field']:<20} {choice['value']}  ({choice['from']})\n")
        out.write("    " + json.dumps(request.body, ensure_ascii=False) + "\n")
    out.flush()


def _agreed(vms: Sequence[str], texts: Texts, kind: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("this asks before starting anything; run it in a terminal or pass --yes")
    sys.stderr.write(texts.ui(f"{kind}.type-names", vms=" ".join(vms)) + " ")
    sys.stderr.flush()
    typed = set(sys.stdin.readline().replace(",", " ").split())
    return set(vms) <= typed


def _start(sources: Any, transcript: Any, texts: Texts, requests: Sequence[Any], forced: Sequence[str]) -> dict[str, str]:
    from checks.azure.operations import start_reprotect
    from checks.runner import failure_reason

    azure = sources.source("azure.client")
    jobs: dict[str, str] = {}
    for request in requests:
        try:
            job = start_reprotect(azure, request)
        except Exception as exc:
            reason = sources.redact(failure_reason(exc, texts))
            transcript.write("operation.failed", operation=request.kind, vm=request.vm, reason=reason)
            sys.stdout.write(texts.ui("reprotect.start-failed", vm=request.vm, reason=reason) + "\n")
            continue
        jobs[request.vm] = job
        transcript.write("operation.started", operation=request.kind, vm=request.vm, job=job, operator=operator(),
                         request=request.to_json(), forced_over=list(forced))
        sys.stdout.write(texts.ui(f"{request.kind}.started", vm=request.vm, job=job) + "\n")
        sys.stdout.flush()
    return jobs


def _follow(sources: Any, transcript: Any, texts: Texts, requests: Sequence[Any], jobs: Mapping[str, str],
            kind: str = "reprotect") -> int:
    """Each job to its end, task by task; then the replication back until protected. Ctrl-C stops
    following only (the jobs go on in Azure; --resume follows them again)."""
    from checks.azure.operations import follow_job, job_tasks, protected_back, replication

    azure = sources.source("azure.client")
    out = sys.stdout
    stop = threading.Event()
    failed = False
    succeeded: list[Any] = []
    try:
        for request in requests:
            job = jobs[request.vm]

            def changed(data: Mapping[str, Any], tasks: Sequence[Any], vm: str = request.vm, job: str = job) -> None:
                state = str(data.get("properties", {}).get("state") or "?")
                transcript.write("operation.task", operation=kind, vm=vm, job=job, state=state,
                                 tasks=[{"task": t.name, "state": t.state, "errors": t.errors} for t in tasks])
                line = "; ".join(f"{t.name}: {t.state}" for t in tasks)
                out.write(texts.ui("reprotect.job", vm=vm, job=job, state=state, tasks=line) + "\n")
                out.flush()

            data = follow_job(azure, job, changed, stop)
            state = str(data.get("properties", {}).get("state") or "?")
            errors = [e for t in job_tasks(data) for e in t.errors]
            transcript.write("operation.ended", operation=kind, vm=request.vm, job=job, state=state,
                             errors=errors)
            if state.lower() != "succeeded":
                failed = True
                out.write(texts.ui("reprotect.job-failed", vm=request.vm, job=job, state=state,
                                   errors="; ".join(errors) or "-") + "\n")
            else:
                succeeded.append(request)
        waiting = list(succeeded) if kind == "reprotect" else []  # the replication back follows a reprotect
        deadline = time.monotonic() + FOLLOW_LIMIT_S
        last: dict[str, Any] = {}
        while waiting:
            for request in list(waiting):
                now = replication(azure, request)
                if now != last.get(request.vm):
                    last[request.vm] = now
                    transcript.write("operation.state", operation=kind, vm=request.vm, **now)
                    out.write(texts.ui("reprotect.replicating", vm=request.vm, state=now["protection_state"] or "?",
                                       progress="-" if now["progress"] is None else f"{now['progress']}%",
                                       rpo="-" if now["rpo_s"] is None else f"{now['rpo_s']} s") + "\n")
                    out.flush()
                if protected_back(now):
                    waiting.remove(request)
            if waiting and (stop.wait(1.0) or time.monotonic() > deadline):
                break
        if waiting:
            out.write(texts.ui("reprotect.still-replicating", vms=", ".join(r.vm for r in waiting)) + "\n")
            return report.EXIT_FAILED if failed else report.EXIT_UNDETERMINED
    except KeyboardInterrupt:
        transcript.write("note", text="reprotect: stopped following; the jobs go on in Azure")
        out.write(texts.ui("reprotect.stopped") + "\n")
        return report.EXIT_UNDETERMINED
    if succeeded:
        out.write(texts.ui(f"{kind}.done", vms=", ".join(r.vm for r in succeeded)) + "\n")
    return report.EXIT_FAILED if failed else report.EXIT_OK
