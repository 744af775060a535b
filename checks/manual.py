"""Manual steps: what no API can confirm. `manual` until the operator answers."""

from __future__ import annotations

from collections.abc import Callable

from checks.architecture import vault_architecture
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


def _for(only: str, step_id: str, component: Component, step: int | None) -> Check:
    """A step one architecture's failback has: on a vault of the other it is not needed and says so
    (the key the other architecture's checks use); when the architecture is unknown it is asked for."""
    answered = _answered(step_id)
    other, key = ("modernized", "classic-only") if only == "classic" else ("classic", "modernized-only")

    def decide(ctx: CheckContext) -> Verdict:
        architecture = vault_architecture(ctx)
        if architecture == other:
            return verdict(Status.SKIP, key, {"architecture": architecture})
        return answered(ctx)

    return Check(step_id, component, step, reads=("azure.vault",), decide=decide, manual=True)


def _manual(step_id: str, component: Component, step: int | None) -> Check:
    return _for("classic", step_id, component, step)


def _modernized(step_id: str, component: Component) -> Check:
    return _for("modernized", step_id, component, None)


CHECKS: tuple[Check, ...] = (
    _manual("cs.same-ip", Component.CONFIGURATION_SERVER, None),
    _manual("ps.bandwidth", Component.PROCESS_SERVER, 3),
    _manual("net.link-type", Component.NETWORK, None),
    _manual("mt.retention-formatted", Component.MASTER_TARGET, 4),
    _manual("mt.discovery-done", Component.MASTER_TARGET, 9),
    # Modernized: the failed-over VMs reach Site Recovery (no VPN needed), and reprotect's log storage.
    _modernized("net.azure-outbound", Component.NETWORK),
    _modernized("app.log-storage", Component.APPLIANCE),
)

MANUAL_IDS = frozenset(c.id for c in CHECKS)
