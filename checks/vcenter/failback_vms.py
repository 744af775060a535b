"""Where each failback VM will land on-premises."""

from __future__ import annotations

from typing import Any

from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict
from checks.vcenter.subjects import failback_vms, inventory, missing_text


def decide_original_location(ctx: CheckContext) -> Verdict:
    site = ctx.settings.site
    if not site.failback_vms:
        return verdict(Status.SKIP, "no-vms", {})
    inv = inventory(ctx)
    mt = inv.vm(site.master_target) if site.master_target else None
    mt_host = inv.hosts.get(mt.host) if mt else None
    found, missing = failback_vms(inv, ctx)
    rows: list[dict[str, Any]] = []
    for vm in found:
        host = inv.hosts.get(vm.host)
        rows.append(
            {
                "vm": vm.name,
                "moref": vm.moref,
                "lands": "original",
                "host": host.name if host else vm.host,
                "datastores": inv.datastore_names(vm.datastores),
            }
        )
    for name, closest in missing.items():
        rows.append(
            {
                "vm": name,
                "lands": "alternate",
                "host": mt_host.name if mt_host else None,
                "closest_names": closest,
            }
        )
    evidence = {"recovery": site.recovery, "vms": rows}
    original = [vm.name for vm in found]
    alternate = list(missing)
    where = mt_host.name if mt_host else (site.master_target or site.target_datastore or "-")
    if site.recovery == "original" and missing:
        return verdict(Status.FAIL, "missing", evidence, vms=missing_text(missing))
    if not alternate:
        return verdict(Status.PASS, "all-original", evidence, original=original)
    return verdict(Status.PASS, "landing", evidence, original=original, alternate=alternate, host=where)


CHECKS: tuple[Check, ...] = (
    Check("vm.original-location", Component.FAILBACK_VMS, 8, reads=("vcenter.inventory",), decide=decide_original_location),
)
