"""The operations home (reprotect, the failback's failover, its commit), started and followed the same
way by the wizard and the commands: `run_operations` sends each request once, records who started it,
when, with which request and job, follows each job task by task, then (after a reprotect) the
replication back until protected. What it has to say goes to an `OperationReply`: the CLI prints it, the
wizard's dialog shows it.

A second start is impossible by construction: `OperationFlow` is busy from the first start to the end of
following, and checks.azure.operations.start_reprotect follows a job of the same operation already
running on the item (a resumed session, another operator) instead of sending another request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from checks.model import Status
from checks.texts import Texts

FOLLOW_LIMIT_S = 6 * 3600  # how long the replication back is followed before handing over to a resume


class OperationReply(Protocol):
    def started(self, vm: str, job: str, kind: str) -> None: ...

    def start_failed(self, vm: str, reason: str) -> None: ...

    def job(self, vm: str, job: str, state: str, tasks: Sequence[Any]) -> None: ...

    def job_ended(self, vm: str, job: str, state: str, errors: Sequence[str]) -> None: ...

    def replicating(self, vm: str, state: Mapping[str, Any]) -> None: ...


@dataclass
class RunOutcome:
    done: list[str] = field(default_factory=list)  # protected back / failed back / committed
    failed: list[str] = field(default_factory=list)  # not started, or its job failed
    still_running: list[str] = field(default_factory=list)  # following stopped before the end


def run_operations(azure: Any, requests: Sequence[Any], record: Callable[..., Any], reply: OperationReply,
                   stop: threading.Event, operator: str, texts: Texts, forced_over: Sequence[str] = (),
                   jobs: Mapping[str, str] | None = None) -> RunOutcome:
    """Start each request (or, with `jobs`, follow those already started: nothing is sent), follow each
    job to its end, then a reprotect's replication back until protected (or `stop`, or the limit)."""
    from checks.azure.operations import follow_job, job_tasks, protected_back, replication, start_reprotect
    from checks.runner import failure_reason
    from checks.sources import KNOWN_SECRETS

    outcome = RunOutcome()
    followed: dict[str, str] = dict(jobs or {})
    for request in requests:
        if request.vm in followed:
            record("operation.started", operation=request.kind, vm=request.vm, job=followed[request.vm],
                   operator=operator, request=request.to_json(), resumed=True)
            continue
        record("operation.requested", operation=request.kind, vm=request.vm, operator=operator,
               request=request.to_json())
        try:
            job = start_reprotect(azure, request)
        except Exception as exc:
            reason = KNOWN_SECRETS.redact(failure_reason(exc, texts))
            record("operation.failed", operation=request.kind, vm=request.vm, reason=reason)
            reply.start_failed(request.vm, reason)
            outcome.failed.append(request.vm)
            continue
        followed[request.vm] = job
        record("operation.started", operation=request.kind, vm=request.vm, job=job, operator=operator,
               request=request.to_json(), forced_over=list(forced_over))
        reply.started(request.vm, job, request.kind)
    succeeded = []
    for request in [r for r in requests if r.vm in followed]:
        job = followed[request.vm]

        def changed(data: Mapping[str, Any], tasks: Sequence[Any], vm: str = request.vm, job: str = job,
                    kind: str = request.kind) -> None:
            state = str(data.get("properties", {}).get("state") or "?")
            record("operation.task", operation=kind, vm=vm, job=job, state=state,
                   tasks=[{"task": t.name, "state": t.state, "errors": t.errors} for t in tasks])
            reply.job(vm, job, state, tasks)

        try:
            data = follow_job(azure, job, changed, stop)
        except Exception:  # stopped, or the service never answered again: the job goes on in Azure
            outcome.still_running.append(request.vm)
            continue
        state = str(data.get("properties", {}).get("state") or "?")
        errors = [e for t in job_tasks(data) for e in t.errors]
        record("operation.ended", operation=request.kind, vm=request.vm, job=job, state=state, errors=errors)
        reply.job_ended(request.vm, job, state, errors)
        if state.lower() == "succeeded":
            succeeded.append(request)
        else:
            outcome.failed.append(request.vm)
    waiting = [r for r in succeeded if r.kind == "reprotect"]  # the replication back follows a reprotect
    outcome.done += [r.vm for r in succeeded if r.kind != "reprotect"]
    deadline = time.monotonic() + FOLLOW_LIMIT_S
    last: dict[str, Any] = {}
    while waiting:
        for request in list(waiting):
            try:
                now = replication(azure, request, stop, deadline)
            except Exception:
                break
            if now != last.get(request.vm):
                last[request.vm] = now
                record("operation.state", operation=request.kind, vm=request.vm, protected=protected_back(now), **now)
                reply.replicating(request.vm, now)
            if protected_back(now):
                waiting.remove(request)
                outcome.done.append(request.vm)
        if waiting and (stop.wait(1.0) or time.monotonic() > deadline):
            break
    outcome.still_running += [r.vm for r in waiting]
    return outcome


