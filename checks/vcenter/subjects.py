"""The things the vCenter checks talk about: the master target, the failback VMs, the CS VM."""

from __future__ import annotations

from typing import Any

from checks.architecture import classic_only_skip, vault_architecture
from checks.model import SourceUnavailable, Status
from checks.spec import CheckContext, Verdict, verdict
from checks.vcenter.inventory import VM, Host, Inventory


def inventory(ctx: CheckContext) -> Inventory:
    inv: Inventory = ctx.source("vcenter.inventory")
    return inv


def master_target(ctx: CheckContext) -> tuple[Inventory, VM | Verdict]:
    """The MT VM, or the verdict to give when it is not configured or not found."""
    name = ctx.settings.site.master_target
    if vault_architecture(ctx) == "modernized":
        # No master target on a modernized vault (one named is an old one): the appliance does its work.
        return Inventory({}, {}, {}, {}, {}), classic_only_skip()
    if not name:
        raise SourceUnavailable("no master target is named in the configuration ([site] master_target)", skip=True,
                                key="reasons:no-master-target")
    inv = inventory(ctx)
    vm = inv.vm(name)
    if vm is None:
        closest = inv.closest(name)
        return inv, verdict(Status.ERROR, "mt-unknown", {"master_target": name, "closest": closest}, name=name, closest=closest)
    return inv, vm


def master_target_host(ctx: CheckContext) -> tuple[Inventory, VM, Host] | Verdict:
    """The MT VM and its ESXi host, or the verdict to give when either cannot be found."""
    inv, mt = master_target(ctx)
    if isinstance(mt, Verdict):
        return mt
    host = inv.hosts.get(mt.host)
    if host is None:
        return verdict(Status.ERROR, "host-unknown", {"vm": mt.ref, "host": mt.host}, name=mt.name)
    return inv, mt, host


def failback_vms(inv: Inventory, ctx: CheckContext) -> tuple[list[VM], dict[str, list[str]]]:
    """The failback VMs found in vCenter, and the missing ones with the closest names there."""
    found: list[VM] = []
    missing: dict[str, list[str]] = {}
    for name in ctx.settings.site.failback_vms:
        vm = inv.vm(name)
        if vm is None:
            missing[name] = inv.closest(name)
        else:
            found.append(vm)
    return found, missing


def missing_text(missing: dict[str, list[str]]) -> list[str]:
    """`db1 (closest: db01)` for each missing name, for summaries."""
    return [f"{name} (~{'/'.join(close)})" if close else name for name, close in missing.items()]


def azure_master_target(ctx: CheckContext) -> dict[str, Any] | None:
    """Site Recovery's view of the MT, when the Azure side is configured and answers."""
    try:
        data = ctx.source("azure.master-target")
    except (SourceUnavailable, KeyError):
        return None
    return data if isinstance(data, dict) else None


def pods_to_cover(inv: Inventory, mt: VM, vms: list[VM], recovery: str) -> dict[str, list[str]]:
    """The Storage DRS pods a Storage vMotion of the master target could touch, each with what it holds.

    During reprotect and failback the failback VMs' disks are attached to the master target. With
    original-location recovery they stay on the VMs' own datastores; with alternate location Site
    Recovery creates them on a datastore of the master target's host, chosen at reprotect, so every
    pod of that host's datastores counts.
    """
    holders: dict[str, list[str]] = {}
    for moref in sorted(inv.pods_of(mt.datastores)):
        holders.setdefault(moref, []).append(mt.name)
    if recovery == "original":
        for vm in vms:
            for moref in sorted(inv.pods_of(vm.datastores)):
                holders.setdefault(moref, []).append(vm.name)
    else:
        host = inv.hosts.get(mt.host)
        for moref in sorted(inv.pods_of(host.datastores if host else ())):
            holders.setdefault(moref, []).append(f"{host.name if host else mt.host} (new disks)")
    return holders


def storage_drs_exposure(inv: Inventory, vm: VM, pods: dict[str, list[str]]
                         ) -> tuple[list[dict[str, Any]], list[str], list[str], list[str]]:
    """How Storage DRS treats `vm` in each pod (moref -> what the pod holds): the evidence rows, then
    the pods that may move it automatically, those that only recommend moves, those with Storage DRS off.
    A pod with a VM override that disables automation for the VM is in none of the three lists."""
    entries: list[dict[str, Any]] = []
    exposed: list[str] = []
    manual: list[str] = []
    off: list[str] = []
    for moref, holds in pods.items():
        pod = inv.pods.get(moref)
        if pod is None:
            exposed.append(f"{moref} ({', '.join(holds)})")
            continue
        override = pod.overrides.get(vm.moref)
        entries.append(
            {
                "pod": pod.name,
                "moref": pod.moref,
                "holds": holds,
                "storage_drs": pod.sdrs_enabled,
                "default_behavior": pod.default_behavior,
                "vm_override": None if override is None else {"enabled": override.enabled, "behavior": override.behavior},
            }
        )
        if override is not None and override.enabled is False:
            continue
        if not pod.sdrs_enabled:
            off.append(pod.name)
        elif (override.behavior if override is not None and override.behavior else pod.default_behavior) == "manual":
            manual.append(f"{pod.name} ({', '.join(holds)})")  # recommends moves a person may apply
        else:
            exposed.append(f"{pod.name} ({', '.join(holds)})")
    return entries, exposed, manual, off
