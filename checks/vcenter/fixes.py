"""Fix-its on the master target VM. Each plans from fresh vCenter data, shows the exact
change, and applies it as one vCenter task it waits for."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from http.client import HTTPException
from typing import Any

from checks.model import Component, FixError, Said
from checks.spec import Applied, Fix, FixContext, Param, Plan, Progress
from checks.vcenter.connection import Session
from checks.vcenter.inventory import RETENTION_SUFFIX, VM, Inventory
from checks.vcenter.subjects import pods_to_cover

MT = Component.MASTER_TARGET
READS = ("vcenter.session", "vcenter.inventory")
TASK_POLL_S = 0.25
TASK_TIMEOUT_S = 1800.0
# A connection that drops while a task is started or followed: reconnect this often, waiting longer each time.
RECONNECT_WAITS_S = (0.5, 1.0, 2.0, 4.0)
CONNECTION_LOST = (OSError, HTTPException)


def say(text_key: str, **params: Any) -> Said:
    """A sentence of these fix-its (assets, table vcenter-fixes), rendered by whoever shows it."""
    return Said(f"vcenter-fixes:{text_key}", params)


# --- shared -----------------------------------------------------------------------------


def _master_target(ctx: FixContext) -> tuple[Inventory, VM]:
    name = ctx.settings.site.master_target
    if not name:
        raise FixError(say("no-master-target"))
    inv: Inventory = ctx.fresh("vcenter.inventory")
    vm = inv.vm(name)
    if vm is None:
        closest = inv.closest(name)
        raise FixError(say("no-such-vm", name=name, closest=closest))
    return inv, vm


def object_ref(type_name: str, moref: str, name: str) -> dict[str, str]:
    return {"type": type_name, "moref": moref, "name": name}


def _vanished(plan: Plan, fault: Any = None) -> FixError:
    """The object the task was for is gone: the VM, or (fix-its that change other objects) that object."""
    gone = getattr(fault, "obj", None)
    if gone is not None and str(getattr(gone, "_moId", "")) != str(plan.request["object"]["moref"]):
        kind = type(gone).__name__.rsplit(".", 1)[-1]
        return FixError(say("object-gone", kind=kind, moref=gone._moId))
    return FixError(say("vm-gone", target=plan.target))


def _fault_message(fault: Any) -> str:
    text = str(getattr(fault, "localizedMessage", "") or getattr(fault, "msg", "") or "").strip()
    if not text:
        text = type(fault).__name__.rsplit(".", 1)[-1]
    return text.splitlines()[0].rstrip(".")


def _is_not_found(fault: Any) -> bool:
    from pyVmomi import vmodl

    return isinstance(fault, vmodl.fault.ManagedObjectNotFound)


def _recent_tasks(session: Session) -> list[Any]:
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=session.content.taskManager, skip=False)],
        propSet=[pc.PropertySpec(type=vim.TaskManager, pathSet=["recentTask"])],
    )
    objects = session.call(lambda: session.retrieve([spec]))
    return [task for obj in objects for prop in obj.propSet for task in (prop.val or [])]


def _same_method(task_name: str, method: str) -> bool:
    def bare(name: str) -> str:
        return name.lower().removesuffix("_task")

    return bare(task_name) == bare(method)


def _task_started_since(session: Session, before: set[str], entity: str, method: str) -> Any:
    """The task vCenter started for our request whose answer was lost: new since `before`, same object and method."""
    from pyVmomi import vim, vmodl

    new = [task for task in _recent_tasks(session) if str(task._moId) not in before]
    if not new:
        return None
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=task, skip=False) for task in new],
        propSet=[pc.PropertySpec(type=vim.Task, pathSet=["info.entity", "info.name"])],
    )
    for obj in session.call(lambda: session.retrieve([spec])):
        info = {p.name: p.val for p in obj.propSet}
        target = info.get("info.entity")
        if target is not None and str(target._moId) == entity and _same_method(str(info.get("info.name") or ""), method):
            return obj.obj
    return None


def _unknown(plan: Plan, method: str, what: str) -> FixError:
    return FixError(say("outcome-unknown", when=say(what), method=method, target=plan.target))


def run_task(
    session: Session, start: Callable[[], Any], plan: Plan, method: str, progress: Progress, entity: str = ""
) -> str:
    """Start a vCenter task and wait for it; returns its moref. Task errors become FixError.

    When the connection drops after the request went out, the task vCenter started for it is
    looked up after reconnecting and followed; if it cannot be found the outcome is called unknown.
    """
    from pyVmomi import vim, vmodl

    entity = entity or str(plan.request["object"]["moref"])
    before = {str(task._moId) for task in _recent_tasks(session)}
    try:
        task = session.call(start)
    except vmodl.fault.ManagedObjectNotFound as fault:
        raise _vanished(plan, fault) from None
    except vmodl.MethodFault as fault:
        raise FixError(say("refused", method=method, target=plan.target, fault=_fault_message(fault))) from None
    except CONNECTION_LOST:
        task = None
        for wait in RECONNECT_WAITS_S:
            progress(say("progress-reconnect-find", method=method))
            time.sleep(wait)
            try:
                task = _task_started_since(session, before, entity, method)
                break
            except CONNECTION_LOST:
                continue
        else:
            raise _unknown(plan, method, "when-sent") from None
        if task is None:
            raise _unknown(plan, method, "when-sent-no-task") from None
    moref = str(task._moId)
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=task, skip=False)],
        propSet=[pc.PropertySpec(type=vim.Task, pathSet=["info.state", "info.progress", "info.error"])],
    )
    progress(say("progress-started", method=method, task=moref))
    last = -1
    lost = 0
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while True:
        try:
            objects = session.call(lambda: session.retrieve([spec]))
        except CONNECTION_LOST:
            if lost == len(RECONNECT_WAITS_S):
                raise _unknown(plan, method, "when-following") from None
            progress(say("progress-reconnect-follow", method=method, task=moref))
            time.sleep(RECONNECT_WAITS_S[lost])
            lost += 1
            continue
        lost = 0
        info = {p.name: p.val for p in (objects[0].propSet if objects else ())}
        state = str(info.get("info.state") or "")
        percent = info.get("info.progress")
        if state == "success":
            progress(say("progress-percent", method=method, task=moref, percent=100))
            return moref
        if state == "error":
            failed = info.get("info.error")
            if _is_not_found(failed):
                raise _vanished(plan, failed)
            raise FixError(say("task-failed", task=moref, method=method, target=plan.target, fault=_fault_message(failed)))
        if percent is not None and int(percent) != last:
            last = int(percent)
            progress(say("progress-percent", method=method, task=moref, percent=last))
        if time.monotonic() > deadline:
            raise FixError(say("task-slow", task=moref, method=method, target=plan.target, seconds=f"{TASK_TIMEOUT_S:g}"))
        time.sleep(TASK_POLL_S)


def session_of(ctx: FixContext) -> Session:
    session: Session = ctx.source("vcenter.session")
    return session


def _vm_ref(session: Session, plan: Plan) -> Any:
    return session.managed("VirtualMachine", plan.request["object"]["moref"])


# --- mt.set-disk-enableuuid ----------------------------------------------------------------


def plan_enable_uuid(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    _, mt = _master_target(ctx)
    plan = Plan("mt.set-disk-enableuuid", mt.ref, target_name=mt.name)
    if mt.enable_uuid:
        return plan
    key = mt.enable_uuid_key
    plan.changes = [say("change-enable-uuid", name=mt.name, moref=mt.moref, option=key)]
    plan.request = {
        "method": "ReconfigVM_Task",
        "object": object_ref("VirtualMachine", mt.moref, mt.name),
        "spec": {"extraConfig": [{"key": key, "value": "TRUE"}]},
    }
    return plan


def apply_enable_uuid(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    from pyVmomi import vim

    session = session_of(ctx)
    options = [vim.option.OptionValue(key=o["key"], value=o["value"]) for o in plan.request["spec"]["extraConfig"]]
    spec = vim.vm.ConfigSpec(extraConfig=options)
    vm = _vm_ref(session, plan)
    task = run_task(session, lambda: vm.ReconfigVM_Task(spec), plan, "ReconfigVM_Task", progress)
    return Applied(task=task, detail=say("done-enable-uuid"))


# --- mt.remove-snapshots ----------------------------------------------------------------------


def plan_remove_snapshots(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    _, mt = _master_target(ctx)
    plan = Plan("mt.remove-snapshots", mt.ref, target_name=mt.name)
    if not mt.snapshots:
        return plan
    names = ", ".join(s.name for s in mt.snapshots)
    plan.changes = [say("change-remove-snapshots", name=mt.name, moref=mt.moref, count=len(mt.snapshots), names=names)]
    plan.request = {
        "method": "RemoveAllSnapshots_Task",
        "object": object_ref("VirtualMachine", mt.moref, mt.name),
        "consolidate": True,
        "snapshots": [{"name": s.name, "moref": s.moref} for s in mt.snapshots],
    }
    return plan


def apply_remove_snapshots(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    session = session_of(ctx)
    vm = _vm_ref(session, plan)
    task = run_task(session, lambda: vm.RemoveAllSnapshots_Task(consolidate=True), plan, "RemoveAllSnapshots_Task", progress)
    return Applied(task=task, detail=say("done-remove-snapshots", count=len(plan.request["snapshots"])))


# --- mt.add-retention-disk ---------------------------------------------------------------------


def _datastore_for(inv: Inventory, mt: VM, wanted: str | None) -> tuple[str, str]:
    """(moref, name) of the datastore for the new disk: the one asked for, else the MT's first."""
    host = inv.hosts.get(mt.host)
    reachable = host.datastores if host else mt.datastores
    if wanted:
        for moref in reachable:
            ds = inv.datastores.get(moref)
            if ds and ds.name == wanted:
                if not ds.accessible:
                    raise FixError(say("datastore-inaccessible", datastore=wanted))
                return moref, ds.name
        names = ", ".join(sorted(inv.datastores[m].name for m in reachable if m in inv.datastores))
        raise FixError(say("datastore-unknown", datastore=wanted, names=names))
    if not mt.datastores:
        raise FixError(say("no-datastore", target=mt.ref))
    moref = mt.datastores[0]
    return moref, inv.datastores[moref].name if moref in inv.datastores else moref


