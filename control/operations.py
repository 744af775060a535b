"""Reprotect in the wizard: offered when the pre-flight has no failure; the exact requests worked out in a
worker; started once, after the VMs' names are typed; its job followed task by task and the replication
back until protected, each step told to the screen and written to the transcript (as `reprotect` writes it).

A second start is impossible by construction: the flow is busy from the first start to the end of
following, and checks.azure.operations.start_reprotect follows a job already running on the item (a
resumed session, another operator) instead of sending another request.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from checks.model import Status
from checks.texts import Texts


class ReprotectReply(Protocol):
    def planned(self, requests: Sequence[Any]) -> None: ...

    def refused(self, reason: str) -> None: ...

    def job(self, vm: str, job: str, state: str, tasks: Sequence[Any]) -> None: ...

    def replicating(self, vm: str, state: Mapping[str, Any]) -> None: ...

    def finished(self, protected: Sequence[str], failed: Sequence[str]) -> None: ...


def failing(results: Mapping[str, Any]) -> list[str]:
    """The checks that fail: reprotect is not offered while any does."""
    return [check_id for check_id, result in results.items() if result.status == Status.FAIL]


class ReprotectFlow:
    def __init__(self, session: Any, texts: Texts, executor: Any, runs: Any, engine: Any) -> None:
        self.session = session
        self.runs = runs
        self.texts = texts
        self.executor = executor
        self._engine = engine
        self.busy = False
        self._stop = threading.Event()

    def vms(self) -> tuple[str, ...]:
        engine = self._engine()
        return tuple(engine.settings.site.failback_vms) if engine is not None else ()

    def plan(self, reply: ReprotectReply, point: str = "latest") -> None:
        """The next step home the vault offers for the failback VMs, as exact requests: the reprotect
        (only when no check fails), else the failback's failover (at `point`), else its commit; or why
        none is offered now (failing checks, a missing setting, the vault's state)."""
        engine = self._engine()
        if engine is None:
            return

        def work() -> None:
            from checks.azure.operations import commit_requests, failover_requests, reprotect_requests
            from checks.model import FixError
            from control.fixall import settled

            settled(self.runs)  # the pre-flight judged from every check's answer
            sources, vms = engine.sources, list(self.vms())
            sources.new_run()  # the vault as it is now: a stage may have moved on since the checks read it
            try:
                requests = reprotect_requests(sources, vms)
            except FixError as not_reprotect:
                try:
                    reply.planned(failover_requests(sources, vms, point))
                    return
                except FixError:
                    pass
                try:
                    reply.planned(commit_requests(sources, vms))
                    return
                except FixError:
                    raise not_reprotect from None
            red = failing(dict(self.session.state.results))
            if red:
                reply.refused(self.texts.ui("wizard.reprotect.refused", checks=", ".join(red)))
                return
            reply.planned(requests)

        def done(error: BaseException | None) -> None:
            if error is not None:
                from checks.runner import failure_reason

                reply.refused(self.texts.ui("wizard.reprotect.cannot", reason=failure_reason(error, self.texts)))

        self.executor.run_work("reprotect.plan", work, done)

    def start(self, requests: Sequence[Any], typed: str, reply: ReprotectReply) -> bool:
        """Start once, with every VM's name typed; False (nothing sent) otherwise or while one runs."""
        engine = self._engine()
        names = {word for word in typed.replace(",", " ").split()}
        if engine is None or self.busy or not requests or not {r.vm for r in requests} <= names:
            return False
        self.busy = True
        self._stop = threading.Event()
        record = self.session.record

        def work() -> None:
            from checks.azure.operations import follow_job, job_tasks, protected_back, replication, start_reprotect

            azure = engine.sources.source("azure.client")
            kind = requests[0].kind
            jobs: dict[str, str] = {}
            failed: list[Any] = []
            for request in requests:
                try:
                    job = start_reprotect(azure, request)
                except Exception as exc:
                    from checks.runner import failure_reason

                    reason = failure_reason(exc, self.texts)
                    record("operation.failed", operation=request.kind, vm=request.vm, reason=reason)
                    reply.job(request.vm, "-", reason, [])
                    failed.append(request.vm)
                    continue
                jobs[request.vm] = job
                record("operation.started", operation=request.kind, vm=request.vm, job=job,
                       operator=self.session.operator, request=request.to_json(), forced_over=[])
            succeeded: list[Any] = []
            for request in [r for r in requests if r.vm in jobs]:
                job = jobs[request.vm]

                def changed(data: Mapping[str, Any], tasks: Sequence[Any], vm: str = request.vm, job: str = job) -> None:
                    state = str(data.get("properties", {}).get("state") or "?")
                    record("operation.task", operation=kind, vm=vm, job=job, state=state,
                           tasks=[{"task": t.name, "state": t.state, "errors": t.errors} for t in tasks])
                    reply.job(vm, job, state, tasks)

                data = follow_job(azure, job, changed, self._stop)
                state = str(data.get("properties", {}).get("state") or "?")
                record("operation.ended", operation=kind, vm=request.vm, job=job, state=state,
                       errors=[e for t in job_tasks(data) for e in t.errors])
                (succeeded if state.lower() == "succeeded" else failed).append(request)
            waiting = list(succeeded) if kind == "reprotect" else []  # the replication back follows a reprotect
            last: dict[str, Any] = {}
            while waiting and not self._stop.is_set():
                for request in list(waiting):
                    now = replication(azure, request)
                    if now != last.get(request.vm):
                        last[request.vm] = now
                        record("operation.state", operation=kind, vm=request.vm, **now)
                        reply.replicating(request.vm, now)
                    if protected_back(now):
                        waiting.remove(request)
                if waiting:
                    self._stop.wait(1.0)
            reply.finished([r.vm for r in succeeded if r not in waiting],
                           [f if isinstance(f, str) else f.vm for f in failed])

        def done(error: BaseException | None) -> None:
            self.busy = False
            if error is not None:
                from checks.runner import failure_reason

                reply.refused(self.texts.ui("wizard.reprotect.cannot", reason=failure_reason(error, self.texts)))

        self.executor.run_work("reprotect.start", work, done)
        return True

    def stop(self) -> None:
        """Stop following (the jobs go on in Azure; pressing R again follows them, never restarts them)."""
        self._stop.set()