def failing(results: Mapping[str, Any]) -> list[str]:
    """The checks that fail: reprotect is not offered while any does."""
    return [check_id for check_id, result in results.items() if result.status == Status.FAIL]


class WizardReply(OperationReply, Protocol):
    def planned(self, requests: Sequence[Any]) -> None: ...

    def following(self, requests: Sequence[Any], jobs: Mapping[str, str]) -> None: ...

    def refused(self, reason: str) -> None: ...

    def finished(self, outcome: RunOutcome) -> None: ...


class OperationFlow:
    """The wizard's next step home: planned from the vault as it is now, started once, followed."""

    def __init__(self, session: Any, texts: Texts, executor: Any, runs: Any, engine: Any) -> None:
        self.session = session
        self.texts = texts
        self.executor = executor
        self.runs = runs
        self._engine = engine
        self.busy = False
        self._stop = threading.Event()

    def vms(self) -> tuple[str, ...]:
        engine = self._engine()
        return tuple(engine.settings.site.failback_vms) if engine is not None else ()

    def plan(self, reply: WizardReply, point: str = "latest") -> None:
        """The next step home the vault offers for the failback VMs, as exact requests: the reprotect
        (only when no check fails), else the failback's failover (at `point`), else its commit; or why
        none is offered now (failing checks, a missing setting, the vault's state)."""
        engine = self._engine()
        if engine is None:
            return

        def work() -> None:
            from checks.azure.operations import commit_requests, failover_requests, protect_requests, reprotect_requests
            from checks.model import FixError

            from checks.azure.operations import running_operations

            self.runs.wait_idle()  # the pre-flight judged from every check's answer
            sources, vms = engine.sources, list(self.vms())
            sources.invalidate(["azure.vault", "azure.appliance"])  # the vault as it is now: a stage may have moved on
            # A step already under way (this session restarted, another operator): follow it, send nothing.
            running, jobs = running_operations(sources, sources.source("azure.client"), vms)
            if running and not self.busy:
                self.busy = True
                self._stop = threading.Event()
                reply.following(running, jobs)
                try:
                    outcome = run_operations(sources.source("azure.client"), running, self.session.record, reply,
                                             self._stop, self.session.operator, self.texts, jobs=jobs)
                finally:
                    self.busy = False
                reply.finished(outcome)
                return
            try:
                requests = reprotect_requests(sources, vms)
            except FixError as not_reprotect:
                for later in (failover_requests, commit_requests, protect_requests):
                    try:
                        reply.planned(later(sources, vms, point) if later is failover_requests
                                      else later(sources, vms))
                        return
                    except FixError:
                        continue
                raise not_reprotect from None
            red = failing(dict(self.session.state.results))
            if red:
                reply.refused(self.texts.ui("wizard.reprotect.refused", checks=", ".join(red)))
                return
            reply.planned(requests)

        self.executor.run_work("fix.operation-plan", work, lambda error: self._failed(error, reply))

    def start(self, requests: Sequence[Any], typed: str, reply: WizardReply) -> bool:
        """Start once, with every VM's name typed; False (nothing sent) otherwise or while one runs."""
        engine = self._engine()
        names = set(typed.replace(",", " ").split())
        if engine is None or self.busy or not requests or not {r.vm for r in requests} <= names:
            return False
        self.busy = True
        self._stop = threading.Event()

        def work() -> None:
            azure = engine.sources.source("azure.client")
            outcome = run_operations(azure, requests, self.session.record, reply, self._stop, self.session.operator,
                                     self.texts)
            reply.finished(outcome)

        def done(error: BaseException | None) -> None:
            self.busy = False
            self._failed(error, reply)

        self.executor.run_work("fix.operation-start", work, done)
        return True

    def _failed(self, error: BaseException | None, reply: WizardReply) -> None:
        if error is not None:
            from checks.runner import failure_reason

            reply.refused(self.texts.ui("wizard.reprotect.cannot", reason=failure_reason(error, self.texts)))

    def stop(self) -> None:
        """Stop following (the jobs go on in Azure; R follows a running job of the same step, never restarts it)."""
        self._stop.set()