# vSphere's largest virtual disk is 62 TB; vCenter refuses anything bigger, but only once the task runs.
MAX_DISK_GB = 62 * 1024
SIZE_GB = Param("size_gb", int, required=True, minimum=1, maximum=MAX_DISK_GB)


def _free_unit(mt: VM, controller_key: int) -> int | None:
    used = {d.unit for d in mt.disks if d.controller_key == controller_key}
    return next((u for u in range(16) if u != 7 and u not in used), None)


def plan_add_retention_disk(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    size_gb = params.get("size_gb")
    if not isinstance(size_gb, int) or isinstance(size_gb, bool) or SIZE_GB.out_of_range(size_gb):
        raise FixError(say("size-needed", minimum=SIZE_GB.minimum, maximum=SIZE_GB.maximum))
    inv, mt = _master_target(ctx)
    plan = Plan("mt.add-retention-disk", mt.ref, target_name=mt.name)
    existing = next((d for d in mt.disks if d.file_name.endswith(RETENTION_SUFFIX)), None)
    if existing is not None:
        return plan  # added by an earlier run: a second disk would only confuse Site Recovery
    ds_moref, ds_name = _datastore_for(inv, mt, params.get("datastore"))

    lsi = [c for c in mt.controllers if c.kind.startswith("lsilogic")]
    controller: dict[str, Any] | None = None
    target = next(((c, u) for c in lsi if (u := _free_unit(mt, c.key)) is not None), None)
    changes = []
    if target is None:
        buses = {c.bus for c in mt.controllers}
        bus = next((b for b in range(4) if b not in buses), None)
        if bus is None:
            raise FixError(say("no-controller-slot", target=mt.ref))
        controller = {"type": "VirtualLsiLogicSASController", "key": -100, "busNumber": bus, "sharedBus": "noSharing"}
        changes.append(
            say("change-add-controller", name=mt.name, moref=mt.moref, bus=bus)
        )
        controller_key, bus_number, unit = -100, bus, 0
    else:
        found, unit = target
        controller_key, bus_number = found.key, found.bus

    home = mt.vmx_path.split("]", 1)
    folder = home[1].strip().rsplit("/", 1)[0] if len(home) == 2 and home[0].lstrip("[") == ds_name and "/" in home[1] else ""
    file_name = f"[{ds_name}] {folder + '/' if folder else ''}{mt.name}{RETENTION_SUFFIX}"
    disk = {
        "type": "VirtualDisk",
        "key": -101,
        "controllerKey": controller_key,
        "unitNumber": unit,
        "capacityInKB": size_gb * 1024 * 1024,
        "backing": {"fileName": file_name, "datastore": ds_moref, "diskMode": "persistent", "thinProvisioned": True},
        "fileOperation": "create",
    }
    changes.append(
        say("change-add-disk", name=mt.name, moref=mt.moref, size=size_gb, file=file_name, bus=bus_number, unit=unit)
    )
    device_change = ([{"operation": "add", "device": controller}] if controller else []) + [
        {"operation": "add", "fileOperation": "create", "device": disk}
    ]
    plan.changes = changes
    plan.request = {
        "method": "ReconfigVM_Task",
        "object": object_ref("VirtualMachine", mt.moref, mt.name),
        "spec": {"deviceChange": device_change},
    }
    return plan


def _device_spec(change: Mapping[str, Any], session: Any) -> Any:
    """The pyVmomi device change for one planned change; a datastore travels on the session's stub."""
    from pyVmomi import vim

    device = change["device"]
    if device["type"] == "VirtualLsiLogicSASController":
        made: Any = vim.vm.device.VirtualLsiLogicSASController(
            key=device["key"], busNumber=device["busNumber"], sharedBus=device["sharedBus"]
        )
    else:
        backing = device["backing"]
        made = vim.vm.device.VirtualDisk(
            key=device["key"],
            controllerKey=device["controllerKey"],
            unitNumber=device["unitNumber"],
            capacityInKB=device["capacityInKB"],
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                fileName=backing["fileName"],
                datastore=session.managed("Datastore", backing["datastore"]),
                diskMode=backing["diskMode"],
                thinProvisioned=backing["thinProvisioned"],
            ),
        )
    spec = vim.vm.device.VirtualDeviceSpec(operation=change["operation"], device=made)
    if change.get("fileOperation"):
        spec.fileOperation = change["fileOperation"]
    return spec


