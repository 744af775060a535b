"""Modernized vaults, the vCenter side: the replication appliance's VM, the datastores failback writes
to, and the failback VMs' disk identities; with the two fix-its that mend what they find.

During reprotect and failback the appliance does the master target's work: the disks of the VMs coming
home are attached to it (up to 60), so the datastores that hold them must be mounted read-write on the
appliance's ESXi host and reached by its reprotect agent, and Storage DRS must move neither the
appliance nor those disks (Storage vMotion of the appliance after reprotect is unsupported).

These checks stand aside on a classic vault (checks.architecture.vault_architecture). What only the
vault knows (the datastores the reprotect agent reaches; the appliance's name when the configuration
does not give it) comes from the source azure.appliance, as plain data: a data dependency on the
Azure side that no import shows (DEVELOPERS.md, "Sources").

Checks:
  app.datastore-access  each datastore failback writes to (the VMs' own at the original location, else
                        [site] target_datastore) is reached by the reprotect agent and mounted read-write
                        on the appliance's host
  app.storage-drs       Storage DRS moves neither the appliance nor the disks attached to it
  vm.disk-enableuuid    disk.EnableUUID is TRUE on each failback VM on-premises (a warning when not)
Fix-its: app.exclude-storage-drs, vm.set-disk-enableuuid (which says first when a VM is powered on).
Source: vcenter.appliance (the appliance's VM, read with the inventory).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checks.architecture import modernized_only_skip, vault_architecture
from checks.model import Component, FixError, Status
from checks.sources import Source, Sources
from checks.spec import Applied, Check, CheckContext, Fix, FixContext, Plan, Progress, Verdict, verdict
from checks.vcenter.fixes import READS, apply_exclude_storage_drs, object_ref, run_task, say, sdrs_override_calls, session_of
from checks.vcenter.inventory import VM, Inventory, read_details
from checks.vcenter.subjects import failback_vms, inventory, storage_drs_exposure

APP = Component.APPLIANCE
VMS = Component.FAILBACK_VMS
READS_APPLIANCE = ("vcenter.inventory", "vcenter.appliance", "azure.appliance")


def _modernized(ctx: CheckContext) -> Verdict | None:
    """The skip a vault of another architecture gets, or None on a modernized one."""
    architecture = vault_architecture(ctx)
    return None if architecture == "modernized" else modernized_only_skip(architecture)


# --- the appliance's VM ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplianceVM:
    """The appliance's VM as vCenter has it (None when not found), and the inventory to read it in."""

    inv: Inventory
    name: str
    origin: str  # where the name came from: site.appliance_vm, site.appliance or site-recovery
    vm: VM | None


def locate_appliance(ctx: Any, inv: Inventory) -> ApplianceVM:
    """Find the appliance's VM: named by [site] appliance_vm or appliance (read with the inventory), else by
    the name the vault gives it (read on its own, one round trip, into a copy of the inventory)."""
    site = ctx.settings.site
    name, origin = (site.appliance_vm, "site.appliance_vm") if site.appliance_vm else (site.appliance, "site.appliance")
    if not name:
        name, origin = str(ctx.source("azure.appliance").get("name") or ""), "site-recovery"
    vm = inv.vm(name)
    if vm is None and inv.names.get(name):
        vms, hosts, datastores, pods = read_details(ctx.source("vcenter.session"), inv.names[name][:1])
        inv = Inventory(inv.names, {**inv.vms, **vms}, {**hosts, **inv.hosts}, {**datastores, **inv.datastores},
                        {**pods, **inv.pods}, inv.round_trips)
        vm = inv.vm(name)
    return ApplianceVM(inv, name, origin, vm)


def _fetch_appliance(ctx: Sources) -> ApplianceVM:
    return locate_appliance(ctx, ctx.source("vcenter.inventory"))


SOURCE = Source("vcenter.appliance", _fetch_appliance)


