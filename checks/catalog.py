"""Every check, source and fix-it the product knows, in the operator's order."""

from __future__ import annotations

from checks import azure, manual, network, vcenter
from checks.model import UnknownName
from checks.sources import Source
from checks.spec import Check, Fix

# The order of the contract's table: connections first, then the component table, then the VMs.
ORDER = (
    "vc.connect",
    "vc.failback-role",
    "az.connect",
    "cs.connected",
    "cs.vm-known",
    "cs.failback-nic",
    "cs.same-ip",
    "ps.in-azure",
    "ps.reachable",
    "ps.bandwidth",
    "mt.registered",
    "mt.os-match",
    "mt.group-os",
    "mt.agent-version",
    "mt.disk-count",
    "mt.no-snapshots",
    "mt.scsi-controller",
    "mt.disk-uuid-clash",
    "mt.storage-vmotion",
    "mt.retention-volume",
    "mt.retention-formatted",
    "mt.vmware-tools",
    "mt.disk-enableuuid",
    "mt.datastore-access",
    "mt.discovery-done",
    "mt.vmfs-datastore",
    "mt.host-discovered",
    "mt.host-capacity",
    "policy.failback",
    "net.s2s",
    "net.link-type",
    "net.ports",
    "vm.failed-over",
    "vm.original-location",
    "vm.azure-agent",
    "vm.disk-enableuuid",
    # Modernized vaults: the replication appliance and its failback policy.
    "app.registered",
    "app.components-healthy",
    "app.reprotect-agent",
    "app.datastore-access",
    "app.disk-budget",
    "app.storage-drs",
    "rp.failback-policy",
    "app.log-storage",
    "net.azure-outbound",
)

_AREAS = (vcenter, azure, network, manual)


def _collect_checks() -> dict[str, Check]:
    found: dict[str, Check] = {}
    for area in _AREAS:
        for check in area.CHECKS:
            if check.id in found:
                raise RuntimeError(f"check {check.id} is declared twice")
            found[check.id] = check
    return found


def all_checks() -> list[Check]:
    found = _collect_checks()
    rank = {cid: i for i, cid in enumerate(ORDER)}
    return sorted(found.values(), key=lambda c: (rank.get(c.id, len(ORDER)), c.id))


def all_fixes() -> dict[str, Fix]:
    return {fix.id: fix for area in _AREAS for fix in getattr(area, "FIXES", ())}


def all_sources() -> dict[str, Source]:
    return {src.name: src for area in _AREAS for src in getattr(area, "SOURCES", ())}


def select(only: str | None, checks: list[Check] | None = None) -> list[Check]:
    """Checks named by a comma list of ids or prefixes (`mt.`, `mt`); all when empty."""
    checks = all_checks() if checks is None else checks
    if not only or not only.strip():
        return checks
    wanted: set[str] = set()
    for raw in only.split(","):
        name = raw.strip()
        if not name:
            continue
        prefix = name if name.endswith(".") else name + "."
        matched = {c.id for c in checks if c.id == name or c.id.startswith(prefix)}
        if not matched:
            raise UnknownName("check id", name, [c.id for c in checks])
        wanted |= matched
    return [c for c in checks if c.id in wanted]


def fix(fix_id: str) -> Fix:
    fixes = all_fixes()
    if fix_id not in fixes:
        raise UnknownName("fix id", fix_id, sorted(fixes))
    return fixes[fix_id]


def fixes_for(check_id: str) -> tuple[str, ...]:
    for check in all_checks():
        if check.id == check_id:
            return check.fixes
    return ()
