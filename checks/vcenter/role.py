"""vc.failback-role: the vCenter account Site Recovery uses has the privileges reprotect and failback need.

Read from vCenter's authorization manager (HasUserPrivilegeOnEntities), never asked of the operator:
for the account named in [vcenter] failback_account (the one the appliance or the configuration server
was given), on each datacenter and on the failback VMs and the datastore failback writes to, since a
permission set lower down (No access on one VM) overrides the datacenter's.

The privileges are those of Microsoft's table for "full replication, failover, failback"
(vmware-azure-tutorial-prepare-on-premises): datastore, network, resource, tasks, virtual machine
configuration, interaction, inventory, provisioning and snapshot removal.
"""

from __future__ import annotations

from typing import Any

from checks.model import Component, Status
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


def _datacenters(session: Session) -> list[Any]:
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=session.content.rootFolder, skip=True, selectSet=[
            pc.TraversalSpec(name="children", type=vim.Folder, path="childEntity", skip=False)])],
        propSet=[pc.PropertySpec(type=vim.Datacenter, pathSet=["name"])],
    )
    return [(obj.obj, str(obj.propSet[0].val)) for obj in session.call(lambda: session.retrieve([spec]))
            if isinstance(obj.obj, vim.Datacenter)]


def decide_failback_role(ctx: CheckContext) -> Verdict:
    from pyVmomi import vmodl

    settings = ctx.settings.vcenter
    if settings is None:
        return verdict(Status.SKIP, "no-vcenter", {})
    account = settings.failback_account or settings.user
    session: Session = ctx.source("vcenter.session")
    inv = inventory(ctx)
    # What to ask about: each datacenter (where the role is meant to be assigned), every privilege; the
    # failback VMs, the VM privileges; the datastores failback writes to, the datastore privileges.
    asked: list[tuple[Any, str, str, tuple[str, ...]]] = [
        (ref, "Datacenter", name, REQUIRED) for ref, name in _datacenters(session)]
    vms, _ = failback_vms(inv, ctx)
    asked += [(session.managed("VirtualMachine", vm.moref), "VirtualMachine", vm.name, VIRTUAL_MACHINE) for vm in vms]
    target = ctx.settings.site.target_datastore
    stores = [inv.datastore(target)] if target else [inv.datastores.get(m) for vm in vms for m in vm.datastores]
    seen: set[str] = set()
    for ds in stores:
        if ds is not None and ds.moref not in seen:
            seen.add(ds.moref)
            asked.append((session.managed("Datastore", ds.moref), "Datastore", ds.name, DATASTORE))
    manager = session.content.authorizationManager
    evidence: dict[str, Any] = {"account": account,
                                "account_from": "vcenter.failback_account" if settings.failback_account else "vcenter.user",
                                "required": list(REQUIRED)}
    try:
        answers = session.call(lambda: manager.HasUserPrivilegeOnEntities(
            entities=[a[0] for a in asked], userName=account, privId=list(REQUIRED)))
    except vmodl.fault.NotSupported:
        return verdict(Status.ERROR, "not-supported", evidence, account=account)
    except vmodl.MethodFault as fault:
        evidence["fault"] = type(fault).__name__.rsplit(".", 1)[-1]
        return verdict(Status.ERROR, "unreadable", evidence, account=account, fault=evidence["fault"],
                       user=settings.user)
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
    if not asked:
        return verdict(Status.ERROR, "nothing-to-ask", evidence, account=account)
    if missing_parts:
        return verdict(Status.FAIL, "missing", evidence, account=account, parts=missing_parts)
    if not settings.failback_account:
        return verdict(Status.WARN, "own-account", evidence, account=account, count=len(rows))
    return verdict(Status.PASS, "ok", evidence, account=account, count=len(rows))


CHECKS: tuple[Check, ...] = (
    Check("vc.failback-role", Component.VCENTER, None, reads=("vcenter.session", "vcenter.inventory"),
          decide=decide_failback_role),
)
