"""vc.failback-role: the vCenter account Site Recovery uses has the privileges reprotect and failback need.

Read from vCenter's authorization manager (HasUserPrivilegeOnEntities), never asked of the operator:
for the account named in [vcenter] failback_account (the one the appliance or the configuration server
was given; without it the check skips, unconfirmed: the tool's own login proves nothing), on the
failback VMs, the VM their disks are attached to (the appliance or the master target) and the
datastores failback writes to. The objects themselves are asked, since a permission set lower down
(No access on one VM) overrides the datacenter's. Networks and resource pools are not asked.

The privileges are those of Microsoft's table for "full replication, failover, failback"
(vmware-azure-tutorial-prepare-on-premises): datastore, network, resource, tasks, virtual machine
configuration, interaction, inventory, provisioning and snapshot removal.
"""

from __future__ import annotations

from typing import Any

from checks.model import Component, SourceUnavailable, Status
from checks.spec import Check, CheckContext, Verdict, verdict
from checks.vcenter.connection import Session
from checks.vcenter.subjects import failback_vms, inventory

DATASTORE = ("Datastore.AllocateSpace", "Datastore.Browse", "Datastore.FileManagement", "Datastore.DeleteFile",
             "Datastore.UpdateVirtualMachineFiles")
VIRTUAL_MACHINE = (
    "VirtualMachine.Config.AddExistingDisk", "VirtualMachine.Config.AddNewDisk", "VirtualMachine.Config.AddRemoveDevice",
    "VirtualMachine.Config.AdvancedConfig", "VirtualMachine.Config.CPUCount", "VirtualMachine.Config.DiskExtend",
    "VirtualMachine.Config.DiskLease", "VirtualMachine.Config.EditDevice", "VirtualMachine.Config.Memory",
    "VirtualMachine.Config.RemoveDisk", "VirtualMachine.Config.Rename", "VirtualMachine.Config.Resource",
    "VirtualMachine.Config.Settings",
    "VirtualMachine.Interact.AnswerQuestion", "VirtualMachine.Interact.DeviceConnection",
    "VirtualMachine.Interact.SetCDMedia", "VirtualMachine.Interact.SetFloppyMedia", "VirtualMachine.Interact.PowerOff",
    "VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.ToolsInstall",
    "VirtualMachine.Inventory.Create", "VirtualMachine.Inventory.Register", "VirtualMachine.Inventory.Unregister",
    "VirtualMachine.Provisioning.GetVmFiles", "VirtualMachine.Provisioning.PutVmFiles",
    "VirtualMachine.State.RemoveSnapshot",
)
OTHER = ("Network.Assign", "Resource.AssignVMToPool", "Resource.ColdMigrate", "Resource.HotMigrate",
         "Task.Create", "Task.Update")
REQUIRED = DATASTORE + OTHER + VIRTUAL_MACHINE


def _helper_vm(ctx: CheckContext) -> tuple[Any, str]:
    """The VM the failback VMs' disks are attached to during reprotect: the appliance (modernized) or the
    master target (classic), with where it came from; (None, why) when it is not known."""
    from checks.architecture import vault_architecture

    if vault_architecture(ctx) == "modernized":
        try:
            found = ctx.source("vcenter.appliance")
        except SourceUnavailable as exc:
            return None, str(exc)
        return found.vm, "appliance"
    name = ctx.settings.site.master_target
    return (inventory(ctx).vm(name) if name else None), "master target"


def decide_failback_role(ctx: CheckContext) -> Verdict:
    from pyVmomi import vmodl

    settings = ctx.settings.vcenter
    account = settings.failback_account if settings is not None else ""
    evidence: dict[str, Any] = {"account": account or None, "required": list(REQUIRED)}
    if not account:
        # The tool's own login is not the account Site Recovery uses: reading its privileges proves nothing.
        return verdict(Status.SKIP, "no-account", evidence)
    session: Session = ctx.source("vcenter.session")
    inv = inventory(ctx)
    # What to ask about, each with the privileges it is where they are checked: the VMs coming home and
    # the VM their disks are attached to (virtual machine, resource, network, task privileges), and the
    # datastores written to (datastore privileges). A permission set lower down (No access on one VM)
    # overrides the datacenter's, so the objects themselves are asked, not the datacenter.
    vms, _ = failback_vms(inv, ctx)
    helper, helper_role = _helper_vm(ctx)
    evidence["attached_to"] = {"role": helper_role, "vm": helper.ref if helper is not None else None}
    asked: list[tuple[Any, str, str, tuple[str, ...]]] = []
    for vm in [*vms, *([helper] if helper is not None else [])]:
        asked.append((session.managed("VirtualMachine", vm.moref), "VirtualMachine", vm.name, VIRTUAL_MACHINE + OTHER))
    names = [n for vm in vms for n in vm.disk_datastores] + [ctx.settings.site.target_datastore]
    seen: set[str] = set()
    for name in names:
        ds = inv.datastore(name) if name else None
        if ds is not None and ds.moref not in seen:
            seen.add(ds.moref)
            asked.append((session.managed("Datastore", ds.moref), "Datastore", ds.name, DATASTORE))
    if not asked:
        return verdict(Status.SKIP, "nothing-to-ask", evidence, account=account)
    manager = session.content.authorizationManager
    try:
        answers = session.call(lambda: manager.HasUserPrivilegeOnEntities(
            entities=[a[0] for a in asked], userName=account, privId=list(REQUIRED)))
    except vmodl.fault.NotSupported:
        return verdict(Status.ERROR, "not-supported", evidence, account=account)
    except vmodl.MethodFault as fault:
        evidence["fault"] = type(fault).__name__.rsplit(".", 1)[-1]
        return verdict(Status.ERROR, "unreadable", evidence, account=account, fault=evidence["fault"],
                       user=settings.user if settings is not None else "-")
    granted: dict[str, set[str]] = {}
    for answer in answers or ():
        granted[str(answer.entity._moId)] = {str(p.privId) for p in answer.privAvailability or () if p.isGranted}
    rows = []
    missing_parts: list[dict[str, Any]] = []
    for ref, kind, name, needed in asked:
        have = granted.get(str(ref._moId), set())
        lacking = [p for p in needed if p not in have]
        rows.append({"entity": kind, "name": name, "moref": str(ref._moId), "missing": lacking})
        if lacking:
            missing_parts.append({"key": "missing", "entity": name, "privileges": ", ".join(lacking)})
    evidence["entities"] = rows
    if missing_parts:
        return verdict(Status.FAIL, "missing", evidence, account=account, parts=missing_parts)
    return verdict(Status.PASS, "ok", evidence, account=account, count=len(rows))


CHECKS: tuple[Check, ...] = (
    Check("vc.failback-role", Component.VCENTER, None, reads=("vcenter.session", "vcenter.inventory", "vcenter.appliance"),
          decide=decide_failback_role),
)