def _appliance_vm(ctx: CheckContext) -> ApplianceVM | Verdict:
    found: ApplianceVM = ctx.source("vcenter.appliance")
    if found.vm is None:
        closest = found.inv.closest(found.name)
        return verdict(Status.ERROR, "vm-unknown", {"appliance_vm": found.name, "from": found.origin,
                                                    "closest": closest}, name=found.name, closest=closest)
    return found


# --- where failback writes ---------------------------------------------------------------------------


def written_to(ctx: CheckContext, inv: Inventory) -> tuple[dict[str, list[str]], list[str]]:
    """The datastores failback writes to, each with the VMs whose disks go there; and the VMs for which
    none is known. At the original location a VM's disks go back where they are (its own datastores;
    a VM gone from vCenter needs [site] target_datastore); at an alternate one, to target_datastore."""
    site = ctx.settings.site
    vms, missing = failback_vms(inv, ctx)
    wanted: dict[str, list[str]] = {}
    unknown: list[str] = []
    if site.recovery == "original":
        for vm in vms:
            for name in vm.disk_datastores:
                wanted.setdefault(name, []).append(vm.name)
        elsewhere = list(missing)
    else:
        elsewhere = list(site.failback_vms)
    if elsewhere:
        if site.target_datastore:
            wanted.setdefault(site.target_datastore, []).extend(elsewhere)
        else:
            unknown = elsewhere
    return wanted, unknown


def _mounts(inv: Inventory, name: str, host: str) -> dict[str, Any]:
    ds = inv.datastore(name)
    if ds is None:
        known = [d.name for d in inv.datastores.values()]
        return {"datastore": name, "in_vcenter": False, "closest": difflib.get_close_matches(name, known, n=3, cutoff=0.5)}
    mounts = [{"host": inv.hosts[h].name if h in inv.hosts else h, "access_mode": m.access_mode,
               "mounted": m.mounted, "accessible": m.accessible} for h, m in sorted(ds.mounts.items())]
    mine = ds.mounts.get(host)
    return {"datastore": ds.name, "moref": ds.moref, "in_vcenter": True, "type": ds.type, "accessible": ds.accessible,
            "mounts": mounts, "on_appliance_host": None if mine is None else mine.access_mode,
            "writable_from_appliance": bool(mine and mine.access_mode == "readWrite" and mine.mounted and mine.accessible)}


def decide_datastore_access(ctx: CheckContext) -> Verdict:
    skip = _modernized(ctx)
    if skip is not None:
        return skip
    found = _appliance_vm(ctx)
    if isinstance(found, Verdict):
        return found
    inv, appliance = found.inv, found.vm
    assert appliance is not None
    reachable = ctx.source("azure.appliance").get("accessible_datastores")
    host = inv.hosts[appliance.host].name if appliance.host in inv.hosts else appliance.host
    wanted, unknown = written_to(ctx, inv)
    evidence: dict[str, Any] = {"appliance": appliance.ref, "appliance_host": host, "recovery": ctx.settings.site.recovery,
                                "accessible_datastores": reachable, "target_datastore": ctx.settings.site.target_datastore or None,
                                "no_datastore_for": unknown}
    if not ctx.settings.site.failback_vms:
        return verdict(Status.SKIP, "no-vms", evidence)
    if reachable is None:
        return verdict(Status.ERROR, "no-agent", evidence, appliance=found.name)
    rows = []
    parts: list[dict[str, Any]] = []
    for name, used_by in wanted.items():
        row = {**_mounts(inv, name, appliance.host), "for": used_by,
               "reprotect_agent_reaches": any(name.lower() == str(d).lower() for d in reachable)}
        rows.append(row)
        if not row["reprotect_agent_reaches"]:
            parts.append({"key": "not-reached", "datastore": name, "known": ", ".join(reachable) or "-"})
        if not row["in_vcenter"]:
            parts.append({"key": "not-in-vcenter", "datastore": name, "closest": ", ".join(row["closest"]) or "-"})
        elif not row["writable_from_appliance"]:
            parts.append({"key": "not-writable", "datastore": name, "host": host,
                          "mode": row["on_appliance_host"] or "-"})
    evidence["datastores"] = rows
    if unknown:
        parts.append({"key": "no-target", "vms": ", ".join(unknown)})
    if parts:
        return verdict(Status.FAIL, "problems", evidence, parts=parts)
    return verdict(Status.PASS, "ok", evidence, datastores=", ".join(wanted), host=host)