def apply_add_retention_disk(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    from pyVmomi import vim

    session = session_of(ctx)
    changes = plan.request["spec"]["deviceChange"]
    spec = vim.vm.ConfigSpec(deviceChange=[_device_spec(c, session) for c in changes])
    vm = _vm_ref(session, plan)
    task = run_task(session, lambda: vm.ReconfigVM_Task(spec), plan, "ReconfigVM_Task", progress)
    disk = changes[-1]["device"]
    return Applied(
        task=task,
        detail=say("done-add-disk", size=disk["capacityInKB"] // (1024 * 1024), file=disk["backing"]["fileName"]),
    )


# --- mt.exclude-storage-drs -----------------------------------------------------------------------


def sdrs_override_calls(inv: Inventory, vm: VM, pods: Mapping[str, list[str]]) -> tuple[list[Said], list[dict[str, Any]]]:
    """The Storage DRS VM overrides that disable automation for `vm` in each of these pods (moref -> what
    the pod holds), as sentences and as calls; none where one is already in force."""
    changes: list[Said] = []
    calls: list[dict[str, Any]] = []
    for moref, holds in pods.items():
        pod = inv.pods.get(moref)
        if pod is None:
            continue
        override = pod.overrides.get(vm.moref)
        if override is not None and override.enabled is False:
            continue
        # Also where Storage DRS is off or manual: the override stays in force if someone turns it on.
        operation = "edit" if override is not None else "add"
        changes.append(
            say("change-sdrs-override", pod=pod.name, moref=pod.moref, holds=holds, operation=say(f"op-{operation}"),
                name=vm.name, vm=vm.moref)
        )
        calls.append(
            {
                "method": "ConfigureStorageDrsForPod_Task",
                "object": object_ref("StorageResourceManager", "StorageResourceManager", "StorageResourceManager"),
                "pod": object_ref("StoragePod", pod.moref, pod.name),
                "holds": holds,
                "modify": True,
                "spec": {"vmConfigSpec": [{"operation": operation, "info": {"vm": vm.moref, "enabled": False}}]},
            }
        )
    return changes, calls


def plan_exclude_storage_drs(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    inv, mt = _master_target(ctx)
    plan = Plan("mt.exclude-storage-drs", mt.ref, target_name=mt.name)
    vms = [vm for vm in (inv.vm(name) for name in ctx.settings.site.failback_vms) if vm is not None]
    plan.changes, calls = sdrs_override_calls(inv, mt, pods_to_cover(inv, mt, vms, ctx.settings.site.recovery))
    if calls:
        plan.request = {"object": object_ref("VirtualMachine", mt.moref, mt.name), "calls": calls}
    return plan


def apply_exclude_storage_drs(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    """One override per pod, in order; a failure says which pods already have theirs and which do not."""
    from pyVmomi import vim

    session = session_of(ctx)
    manager = session.content.storageResourceManager
    calls = plan.request["calls"]
    done: list[str] = []
    tasks: list[str] = []
    for number, call in enumerate(calls, 1):
        name = call["pod"]["name"]
        progress(say("progress-pod", number=number, count=len(calls), pod=name))
        vm_specs = [
            vim.storageDrs.VmConfigSpec(
                operation=s["operation"],
                info=vim.storageDrs.VmConfigInfo(vm=session.managed("VirtualMachine", s["info"]["vm"]), enabled=s["info"]["enabled"]),
            )
            for s in call["spec"]["vmConfigSpec"]
        ]
        spec = vim.storageDrs.ConfigSpec(vmConfigSpec=vm_specs)
        pod = session.managed("StoragePod", call["pod"]["moref"])
        try:
            tasks.append(
                run_task(
                    session,
                    functools.partial(manager.ConfigureStorageDrsForPod_Task, pod=pod, spec=spec, modify=True),
                    plan,
                    "ConfigureStorageDrsForPod_Task",
                    progress,
                    entity=str(call["pod"]["moref"]),
                )
            )
        except FixError as exc:
            if not done:
                raise
            left = [c["pod"]["name"] for c in calls[number - 1:]]
            raise FixError(say("partial", failure=exc.said, then=say("partial-pods", done=done, left=left))) from None
        done.append(name)
    return Applied(task=", ".join(tasks), detail=say("done-sdrs", name=plan.request["object"]["name"], pods=done))


FIXES: tuple[Fix, ...] = (
    Fix("mt.set-disk-enableuuid", MT, READS, plan_enable_uuid, apply_enable_uuid, rechecks=("mt.disk-enableuuid",)),
    Fix(
        "mt.remove-snapshots",
        MT,
        READS,
        plan_remove_snapshots,
        apply_remove_snapshots,
        rechecks=("mt.no-snapshots",),
        destructive=True,
    ),
    Fix(
        "mt.add-retention-disk",
        MT,
        READS,
        plan_add_retention_disk,
        apply_add_retention_disk,
        rechecks=("mt.retention-volume",),
        params=(SIZE_GB, Param("datastore", str)),
    ),
    Fix(
        "mt.exclude-storage-drs",
        MT,
        READS,
        plan_exclude_storage_drs,
        apply_exclude_storage_drs,
        rechecks=("mt.storage-vmotion",),
    ),
)

