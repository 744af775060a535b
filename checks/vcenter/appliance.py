"""Modernized vaults, the vCenter side: the replication appliance's VM, the datastore failback writes
to, and the failback VMs' disk identities; with the two fix-its that mend what they find.

What the vault says of the appliance (its name, the datastores its reprotect agent reaches) comes
from the source azure.appliance, as plain data; on a classic vault these checks skip with the reason.

Checks:
  app.datastore-access  the target datastore (or each VM's own, at the original location) is among the
                        reprotect agent's accessibleDatastores and mounted read-write on an ESXi host
  app.storage-drs       the appliance VM is excluded from Storage DRS (Storage vMotion of the appliance
                        after reprotect is unsupported)
  vm.disk-enableuuid    disk.EnableUUID is TRUE on each failback VM on-premises
Fix-its: app.exclude-storage-drs, vm.set-disk-enableuuid (which says first when a VM is powered on).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from checks.architecture import modernized_only_skip
from checks.model import Component, FixError, SourceUnavailable, Status
from checks.spec import Applied, Check, CheckContext, Fix, FixContext, Plan, Progress, Verdict, verdict
from checks.vcenter.fixes import READS, _object, _run_task, _session, apply_exclude_storage_drs, say
from checks.vcenter.inventory import VM, Inventory, read_details
from checks.vcenter.master_target import enable_uuid_set
from checks.vcenter.subjects import failback_vms, inventory, missing_text, storage_drs_exposure

APP = Component.APPLIANCE
VMS = Component.FAILBACK_VMS
INVENTORY = ("vcenter.inventory", "azure.appliance")


def _appliance(ctx: CheckContext) -> Mapping[str, Any] | Verdict:
    """The vault's appliance (plain data), or the skip a classic vault gets."""
    data: Mapping[str, Any] = ctx.source("azure.appliance")
    if data.get("architecture") != "modernized":
        return modernized_only_skip(str(data.get("architecture") or "unknown"))
    return data


def appliance_vm(ctx: CheckContext, inv: Inventory, name: str) -> VM | None:
    """The appliance's VM: read with the inventory when the configuration names it, else (the name
    came from the vault) read on its own, one round trip."""
    found = inv.vm(name)
    if found is None and inv.names.get(name):
        vms, hosts, datastores, pods = read_details(ctx.source("vcenter.session"), inv.names[name][:1])
        inv.vms.update(vms)
        inv.hosts.update({k: v for k, v in hosts.items() if k not in inv.hosts})
        inv.datastores.update({k: v for k, v in datastores.items() if k not in inv.datastores})
        inv.pods.update({k: v for k, v in pods.items() if k not in inv.pods})
        found = inv.vm(name)
    return found


def _appliance_vm_or_verdict(ctx: CheckContext) -> tuple[Inventory, VM] | Verdict:
    data = _appliance(ctx)
    if isinstance(data, Verdict):
        return data
    inv = inventory(ctx)
    name = ctx.settings.site.appliance_vm or str(data.get("name") or "")
    vm = appliance_vm(ctx, inv, name)
    if vm is None:
        closest = inv.closest(name)
        return verdict(Status.ERROR, "vm-unknown", {"appliance_vm": name, "from": "site.appliance_vm"
                       if ctx.settings.site.appliance_vm else "site-recovery", "closest": closest},
                       name=name, closest=closest)
    return inv, vm


# --- app.storage-drs --------------------------------------------------------------------------


def decide_storage_drs(ctx: CheckContext) -> Verdict:
    found = _appliance_vm_or_verdict(ctx)
    if isinstance(found, Verdict):
        return found
    inv, vm = found
    pods = {moref: [vm.name] for moref in sorted(inv.pods_of(vm.datastores))}
    datastores = inv.datastore_names(vm.datastores)
    if not pods:
        return verdict(Status.PASS, "not-in-pod", {"vm": vm.ref, "datastores": datastores}, name=vm.name)
    entries, exposed, manual, off = storage_drs_exposure(inv, vm, pods)
    evidence = {"vm": vm.ref, "pods": entries, "datastores": datastores}
    if exposed:
        return verdict(Status.FAIL, "automated", evidence, name=vm.name, pods=exposed)
    if manual:
        return verdict(Status.WARN, "manual-mode", evidence, name=vm.name, pods=manual)
    return verdict(Status.PASS, "excluded", evidence, name=vm.name, pods=[e["pod"] for e in entries])


# --- app.datastore-access -----------------------------------------------------------------------


