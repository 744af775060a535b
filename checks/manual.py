"""Manual steps: what no API can confirm. `manual` until the operator answers."""

from __future__ import annotations

from collections.abc import Callable

from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict


def _answered(step_id: str) -> Callable[[CheckContext], Verdict]:
    def decide(ctx: CheckContext) -> Verdict:
        answer = ctx.settings.answers.get(step_id)
        if answer is None:
            return verdict(Status.MANUAL, "waiting")
        evidence = {"answer": answer.status, "note": answer.note, "by": answer.by, "at": answer.at}
        if answer.confirmed:
            return verdict(Status.PASS, "confirmed", evidence, note=answer.note or "-")
        return verdict(Status.SKIP, "skipped", evidence, note=answer.note or "-")

    return decide


def _manual(step_id: str, component: Component, step: int | None) -> Check:
    return Check(step_id, component, step, reads=(), decide=_answered(step_id), manual=True)


CHECKS: tuple[Check, ...] = (
    _manual("cs.same-ip", Component.CONFIGURATION_SERVER, None),
    _manual("ps.bandwidth", Component.PROCESS_SERVER, 3),
    _manual("net.link-type", Component.NETWORK, None),
    _manual("mt.retention-formatted", Component.MASTER_TARGET, 4),
    _manual("mt.discovery-done", Component.MASTER_TARGET, 9),
)

MANUAL_IDS = frozenset(c.id for c in CHECKS)