# --- app.storage-drs --------------------------------------------------------------------------------


def pods_of_appliance(ctx: CheckContext, inv: Inventory, appliance: VM) -> dict[str, list[str]]:
    """The Storage DRS pods (moref -> what each holds) of the appliance's own datastores and of those
    the failback VMs' disks are written to while they are attached to it."""
    holders: dict[str, list[str]] = {}
    for moref in sorted(inv.pods_of(appliance.datastores)):
        holders.setdefault(moref, []).append(appliance.name)
    wanted, _ = written_to(ctx, inv)
    for name, vms in wanted.items():
        ds = inv.datastore(name)
        if ds is not None and ds.pod:
            holders.setdefault(ds.pod, []).extend(vm for vm in vms if vm not in holders.get(ds.pod, []))
    return holders


def decide_storage_drs(ctx: CheckContext) -> Verdict:
    skip = _modernized(ctx)
    if skip is not None:
        return skip
    found = _appliance_vm(ctx)
    if isinstance(found, Verdict):
        return found
    inv, vm = found.inv, found.vm
    assert vm is not None
    pods = pods_of_appliance(ctx, inv, vm)
    datastores = inv.datastore_names(vm.datastores)
    if not pods:
        return verdict(Status.PASS, "not-in-pod", {"vm": vm.ref, "datastores": datastores}, name=vm.name)
    entries, exposed, manual, off = storage_drs_exposure(inv, vm, pods)
    evidence = {"vm": vm.ref, "pods": entries, "datastores": datastores}
    if exposed:
        return verdict(Status.FAIL, "automated", evidence, name=vm.name, pods=exposed)
    if manual:
        return verdict(Status.WARN, "manual-mode", evidence, name=vm.name, pods=manual)
    excluded = [e["pod"] for e in entries if e["pod"] not in off]
    if off:
        return verdict(Status.PASS, "sdrs-off", evidence, name=vm.name, off=off, pods=excluded or "-")
    return verdict(Status.PASS, "excluded", evidence, name=vm.name, pods=excluded)


# --- vm.disk-enableuuid -------------------------------------------------------------------------------


def decide_vm_enable_uuid(ctx: CheckContext) -> Verdict:
    skip = _modernized(ctx)
    if skip is not None:
        return skip
    if not ctx.settings.site.failback_vms:
        return verdict(Status.SKIP, "no-vms", {})
    inv = inventory(ctx)
    vms, missing = failback_vms(inv, ctx)
    rows = {vm.name: {"vm": vm.ref, "disk.EnableUUID": vm.extra("disk.EnableUUID"), "power_state": vm.power_state}
            for vm in vms}
    evidence = {"vms": rows, "not_in_vcenter": list(missing)}
    unset = [vm.name for vm in vms if not vm.enable_uuid]
    if unset:
        return verdict(Status.WARN, "unset", evidence, vms=unset)
    if not vms:
        return verdict(Status.SKIP, "none-in-vcenter", evidence, vms=list(missing))
    if missing:
        return verdict(Status.WARN, "partial", evidence, count=len(vms), missing=list(missing))
    return verdict(Status.PASS, "set", evidence, count=len(vms))


# --- app.exclude-storage-drs --------------------------------------------------------------------------


def _fix_appliance(ctx: FixContext) -> tuple[Inventory, VM]:
    if vault_architecture(ctx) != "modernized":
        raise FixError(say("not-modernized", architecture=say(f"architecture-{vault_architecture(ctx)}")))
    found = locate_appliance(ctx, ctx.fresh("vcenter.inventory"))  # the vault unread: said as the checks say it
    if found.vm is None:
        raise FixError(say("no-such-appliance-vm", name=found.name, closest=found.inv.closest(found.name)))
    return found.inv, found.vm


