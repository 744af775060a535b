"""The fix-it flow: plan (the exact change, recorded as previewed), apply (followed, recorded), then
the checks it mends run again and their new answers are said.

Planning and applying work in the executor's thread; what they have to say goes to a `FixReply`
(the dialog that asked), from that thread. Every sentence is already in the session's language.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from checks.model import Said, Settings
from checks.sources import KNOWN_SECRETS
from checks.texts import Texts
from control.runs import Executor, Runs
from control.session import Session

if TYPE_CHECKING:
    from checks.spec import Fix, Plan

PROGRESS_EVERY_S = 0.25  # a few updates a second are enough to see a task move


def read_values(fix: Fix, raw: Mapping[str, str]) -> tuple[dict[str, Any], tuple[str, str, str] | None]:
    """A fix-it's parameters from what the operator typed (the wizard's fields, the CLI's --param):
    the values, or the first problem as (parameter, problem, text) where problem is one of needed,
    number, minimum, maximum, range; each front end words it ("fix.param-<problem>") in its texts.
    A parameter left empty takes its default."""
    values: dict[str, Any] = {}
    for param in fix.params:
        text = str(raw.get(param.name, "")).strip()
        if not text:
            if param.required:
                return values, (param.name, "needed", text)
            if param.default is not None:
                values[param.name] = param.default
            continue
        if param.kind is int:
            try:
                number = int(text)
            except ValueError:
                return values, (param.name, "number", text)
            bound = param.out_of_range(number)
            if bound:
                return values, (param.name, bound, text)
            values[param.name] = number
        else:
            values[param.name] = text
    return values, None


def name_to_type(plan: Plan) -> str:
    """What the operator types to confirm a destructive change: the target's plain name."""
    return plan.target_name or plan.target


def confirmed(fix: Fix, plan: Plan, typed: str) -> bool:
    """A destructive change goes ahead only with its target's name typed; any other with the yes."""
    return plan.nothing_to_do or not fix.destructive or typed.strip() == name_to_type(plan)


class FixScope:
    """The engine's sources as one fix-it sees them, with a cancel of its own: stopping a fix-it
    stops following it, and no check run."""

    def __init__(self, sources: Any, cancel: threading.Event) -> None:
        self._sources = sources
        self.cancel = cancel
        self.settings: Settings = sources.settings

    def source(self, name: str) -> Any:
        return self._sources.source(name)

    def fresh(self, name: str) -> Any:
        return self._sources.fresh(name)

    def put(self, name: str, value: Any) -> None:
        self._sources.put(name, value)


class FixReply(Protocol):
    """Who asked for a plan or an apply hears back here, from the worker's thread."""

    def planned(self, plan: Plan) -> None: ...

    def progress(self, text: str) -> None: ...

    def done(self, task: str, detail: str) -> None: ...

    def failed(self, stage: str, reason: str) -> None: ...


class FixFlow:
    def __init__(self, session: Session, texts: Texts, executor: Executor, runs: Runs,
                 fixes: Callable[[], Mapping[str, Fix]], sources: Callable[[], Any]) -> None:
        self.session = session
        self.texts = texts
        self.executor = executor
        self.runs = runs
        self._fixes = fixes  # the engine's, once loaded
        self._sources = sources
        self._stop: threading.Event | None = None

    def get(self, fix_id: str) -> Fix | None:
        return self._fixes().get(fix_id)

    def say(self, said: Said | None) -> str:
        return KNOWN_SECRETS.redact(self.texts.say(said))

    def plan(self, fix_id: str, params: Mapping[str, Any], reply: FixReply) -> None:
        fix = self._fixes()[fix_id]

        def work() -> None:
            from control.records import record_preview

            given = dict(params)
            started = self.session.started(fix_id)
            if started:  # a resumed session: what this fix-it had started is followed, not sent again
                given["follow"] = dict(started)
            plan = fix.plan(self._sources(), given)
            record_preview(self.session.record, plan, params, self.texts)
            reply.planned(plan)

        self.executor.run_work(f"fix.plan:{fix_id}", work, lambda error: self._failed("plan", fix_id, error, reply))

    def apply(self, plan: Plan, reply: FixReply, typed_name: str = "") -> None:
        """Apply a plan the operator agreed to: for a destructive fix-it, `typed_name` must be the
        target's name (`name_to_type`), or nothing is sent."""
        fix = self._fixes()[plan.fix_id]
        if not confirmed(fix, plan, typed_name):
            self.session.record("note", text=f"{fix.id}: not applied, the target's name was not typed")
            reply.failed("apply", self.texts.ui("wizard.fix.type-name", target=name_to_type(plan)))
            return
        last = [0.0]
        self._stop = threading.Event()
        context = FixScope(self._sources(), self._stop)

        def progress(said: Said) -> None:
            # Every step is recorded with its values (an operation to follow again after a restart);
            # the screen hears a few a second.
            from control.records import record_progress

            record_progress(self.session.record, fix.id, said, self.texts)
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S:
                last[0] = now
                reply.progress(self.say(said))

        def work() -> None:
            from control.records import record_applied

            applied = fix.apply(context, plan, progress)
            record_applied(self.session.record, plan, applied, self.session.operator, self.texts)
            reply.done(applied.task, self.say(applied.detail))

        def done(error: BaseException | None) -> None:
            self._failed("apply", plan.fix_id, error, reply)
            if error is None:
                self.runs.recheck_and_announce(fix.rechecks)

        self.executor.run_work(f"fix.apply:{plan.fix_id}", work, done)

    def stop(self) -> None:
        """Stop following the fix-it being applied (what was sent keeps going where it was sent)."""
        if self._stop is not None:
            self._stop.set()

    def _failed(self, stage: str, fix_id: str, error: BaseException | None, reply: FixReply) -> None:
        if error is None:
            return
        from checks.runner import failure_reason

        from checks.model import FixError

        reason = KNOWN_SECRETS.redact(failure_reason(error, self.texts))
        self.session.record("fix.failed", fix=fix_id, stage=stage, reason=reason)
        if not isinstance(error, FixError):
            # Not a refusal worded by the fix-it: an error part way, so whether the change was made is
            # unknown (as the CLI says it).
            reason = self.texts.ui(f"fix.{stage}-failed", reason=reason)
        reply.failed(stage, reason)
