"""Fix-all: every fix-it that mends what the checks found, planned together in a safe order, confirmed
once, applied one after another until the first failure, then the checks they mend run again.

Shared by the readiness screen and `failback-prep fix --all`; nothing here knows a terminal. Each
fix-it is planned from fresh data and recorded as the single fix-it flow records it (fix.preview,
fix.progress, fix.applied, fix.failed), so the transcript reads the same either way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol


from checks.model import Said
from checks.texts import Texts
from control.fixits import name_to_type, read_values

if TYPE_CHECKING:  # the wizard's first frame does not wait for the engine's classes (checks.spec)
    from checks.spec import Applied, Check, Fix, Plan, Result

# The order to apply them in: consolidate snapshots before anything else reconfigures the VM (a
# reconfiguration of a VM with snapshots writes to its delta disks); the VM settings, then the Storage
# DRS overrides (they change the pods, not the VMs); the new disk; and last the refresh, so that Site
# Recovery reads the site once everything else is in place. A fix-it not listed comes after these.
SAFE_ORDER = (
    "mt.remove-snapshots",
    "mt.set-disk-enableuuid",
    "vm.set-disk-enableuuid",
    "mt.exclude-storage-drs",
    "app.exclude-storage-drs",
    "mt.add-retention-disk",
    "cs.refresh",
)
# Fix-its in form only: they test, they change nothing (the probe inside the Azure VMs).
NOT_CHANGES = frozenset({"net.probe-inside"})


def applicable(checks: Sequence[Check], results: Mapping[str, Result]) -> list[str]:
    """The fix-its that mend what these results found, in the safe order."""
    from checks.spec import fixes_for

    found = {f for check in checks for f in fixes_for(check, results.get(check.id))} - NOT_CHANGES
    rank = {fix_id: number for number, fix_id in enumerate(SAFE_ORDER)}
    return sorted(found, key=lambda fix_id: (rank.get(fix_id, len(SAFE_ORDER)), fix_id))


@dataclass
class Step:
    """One fix-it of the plan: its exact change, or why it could not be planned (it is then left out)."""

    fix: Fix
    plan: Plan | None = None
    problem: str = ""

    @property
    def changes_something(self) -> bool:
        return self.plan is not None and not self.plan.nothing_to_do


@dataclass
class FixAllPlan:
    steps: list[Step]

    @property
    def to_apply(self) -> list[Step]:
        return [s for s in self.steps if s.changes_something]

    def names_to_type(self) -> list[str]:
        """The targets of the destructive changes, whose names the operator types once, together."""
        names: list[str] = []
        for step in self.to_apply:
            if step.fix.destructive and step.plan is not None and name_to_type(step.plan) not in names:
                names.append(name_to_type(step.plan))
        return names

    def confirmed(self, typed: str) -> bool:
        """Every destructive target's name typed, whole (spaces or commas between names, any order)."""
        return all(re.search(rf"(?:^|[\s,]){re.escape(name)}(?:$|[\s,])", typed.strip()) for name in self.names_to_type())

    def to_json(self, texts: Texts) -> list[dict[str, Any]]:
        return [{"fix": s.fix.id, "title": texts.fix_title(s.fix.id), "destructive": s.fix.destructive,
                 "target": s.plan.target if s.plan else None,
                 "changes": [texts.say(c) for c in s.plan.changes] if s.plan else [],
                 "request": s.plan.request if s.plan else None, "problem": s.problem or None}
                for s in self.steps]


def plan_all(fixes: Sequence[Fix], sources: Any, params: Mapping[str, Mapping[str, str]], texts: Texts,
             record: Callable[..., Any], param_texts: str = "fixall") -> FixAllPlan:
    """Plan each fix-it from fresh data. One that needs a parameter not given, or that refuses, is
    kept with its reason and left out of what is applied; the others do not wait for it. The reason for
    a parameter is worded by the front end's texts (`param_texts`: the command line's --param, or the
    wizard's)."""
    from checks.runner import failure_reason
    from control.records import record_preview

    steps = []
    for fix in fixes:
        values, problem = read_values(fix, params.get(fix.id, {}))
        if problem is not None:
            name, kind, text = problem
            param = next(p for p in fix.params if p.name == name)
            steps.append(Step(fix, problem=texts.ui(f"{param_texts}.param-{kind}", fix=fix.id, name=name, value=text,
                                                     minimum=param.minimum, maximum=param.maximum)))
            continue
        try:
            plan = fix.plan(sources, values)
        except Exception as exc:
            from checks.sources import KNOWN_SECRETS

            steps.append(Step(fix, problem=KNOWN_SECRETS.redact(failure_reason(exc, texts))))
            continue
        record_preview(record, plan, values, texts)
        steps.append(Step(fix, plan))
    return FixAllPlan(steps)


