"""The recovery points of each failback VM of a modernized vault (InMageRcm, InMageRcmFailback).

Failback from a modernized vault is a planned failover of the reprotected (InMageRcmFailback) item to
one of its recovery points: until replication back has made one, it cannot fail back. A committed
failover in Azure keeps few points or none (committing deletes the others), so there they are only
kept as evidence.
One list per item (`recovery_points.list_by_replication_protected_items`), read in parallel, once per
run (source "azure.recovery-points"): {VM: Points}. A refused or failed read is kept with why, never
turned into "no recovery point".
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checks.azure.client import AzureClient
from checks.azure.fields import child, text
from checks.azure.resources import provider
from checks.azure.site import failback_items, vm_site
from checks.azure.vault import Resource, segment
from checks.sources import Source, Sources


@dataclass(frozen=True)
class Points:
    count: int = 0
    latest: str = ""  # the newest point's time, as the service wrote it
    types: Mapping[str, int] = field(default_factory=dict)  # CrashConsistent / ApplicationConsistent -> count
    problem: str = ""  # why they could not be read ("" when they were)

    def evidence(self) -> dict[str, Any]:
        if self.problem:
            return {"problem": self.problem}
        return {"count": self.count, "latest": self.latest or None, "types": dict(self.types)}


def _read(azure: AzureClient, item: Resource) -> Points:
    item_id = text(item.get("id"))
    try:
        found = list(azure.client.recovery_points.list_by_replication_protected_items(
            azure.rg, azure.vault, segment(item_id, "replicationFabrics"),
            segment(item_id, "replicationProtectionContainers"), text(item.get("name"))))
    except Exception as exc:
        return Points(problem=azure.translate(exc, "recovery points").error or "no-answer")
    types: dict[str, int] = {}
    times: list[str] = []
    for point in found:
        body = point.as_dict() if hasattr(point, "as_dict") else dict(point)
        p = child(body, "properties")
        kind = text(p.get("recovery_point_type") or p.get("recoveryPointType")) or "Unknown"
        types[kind] = types.get(kind, 0) + 1
        stamp = p.get("recovery_point_time") or p.get("recoveryPointTime")
        if stamp:
            times.append(str(stamp))
    return Points(len(found), max(times) if times else "", types)


def _fetch(ctx: Sources) -> dict[str, Points]:
    azure: AzureClient = ctx.source("azure.client")
    found, _missing = failback_items(vm_site(ctx), ctx.settings.site.failback_vms)
    rcm = {vm: item for vm, item in found.items() if provider(item) in ("inmagercm", "inmagercmfailback")}
    if not rcm:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(rcm)), thread_name_prefix="azure-points") as pool:
        futures = {vm: pool.submit(_read, azure, item) for vm, item in rcm.items()}
        return {vm: future.result() for vm, future in futures.items()}


SOURCE = Source("azure.recovery-points", _fetch)

