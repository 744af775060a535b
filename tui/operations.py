"""The operations home on the command line: `reprotect` (after the pre-flight, refused when a check fails
unless --force), `failback` (the failover from Azure, at the recovery point chosen) and `commit`, each
refused with the vault's reason until it offers it. The exact request of each VM is shown with where each
value came from; the VMs' names are typed (or --yes); then control.operations.run_operations starts each
once and follows it, as the wizard does, and this module prints what it says. `--resume` follows the jobs
a stopped run had started (its transcript's operation.* events) and never sends anything."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checks import catalog, report
from checks.model import FixError, Settings, SourceUnavailable, Status
from checks.texts import Texts
from control.records import run_checks
from control.transcript import default_dir, operator, read, resolve
from tui.errors import UsageError
from tui.headless import open_sources, open_transcript

COMMANDS = {"reprotect": "reprotect", "failover": "failback", "commit": "commit", "protect": "protect"}


def unfinished(directory: Path, ident: str, command: str) -> list[dict[str, Any]]:
    """The operations a stopped run had started and not seen through: a job not ended, or a reprotect
    whose replication back was not yet protected (its transcript's operation.* events)."""
    entry = resolve(directory, ident, command=command)
    started: dict[str, dict[str, Any]] = {}
    for event in read(entry.path):
        vm = str(event.get("vm", ""))
        kind = event.get("type")
        if kind == "operation.requested":  # sent (or about to be): its job is looked for if none was recorded
            started[vm] = event
        elif kind == "operation.failed":
            started.pop(vm, None)
        elif kind == "operation.started" and event.get("job"):
            started[vm] = event
        elif kind == "operation.ended" and vm in started:
            if str(event.get("state", "")).lower() != "succeeded" or event.get("operation") != "reprotect":
                started.pop(vm)
        elif kind == "operation.state" and event.get("protected"):
            started.pop(vm, None)
    return list(started.values())


def _recorded_at(event: Mapping[str, Any]) -> Any:
    """When an event was written, less two minutes (the service's clock may differ a little)."""
    import datetime as dt

    stamp = str(event.get("ts") or "").replace("Z", "+00:00")
    try:
        return dt.datetime.fromisoformat(stamp) - dt.timedelta(minutes=2)
    except ValueError:
        return dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)


class Printer:
    """control.operations.OperationReply on a terminal: one line per change."""

    def __init__(self, texts: Texts, out: Any) -> None:
        self.texts, self.out = texts, out

    def say(self, key: str, **params: Any) -> None:
        self.out.write(self.texts.ui(key, **params) + "\n")
        self.out.flush()

    def started(self, vm: str, job: str, kind: str) -> None:
        self.say(f"{kind}.started", vm=vm, job=job)

    def start_failed(self, vm: str, reason: str) -> None:
        self.say("reprotect.start-failed", vm=vm, reason=reason)

    def job(self, vm: str, job: str, state: str, tasks: Sequence[Any]) -> None:
        self.say("reprotect.job", vm=vm, job=job, state=state, tasks="; ".join(f"{t.name}: {t.state}" for t in tasks))

    def job_ended(self, vm: str, job: str, state: str, errors: Sequence[str]) -> None:
        if state.lower() != "succeeded":
            self.say("reprotect.job-failed", vm=vm, job=job, state=state, errors="; ".join(errors) or "-")

    def replicating(self, vm: str, state: Mapping[str, Any]) -> None:
        self.say("reprotect.replicating", vm=vm, state=state["protection_state"] or "?",
                 progress="-" if state["progress"] is None else f"{state['progress']}%",
                 rpo="-" if state["rpo_s"] is None else f"{state['rpo_s']} s")