def _mounts(inv: Inventory, name: str) -> dict[str, Any]:
    ds = inv.datastore(name)
    if ds is None:
        return {"datastore": name, "in_vcenter": False, "closest": sorted(
            d.name for d in inv.datastores.values() if d.name.lower()[:4] == name.lower()[:4])[:3]}
    mounts = [{"host": inv.hosts[h].name if h in inv.hosts else h, "access_mode": m.access_mode,
               "mounted": m.mounted, "accessible": m.accessible} for h, m in sorted(ds.mounts.items())]
    writable = [m["host"] for m in mounts if m["access_mode"] == "readWrite" and m["mounted"] and m["accessible"]]
    return {"datastore": ds.name, "moref": ds.moref, "in_vcenter": True, "type": ds.type,
            "accessible": ds.accessible, "mounts": mounts, "read_write_on": writable}


def decide_datastore_access(ctx: CheckContext) -> Verdict:
    data = _appliance(ctx)
    if isinstance(data, Verdict):
        return data
    reachable = data.get("accessible_datastores")
    target = ctx.settings.site.target_datastore
    inv = inventory(ctx)
    evidence: dict[str, Any] = {"appliance": data.get("name"), "accessible_datastores": reachable,
                                "target_datastore": target or None}
    if target:
        wanted = {target: ["site.target_datastore"]}
    else:  # original location: each VM's disks go back to the datastores they are on
        vms, missing = failback_vms(inv, ctx)
        evidence["not_in_vcenter"] = list(missing)
        wanted = {}
        for vm in vms:
            for name in inv.datastore_names(vm.datastores):
                wanted.setdefault(name, []).append(vm.name)
        if not wanted:
            if not ctx.settings.site.failback_vms:
                return verdict(Status.SKIP, "no-vms", evidence)
            return verdict(Status.ERROR, "no-target", evidence, missing=missing_text(missing))
    if reachable is None:
        return verdict(Status.ERROR, "no-agent", evidence, appliance=data.get("name"))
    rows = []
    parts: list[dict[str, Any]] = []
    for name, used_by in wanted.items():
        row = {**_mounts(inv, name), "for": used_by,
               "reprotect_agent_reaches": any(name.lower() == str(d).lower() for d in reachable)}
        rows.append(row)
        if not row["reprotect_agent_reaches"]:
            parts.append({"key": "not-reached", "datastore": name, "known": ", ".join(reachable) or "-"})
        if not row["in_vcenter"]:
            parts.append({"key": "not-in-vcenter", "datastore": name})
        elif not row["read_write_on"]:
            modes = ", ".join(f"{m['host']}: {m['access_mode'] or '?'}" for m in row["mounts"]) or "-"
            parts.append({"key": "not-writable", "datastore": name, "modes": modes})
    evidence["datastores"] = rows
    if parts:
        return verdict(Status.FAIL, "problems", evidence, parts=parts)
    return verdict(Status.PASS, "ok", evidence, datastores=", ".join(wanted),
                   hosts=len({h for r in rows for h in r["read_write_on"]}))


# --- vm.disk-enableuuid -------------------------------------------------------------------------


def decide_vm_enable_uuid(ctx: CheckContext) -> Verdict:
    data = _appliance(ctx)
    if isinstance(data, Verdict):
        return data
    if not ctx.settings.site.failback_vms:
        return verdict(Status.SKIP, "no-vms", {})
    inv = inventory(ctx)
    vms, missing = failback_vms(inv, ctx)
    rows = {vm.name: {"vm": vm.ref, "disk.EnableUUID": vm.extra("disk.EnableUUID"), "power_state": vm.power_state}
            for vm in vms}
    evidence = {"vms": rows, "not_in_vcenter": list(missing)}
    unset = [vm.name for vm in vms if not enable_uuid_set(vm)]
    if unset:
        return verdict(Status.WARN, "unset", evidence, vms=unset)
    if not vms:
        return verdict(Status.SKIP, "no-vms", evidence)
    return verdict(Status.PASS, "set", evidence, count=len(vms))


# --- app.exclude-storage-drs --------------------------------------------------------------------


def _fix_appliance(ctx: FixContext) -> tuple[Inventory, VM]:
    try:
        data = ctx.source("azure.appliance")
    except SourceUnavailable as exc:
        raise FixError(say("appliance-unknown", reason=str(exc))) from None
    if data.get("architecture") != "modernized":
        raise FixError(say("not-modernized", architecture=str(data.get("architecture") or "unknown")))
    inv: Inventory = ctx.fresh("vcenter.inventory")
    name = ctx.settings.site.appliance_vm or str(data.get("name") or "")
    vm = appliance_vm(ctx, inv, name)
    if vm is None:
        raise FixError(say("no-such-appliance-vm", name=name, closest=inv.closest(name)))
    return inv, vm