@dataclass
class Outcome:
    applied: list[tuple[str, Applied]] = field(default_factory=list)
    failed: tuple[str, str] | None = None  # the fix-it that stopped the run, and why
    not_applied: list[str] = field(default_factory=list)  # after the failure: left as they were
    rechecks: list[str] = field(default_factory=list)  # the checks the applied (and the failed) mend


def apply_all(plan: FixAllPlan, scope: Any, texts: Texts, record: Callable[..., Any], operator: str,
              progress: Callable[[str, Said], None] = lambda fix_id, said: None) -> Outcome:
    """Apply the planned changes in order; stop at the first failure, saying what was applied and what
    was not. `scope` is what each fix-it applies through (the sources, with a cancel of its own)."""
    from checks.runner import failure_reason
    from control.records import record_applied, record_progress

    outcome = Outcome()
    steps = plan.to_apply
    for number, step in enumerate(steps):
        assert step.plan is not None

        def told(said: Said, fix_id: str = step.fix.id) -> None:
            record_progress(record, fix_id, said, texts)
            progress(fix_id, said)

        try:
            applied = step.fix.apply(scope, step.plan, told)
        except Exception as exc:
            from checks.sources import KNOWN_SECRETS

            reason = KNOWN_SECRETS.redact(failure_reason(exc, texts))
            record("fix.failed", fix=step.fix.id, stage="apply", reason=reason)
            outcome.failed = (step.fix.id, reason)
            outcome.not_applied = [s.fix.id for s in steps[number + 1:]]
            break
        record_applied(record, step.plan, applied, operator, texts)
        outcome.applied.append((step.fix.id, applied))
    touched = [fix_id for fix_id, _ in outcome.applied] + ([outcome.failed[0]] if outcome.failed else [])
    by_id = {s.fix.id: s.fix for s in steps}
    for fix_id in touched:
        outcome.rechecks += [c for c in by_id[fix_id].rechecks if c not in outcome.rechecks]
    return outcome


class FixAllReply(Protocol):
    """The readiness screen's dialog hears back here, from the worker's thread."""

    def planned_all(self, plan: FixAllPlan) -> None: ...

    def progress_all(self, fix_id: str, text: str) -> None: ...

    def done_all(self, outcome: Outcome) -> None: ...

    def failed_all(self, reason: str) -> None: ...


class FixAllFlow:
    """Fix-all in the wizard: plans from the latest results, applies after the one confirmation."""

    def __init__(self, session: Any, texts: Texts, executor: Any, runs: Any, engine: Callable[[], Any]) -> None:
        self.session = session
        self.texts = texts
        self.executor = executor
        self.runs = runs
        self._engine = engine
        self.busy = False  # one fix-all at a time: a second key press while it runs does nothing

    def plan(self, reply: FixAllReply) -> None:
        engine = self._engine()
        if engine is None or self.busy:
            return
        def work() -> None:
            self.runs.wait_idle()  # judged from every check's answer, not from a run half done
            results = dict(self.session.state.results)
            fixes = [engine.fixes[f] for f in applicable(engine.checks, results) if f in engine.fixes]
            reply.planned_all(plan_all(fixes, engine.sources, {}, self.texts, self.session.record,
                                       param_texts="wizard.fixall"))

        def done(error: BaseException | None) -> None:
            if error is not None:
                reply.failed_all(self._reason(error))

        self.executor.run_work("fix.plan-all", work, done)

    def apply(self, plan: FixAllPlan, typed: str, reply: FixAllReply) -> bool:
        """Apply, once: False (and nothing sent) while another runs or when the names were not typed."""
        engine = self._engine()
        if engine is None or self.busy or not plan.confirmed(typed):
            return False
        self.busy = True
        from control.fixits import FixScope

        scope = FixScope(engine.sources, threading.Event())

        outcomes: list[Outcome] = []

        def work() -> None:
            outcome = apply_all(plan, scope, self.texts, self.session.record, self.session.operator,
                                lambda fix_id, said: reply.progress_all(fix_id, self.texts.say(said)))
            outcomes.append(outcome)
            reply.done_all(outcome)

        def done(error: BaseException | None) -> None:  # on the owner's thread, as the runs want
            self.busy = False
            if outcomes:
                self.runs.recheck_and_announce(outcomes[0].rechecks)
            if error is not None:
                reply.failed_all(self._reason(error))

        self.executor.run_work("fix.apply-all", work, done)
        return True

    def _reason(self, error: BaseException) -> str:
        from checks.runner import failure_reason

        return failure_reason(error, self.texts)