def operation_command(settings: Settings, vms: Sequence[str], yes: bool, dry_run: bool, force: bool, fmt: str,
                      resume: str | None, transcript_dir: str | None, texts: Texts, kind: str = "reprotect",
                      point: str = "latest") -> int:
    from checks.azure.operations import (
        Request,
        commit_requests,
        failover_requests,
        protect_requests,
        reprotect_requests,
    )
    from control.operations import run_operations

    command = COMMANDS[kind]
    if not vms and not resume:
        raise UsageError(f"{command}: name the VMs with --vm NAME (one or more), or --resume latest")
    unknown = [vm for vm in vms if vm not in settings.site.failback_vms]
    if unknown:
        raise UsageError(f"{command}: {', '.join(unknown)} not in [site] failback_vms "
                         f"({', '.join(settings.site.failback_vms) or 'none'}); the checks vouch for those only")
    follow = unfinished(Path(transcript_dir) if transcript_dir else default_dir(), resume, command) if resume else []
    sources = open_sources(settings, texts)
    transcript = open_transcript(sources, transcript_dir, command, texts.lang, settings)
    out = sys.stdout
    printer = Printer(texts, out)
    try:
        if resume and not follow:
            out.write(texts.ui("reprotect.nothing-to-resume", command=command) + "\n")
            return report.EXIT_OK
        if follow:
            from checks.azure.operations import running_job

            requests = [Request.from_json(e["request"]) for e in follow]
            azure = sources.source("azure.client")
            jobs = {}
            for event, request in zip(follow, requests):
                # Killed between sending and recording: the job this request started, found in the vault.
                job = str(event.get("job") or running_job(azure, request.item, request.kind) or
                          running_job(azure, request.item, request.kind, since=_recorded_at(event)))
                if job:
                    jobs[request.vm] = job
                else:
                    out.write(texts.ui("reprotect.lost", vm=request.vm, command=command) + "\n")
            requests = [r for r in requests if r.vm in jobs]
            if not requests:
                return report.EXIT_UNDETERMINED
            out.write(texts.ui("reprotect.resuming", jobs=", ".join(f"{vm}: {job}" for vm, job in jobs.items())) + "\n")
        else:
            failing: list[str] = []
            if kind == "reprotect":  # the pre-flight is the reprotect's; the later stages are gated by the vault
                results = run_checks(catalog.all_checks(), sources, transcript.write, texts)
                failing = [r.id for r in results if r.status == Status.FAIL]
                if fmt != "json":
                    out.write(report.say_verdict(report.readiness(results), texts, report.counts(results)) + "\n")
                if failing and not force:
                    transcript.write("note", text=f"reprotect refused: failing checks {', '.join(failing)}")
                    out.write(texts.ui("reprotect.refused", checks=", ".join(failing)) + "\n")
                    return report.EXIT_FAILED
            try:
                requests = (failover_requests(sources, list(vms), point) if kind == "failover" else
                            commit_requests(sources, list(vms)) if kind == "commit" else
                            protect_requests(sources, list(vms)) if kind == "protect" else
                            reprotect_requests(sources, list(vms)))
            except (FixError, SourceUnavailable) as exc:
                from checks.runner import failure_reason

                out.write(texts.ui("reprotect.cannot", reason=failure_reason(exc, texts)) + "\n")
                return report.EXIT_USAGE
            _show(requests, texts, fmt, out, failing)
            if dry_run:
                if fmt != "json":
                    out.write(texts.ui("fix.dry-run") + "\n")
                transcript.write("note", text=f"{command}: dry run, nothing sent")
                return report.EXIT_OK
            if not yes and not _agreed([r.vm for r in requests], texts, kind):
                transcript.write("note", text=f"{command}: declined by the operator")
                out.write(texts.ui("fix.declined") + "\n")
                return report.EXIT_OK
            jobs = {}
        stop = threading.Event()
        try:
            outcome = run_operations(sources.source("azure.client"), requests, transcript.write, printer, stop,
                                     operator(), texts, forced_over=failing if not follow else (), jobs=jobs)
        except KeyboardInterrupt:
            stop.set()
            transcript.write("note", text=f"{command}: stopped following; the jobs go on in Azure")
            out.write(texts.ui("reprotect.stopped", command=command) + "\n")
            return report.EXIT_UNDETERMINED
        if outcome.done:
            out.write(texts.ui(f"{requests[0].kind}.done", vms=", ".join(outcome.done)) + "\n")
        if outcome.still_running:
            out.write(texts.ui("reprotect.still-running", vms=", ".join(outcome.still_running), command=command) + "\n")
        if outcome.failed:
            return report.EXIT_FAILED
        return report.EXIT_UNDETERMINED if outcome.still_running else report.EXIT_OK
    finally:
        sources.close()
        transcript.close()


def _show(requests: Sequence[Any], texts: Texts, fmt: str, out: Any, forced: Sequence[str]) -> None:
    if fmt == "json":
        out.write(json.dumps({"requests": [r.to_json() for r in requests], "forced_over": list(forced)},
                             ensure_ascii=False, indent=2) + "\n")
        return
    if forced:
        out.write(texts.ui("reprotect.forced", checks=", ".join(forced)) + "\n")
    for request in requests:
        out.write(texts.ui(f"{request.kind}.request-head", vm=request.vm, item=request.item, model=request.model) + "\n")
        for choice in request.choices:
            out.write(f"    {choice['field']:<20} {choice['value']}  ({choice['from']})\n")
        if request.body:
            out.write("    " + json.dumps(request.body, ensure_ascii=False) + "\n")
    out.flush()


def _agreed(vms: Sequence[str], texts: Texts, kind: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("this asks before starting anything; run it in a terminal or pass --yes")
    sys.stderr.write(texts.ui(f"{kind}.type-names", vms=" ".join(vms)) + " ")
    sys.stderr.flush()
    typed = set(sys.stdin.readline().replace(",", " ").split())
    return set(vms) <= typed