def plan_exclude_appliance(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    inv, vm = _fix_appliance(ctx)
    plan = Plan("app.exclude-storage-drs", vm.ref, target_name=vm.name)
    plan.changes, calls = sdrs_override_calls(inv, vm, pods_of_appliance(ctx, inv, vm))
    if calls:
        plan.request = {"object": object_ref("VirtualMachine", vm.moref, vm.name), "calls": calls}
    return plan


# --- vm.set-disk-enableuuid ---------------------------------------------------------------------------


def plan_vm_enable_uuid(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    if vault_architecture(ctx) != "modernized":
        raise FixError(say("not-modernized", architecture=say(f"architecture-{vault_architecture(ctx)}")))
    inv: Inventory = ctx.fresh("vcenter.inventory")
    vms = [vm for vm in (inv.vm(n) for n in ctx.settings.site.failback_vms) if vm is not None and not vm.enable_uuid]
    plan = Plan("vm.set-disk-enableuuid", ", ".join(vm.ref for vm in vms) or "-",
                target_name=", ".join(vm.name for vm in vms))
    calls = []
    for vm in vms:
        if vm.power_state == "poweredOn":
            # First, before the changes: a failback VM powered on on-premises while its copy runs in Azure
            # is worth a second look, and the setting only takes effect at its next power-on.
            plan.changes.insert(0, say("warn-powered-on", name=vm.name, moref=vm.moref))
        plan.changes.append(say("change-enable-uuid", name=vm.name, moref=vm.moref, option=vm.enable_uuid_key))
        calls.append({"method": "ReconfigVM_Task", "object": object_ref("VirtualMachine", vm.moref, vm.name),
                      "power_state": vm.power_state,
                      "spec": {"extraConfig": [{"key": vm.enable_uuid_key, "value": "TRUE"}]}})
    if calls:
        plan.request = {"calls": calls}
    return plan


def apply_vm_enable_uuid(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    """One reconfiguration per VM, in order; a failure says which VMs have the setting and which do not."""
    from pyVmomi import vim

    session = session_of(ctx)
    done: list[str] = []
    tasks: list[str] = []
    calls = plan.request["calls"]
    for number, call in enumerate(calls, 1):
        vm = session.managed("VirtualMachine", call["object"]["moref"])
        spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=o["key"], value=o["value"])
                                              for o in call["spec"]["extraConfig"]])
        one = Plan(plan.fix_id, f"{call['object']['name']} ({call['object']['moref']})", request=call)
        try:
            tasks.append(run_task(session, functools.partial(vm.ReconfigVM_Task, spec), one, "ReconfigVM_Task", progress))
        except FixError as exc:
            if not done:
                raise
            left = [c["object"]["name"] for c in calls[number - 1:]]
            raise FixError(say("partial", failure=exc.said, then=say("partial-vms", done=done, left=left))) from None
        done.append(call["object"]["name"])
    return Applied(task=", ".join(tasks), detail=say("done-vm-enable-uuid", vms=done))


CHECKS: tuple[Check, ...] = (
    Check("app.datastore-access", APP, None, reads=READS_APPLIANCE, decide=decide_datastore_access),
    Check("app.storage-drs", APP, None, reads=READS_APPLIANCE, decide=decide_storage_drs,
          fixes=("app.exclude-storage-drs",)),
    Check("vm.disk-enableuuid", VMS, None, reads=("vcenter.inventory",), decide=decide_vm_enable_uuid,
          fixes=("vm.set-disk-enableuuid",)),
)
FIXES: tuple[Fix, ...] = (
    Fix("app.exclude-storage-drs", APP, (*READS, "vcenter.appliance", "azure.appliance"), plan_exclude_appliance,
        apply_exclude_storage_drs, rechecks=("app.storage-drs",)),
    Fix("vm.set-disk-enableuuid", VMS, READS, plan_vm_enable_uuid, apply_vm_enable_uuid,
        rechecks=("vm.disk-enableuuid",)),
)