def plan_exclude_appliance(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    inv, vm = _fix_appliance(ctx)
    plan = Plan("app.exclude-storage-drs", vm.ref, target_name=vm.name)
    calls = []
    for moref in sorted(inv.pods_of(vm.datastores)):
        pod = inv.pods.get(moref)
        if pod is None:
            continue
        override = pod.overrides.get(vm.moref)
        if override is not None and override.enabled is False:
            continue
        operation = "edit" if override is not None else "add"
        plan.changes.append(say("change-sdrs-override", pod=pod.name, moref=pod.moref, holds=[vm.name],
                                operation=say(f"op-{operation}"), name=vm.name, vm=vm.moref))
        calls.append({"method": "ConfigureStorageDrsForPod_Task",
                      "object": _object("StorageResourceManager", "StorageResourceManager", "StorageResourceManager"),
                      "pod": _object("StoragePod", pod.moref, pod.name), "holds": [vm.name], "modify": True,
                      "spec": {"vmConfigSpec": [{"operation": operation, "info": {"vm": vm.moref, "enabled": False}}]}})
    if calls:
        plan.request = {"object": _object("VirtualMachine", vm.moref, vm.name), "calls": calls}
    return plan


# --- vm.set-disk-enableuuid ---------------------------------------------------------------------


def plan_vm_enable_uuid(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    inv: Inventory = ctx.fresh("vcenter.inventory")
    vms = [vm for vm in (inv.vm(n) for n in ctx.settings.site.failback_vms) if vm is not None and not enable_uuid_set(vm)]
    plan = Plan("vm.set-disk-enableuuid", ", ".join(vm.ref for vm in vms) or "-",
                target_name=", ".join(vm.name for vm in vms))
    calls = []
    for vm in vms:
        if vm.power_state == "poweredOn":
            # First, before the change itself: a powered-on failback VM on-premises while its copy runs in
            # Azure is worth a second look, and the setting only takes effect at its next power-on.
            plan.changes.insert(0, say("warn-powered-on", name=vm.name, moref=vm.moref))
        key = next((k for k in vm.extra_config if k.lower() == "disk.enableuuid"), "disk.EnableUUID")
        plan.changes.append(say("change-enable-uuid", name=vm.name, moref=vm.moref, option=key))
        calls.append({"method": "ReconfigVM_Task", "object": _object("VirtualMachine", vm.moref, vm.name),
                      "power_state": vm.power_state, "spec": {"extraConfig": [{"key": key, "value": "TRUE"}]}})
    if calls:
        plan.request = {"calls": calls}
    return plan


def apply_vm_enable_uuid(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    """One reconfiguration per VM, in order; a failure says which VMs have the setting and which do not."""
    from pyVmomi import vim

    session = _session(ctx)
    done: list[str] = []
    tasks: list[str] = []
    calls = plan.request["calls"]
    for number, call in enumerate(calls, 1):
        vm = session.managed("VirtualMachine", call["object"]["moref"])
        spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=o["key"], value=o["value"])
                                              for o in call["spec"]["extraConfig"]])
        one = Plan(plan.fix_id, f"{call['object']['name']} ({call['object']['moref']})", request=call)
        try:
            tasks.append(_run_task(session, functools.partial(vm.ReconfigVM_Task, spec), one, "ReconfigVM_Task",
                                   progress))
        except FixError as exc:
            if not done:
                raise
            left = [c["object"]["name"] for c in calls[number - 1:]]
            raise FixError(say("partial", failure=exc.said, then=say("partial-vms", done=done, left=left))) from None
        done.append(call["object"]["name"])
    return Applied(task=", ".join(tasks), detail=say("done-vm-enable-uuid", vms=done))


CHECKS: tuple[Check, ...] = (
    Check("app.datastore-access", APP, None, reads=INVENTORY, decide=decide_datastore_access),
    Check("app.storage-drs", APP, None, reads=INVENTORY, decide=decide_storage_drs, fixes=("app.exclude-storage-drs",)),
    Check("vm.disk-enableuuid", VMS, None, reads=INVENTORY, decide=decide_vm_enable_uuid,
          fixes=("vm.set-disk-enableuuid",)),
)
FIXES: tuple[Fix, ...] = (
    Fix("app.exclude-storage-drs", APP, (*READS, "azure.appliance"), plan_exclude_appliance, apply_exclude_storage_drs,
        rechecks=("app.storage-drs",)),
    Fix("vm.set-disk-enableuuid", VMS, READS, plan_vm_enable_uuid, apply_vm_enable_uuid,
        rechecks=("vm.disk-enableuuid",)),
)
