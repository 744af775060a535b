"""What the checks know about vCenter, read in two PropertyCollector calls per run.

1. Names: every VirtualMachine's `name`, through a ContainerView kept for the session.
2. Details: the named VMs (master target, failback VMs, configuration server VM) with,
   by traversal, their datastores and storage pods, and the hosts of their compute
   resource with those hosts' datastores. One RetrievePropertiesEx, one filter.

Nothing is read attribute by attribute: unset properties are simply absent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.os_release import Release, better, parse
from checks.sources import Source, Sources
from checks.vcenter.connection import Session

VM_PROPERTIES = (
    "name",
    "config.guestId",
    "config.guestFullName",
    "config.hardware.device",
    "config.hardware.memoryMB",
    "config.extraConfig",
    "config.files.vmPathName",
    "guest.guestFamily",
    "guest.guestFullName",
    "guest.toolsRunningStatus",
    "guest.toolsVersionStatus2",
    "guest.toolsVersion",
    "guest.disk",
    "snapshot",
    "runtime.host",
    "runtime.powerState",
    "datastore",
)
HOST_PROPERTIES = (
    "name",
    "datastore",
    "vm",
    "summary.hardware.memorySize",
    "summary.quickStats.overallMemoryUsage",
)
DATASTORE_PROPERTIES = ("name", "summary.type", "summary.accessible", "summary.capacity", "summary.freeSpace", "host", "parent")
POD_PROPERTIES = ("name", "podStorageDrsEntry.storageDrsConfig")

# The file name the mt.add-retention-disk fix gives the disk it adds, so a second run can find it.
RETENTION_SUFFIX = "_retention.vmdk"

SCSI_TYPES = {
    "ParaVirtualSCSIController": "pvscsi",
    "VirtualLsiLogicSASController": "lsilogic-sas",
    "VirtualLsiLogicController": "lsilogic",
    "VirtualBusLogicController": "buslogic",
}


@dataclass(frozen=True)
class Controller:
    key: int
    bus: int
    kind: str  # pvscsi | lsilogic-sas | lsilogic | buslogic | other SCSI kinds
    label: str


@dataclass(frozen=True)
class Disk:
    key: int
    label: str
    controller_key: int
    unit: int
    uuid: str
    file_name: str
    capacity_gb: float


@dataclass(frozen=True)
class GuestVolume:
    path: str
    capacity: int
    free: int
    filesystem: str


@dataclass(frozen=True)
class Snapshot:
    name: str
    moref: str
    created: str


@dataclass
class VM:
    moref: str
    name: str
    guest_id: str = ""
    guest_full_name: str = ""
    guest_family: str = ""
    guest_running_full_name: str = ""
    memory_mb: int = 0
    extra_config: dict[str, str] = field(default_factory=dict)
    vmx_path: str = ""
    controllers: list[Controller] = field(default_factory=list)
    disks: list[Disk] = field(default_factory=list)
    nics: list[dict[str, str]] = field(default_factory=list)
    tools_running: str = ""
    tools_version_status: str = ""
    tools_version: str = ""
    guest_volumes: list[GuestVolume] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    host: str = ""
    power_state: str = ""
    datastores: list[str] = field(default_factory=list)

    def extra(self, key: str) -> str | None:
        """An extraConfig value; vSphere keys are case-insensitive."""
        wanted = key.lower()
        for k, v in self.extra_config.items():
            if k.lower() == wanted:
                return v
        return None

    @property
    def ref(self) -> str:
        return f"{self.name} ({self.moref})"

    @property
    def enable_uuid(self) -> bool:
        """disk.EnableUUID is TRUE: the guest sees stable disk identifiers (serial numbers)."""
        return (self.extra("disk.EnableUUID") or "").strip().lower() == "true"

    @property
    def enable_uuid_key(self) -> str:
        """The key to set disk.EnableUUID with: its existing spelling, so vCenter edits the entry instead
        of adding a twin."""
        return next((k for k in self.extra_config if k.lower() == "disk.enableuuid"), "disk.EnableUUID")

    @property
    def disk_datastores(self) -> list[str]:
        """The names of the datastores holding the VM's disks and its configuration (not those of a
        mounted ISO image, which the VM's datastore list includes too), in order, once each."""
        names: list[str] = []
        for path in [self.vmx_path, *(d.file_name for d in self.disks)]:
            if path.startswith("[") and "]" in path:
                name = path[1:path.index("]")]
                if name and name not in names:
                    names.append(name)
        return names


@dataclass
class Host:
    moref: str
    name: str
    datastores: list[str] = field(default_factory=list)
    vms: list[str] = field(default_factory=list)
    memory_bytes: int = 0
    memory_used_mb: int = 0

    @property
    def free_memory_mb(self) -> int:
        return max(0, self.memory_bytes // (1024 * 1024) - self.memory_used_mb)


@dataclass(frozen=True)
class Mount:
    access_mode: str
    accessible: bool
    mounted: bool


@dataclass
class Datastore:
    moref: str
    name: str
    type: str = ""
    accessible: bool = False
    capacity: int = 0
    free: int = 0
    pod: str = ""
    mounts: dict[str, Mount] = field(default_factory=dict)


@dataclass(frozen=True)
class VmOverride:
    enabled: bool | None
    behavior: str


@dataclass
class Pod:
    moref: str
    name: str
    sdrs_enabled: bool = False
    default_behavior: str = ""
    overrides: dict[str, VmOverride] = field(default_factory=dict)


@dataclass
class Inventory:
    """The part of vCenter this run looks at, as plain data."""

    names: dict[str, list[str]]  # every VM name in vCenter -> morefs
    vms: dict[str, VM]
    hosts: dict[str, Host]
    datastores: dict[str, Datastore]
    pods: dict[str, Pod]
    round_trips: int = 0

    def vm(self, name: str) -> VM | None:
        for moref in self.names.get(name, ()):
            if moref in self.vms:
                return self.vms[moref]
        return None

    def closest(self, name: str, n: int = 3) -> list[str]:
        return difflib.get_close_matches(name, list(self.names), n=n, cutoff=0.5)

    def vm_name(self, moref: str) -> str:
        found = self.vms.get(moref)
        if found:
            return found.name
        for name, refs in self.names.items():
            if moref in refs:
                return name
        return moref

    def datastore_names(self, morefs: Iterable[str]) -> list[str]:
        return [self.datastores[m].name if m in self.datastores else m for m in morefs]

    def datastore(self, name: str) -> Datastore | None:
        return next((ds for ds in self.datastores.values() if ds.name.lower() == name.lower()), None)

    def pods_of(self, datastores: Iterable[str]) -> set[str]:
        """The Storage DRS pods (datastore clusters) these datastores belong to."""
        return {self.datastores[d].pod for d in datastores if d in self.datastores and self.datastores[d].pod}


def wanted_names(settings: Any) -> list[str]:
    site = settings.site
    names = [site.master_target, *site.failback_vms, site.configuration_server_vm or site.configuration_server,
             site.appliance_vm or site.appliance]
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen


# --- reading ---------------------------------------------------------------------


def _props(obj_content: Any) -> dict[str, Any]:
    return {p.name: p.val for p in obj_content.propSet or ()}


def _moref(obj: Any) -> str:
    return str(obj._moId) if obj is not None else ""


def read_names(session: Session) -> dict[str, list[str]]:
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector

    def fetch() -> list[Any]:
        if session.vm_view is None:
            session.vm_view = session.content.viewManager.CreateContainerView(
                session.content.rootFolder, [vim.VirtualMachine], True
            )
        spec = pc.FilterSpec(
            objectSet=[
                pc.ObjectSpec(
                    obj=session.vm_view,
                    skip=True,
                    selectSet=[pc.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)],
                )
            ],
            propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        )
        return session.retrieve([spec])

    names: dict[str, list[str]] = {}
    for obj in session.call(fetch):
        name = _props(obj).get("name")
        if name is not None:
            names.setdefault(str(name), []).append(_moref(obj.obj))
    return names


def _detail_spec(vm_refs: list[Any]) -> Any:
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    sel: Any = pc.SelectionSpec  # pyVmomi's classes are made at run time
    # VM -> resource pool -> its compute resource -> hosts -> their datastores -> pods.
    # (Not VM -> runtime.host: traversal paths must be plain properties on a real vCenter.)
    traversals = [
        pc.TraversalSpec(name="vm-pool", type=vim.VirtualMachine, path="resourcePool", skip=True, selectSet=[sel(name="pool-owner")]),
        pc.TraversalSpec(name="pool-owner", type=vim.ResourcePool, path="owner", skip=True, selectSet=[sel(name="cr-hosts")]),
        pc.TraversalSpec(name="cr-hosts", type=vim.ComputeResource, path="host", skip=False, selectSet=[sel(name="host-ds")]),
        pc.TraversalSpec(name="host-ds", type=vim.HostSystem, path="datastore", skip=False, selectSet=[sel(name="ds-pod")]),
        pc.TraversalSpec(name="vm-ds", type=vim.VirtualMachine, path="datastore", skip=False, selectSet=[sel(name="ds-pod")]),
        pc.TraversalSpec(name="ds-pod", type=vim.Datastore, path="parent", skip=False),
    ]
    return pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=ref, skip=False, selectSet=traversals) for ref in vm_refs],
        propSet=[
            pc.PropertySpec(type=vim.VirtualMachine, pathSet=list(VM_PROPERTIES)),
            pc.PropertySpec(type=vim.HostSystem, pathSet=list(HOST_PROPERTIES)),
            pc.PropertySpec(type=vim.Datastore, pathSet=list(DATASTORE_PROPERTIES)),
            pc.PropertySpec(type=vim.StoragePod, pathSet=list(POD_PROPERTIES)),
        ],
    )


def _snapshots(tree: Iterable[Any]) -> list[Snapshot]:
    found: list[Snapshot] = []
    for node in tree or ():
        created = node.createTime.isoformat() if getattr(node, "createTime", None) else ""
        found.append(Snapshot(str(node.name), _moref(node.snapshot), created))
        found.extend(_snapshots(node.childSnapshotList))
    return found


def _vm(moref: str, p: Mapping[str, Any]) -> VM:
    from pyVmomi import vim

    vm = VM(moref=moref, name=str(p.get("name", moref)))
    vm.guest_id = str(p.get("config.guestId") or "")
    vm.guest_full_name = str(p.get("config.guestFullName") or "")
    vm.guest_family = str(p.get("guest.guestFamily") or "")
    vm.guest_running_full_name = str(p.get("guest.guestFullName") or "")
    vm.memory_mb = int(p.get("config.hardware.memoryMB") or 0)
    vm.extra_config = {str(o.key): str(o.value) for o in p.get("config.extraConfig") or ()}
    vm.vmx_path = str(p.get("config.files.vmPathName") or "")
    for dev in p.get("config.hardware.device") or ():
        label = str(dev.deviceInfo.label) if dev.deviceInfo else ""
        if isinstance(dev, vim.vm.device.VirtualSCSIController):
            kind = SCSI_TYPES.get(type(dev).__name__.rsplit(".", 1)[-1], type(dev).__name__.rsplit(".", 1)[-1])
            vm.controllers.append(Controller(int(dev.key), int(dev.busNumber), kind, label))
        elif isinstance(dev, vim.vm.device.VirtualDisk):
            backing = dev.backing
            vm.disks.append(
                Disk(
                    key=int(dev.key),
                    label=label,
                    controller_key=int(dev.controllerKey or 0),
                    unit=int(dev.unitNumber or 0),
                    uuid=str(getattr(backing, "uuid", "") or ""),
                    file_name=str(getattr(backing, "fileName", "") or ""),
                    capacity_gb=round(int(getattr(dev, "capacityInKB", 0) or 0) / (1024 * 1024), 2),
                )
            )
        elif isinstance(dev, vim.vm.device.VirtualEthernetCard):
            network = ""
            if dev.deviceInfo and dev.deviceInfo.summary:
                network = str(dev.deviceInfo.summary)
            vm.nics.append({"label": label, "mac": str(dev.macAddress or ""), "network": network})
    vm.tools_running = str(p.get("guest.toolsRunningStatus") or "")
    vm.tools_version_status = str(p.get("guest.toolsVersionStatus2") or "")
    vm.tools_version = str(p.get("guest.toolsVersion") or "")
    for d in p.get("guest.disk") or ():
        vm.guest_volumes.append(
            GuestVolume(str(d.diskPath or ""), int(d.capacity or 0), int(d.freeSpace or 0), str(getattr(d, "filesystemType", "") or ""))
        )
    snapshot = p.get("snapshot")
    vm.snapshots = _snapshots(snapshot.rootSnapshotList) if snapshot is not None else []
    vm.host = _moref(p.get("runtime.host"))
    vm.power_state = str(p.get("runtime.powerState") or "")
    vm.datastores = [_moref(d) for d in p.get("datastore") or ()]
    return vm


def _pod(moref: str, p: Mapping[str, Any]) -> Pod:
    pod = Pod(moref=moref, name=str(p.get("name", moref)))
    config = p.get("podStorageDrsEntry.storageDrsConfig")
    if config is not None:
        pod.sdrs_enabled = bool(config.podConfig.enabled)
        pod.default_behavior = str(config.podConfig.defaultVmBehavior or "")
        for entry in config.vmConfig or ():
            pod.overrides[_moref(entry.vm)] = VmOverride(entry.enabled, str(entry.behavior or ""))
    return pod


def _datastore(moref: str, p: Mapping[str, Any]) -> Datastore:
    from pyVmomi import vim

    parent = p.get("parent")
    return Datastore(
        moref=moref,
        name=str(p.get("name", moref)),
        type=str(p.get("summary.type") or ""),
        accessible=bool(p.get("summary.accessible")),
        capacity=int(p.get("summary.capacity") or 0),
        free=int(p.get("summary.freeSpace") or 0),
        pod=_moref(parent) if isinstance(parent, vim.StoragePod) else "",
        mounts={
            _moref(m.key): Mount(str(m.mountInfo.accessMode or ""), bool(m.mountInfo.accessible), bool(m.mountInfo.mounted))
            for m in p.get("host") or ()
        },
    )


def read_datastores(session: Session, names: list[str]) -> tuple[dict[str, Datastore], dict[str, Pod], dict[str, Host]]:
    """Datastores by name, wherever they are (one container view of all datastores and hosts), with their
    pods and the names of the hosts that mount them: for a datastore named in the configuration that no
    VM read so far sits on."""
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector

    def fetch() -> list[Any]:
        view = session.content.viewManager.CreateContainerView(session.content.rootFolder,
                                                               [vim.Datastore, vim.HostSystem], True)
        try:
            spec = pc.FilterSpec(
                objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[
                    pc.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False,
                                     selectSet=[pc.SelectionSpec(name="ds-pod")]),
                    pc.TraversalSpec(name="ds-pod", type=vim.Datastore, path="parent", skip=False)])],
                propSet=[pc.PropertySpec(type=vim.Datastore, pathSet=list(DATASTORE_PROPERTIES)),
                         pc.PropertySpec(type=vim.StoragePod, pathSet=list(POD_PROPERTIES)),
                         pc.PropertySpec(type=vim.HostSystem, pathSet=["name"])],
            )
            return session.retrieve([spec])
        finally:
            view.DestroyView()

    wanted = {n.lower() for n in names}
    found: dict[str, Datastore] = {}
    pods: dict[str, Pod] = {}
    hosts: dict[str, Host] = {}
    for obj in session.call(fetch):
        moref, p = _moref(obj.obj), _props(obj)
        if isinstance(obj.obj, vim.Datastore) and str(p.get("name", "")).lower() in wanted:
            found[moref] = _datastore(moref, p)
        elif isinstance(obj.obj, vim.StoragePod):
            pods[moref] = _pod(moref, p)
        elif isinstance(obj.obj, vim.HostSystem):
            hosts[moref] = Host(moref=moref, name=str(p.get("name", moref)))  # its name only: who mounts what
    mounting = {h for ds in found.values() for h in ds.mounts}
    return (found, {m: pod for m, pod in pods.items() if any(ds.pod == m for ds in found.values())},
            {m: host for m, host in hosts.items() if m in mounting})


def read_details(session: Session, vm_morefs: list[str]) -> tuple[dict[str, VM], dict[str, Host], dict[str, Datastore], dict[str, Pod]]:
    from pyVmomi import vim

    vms: dict[str, VM] = {}
    hosts: dict[str, Host] = {}
    datastores: dict[str, Datastore] = {}
    pods: dict[str, Pod] = {}
    if not vm_morefs:
        return vms, hosts, datastores, pods
    refs = [session.managed("VirtualMachine", m) for m in vm_morefs]
    objects = session.call(lambda: session.retrieve([_detail_spec(refs)]))
    for obj in objects:
        moref, p = _moref(obj.obj), _props(obj)
        if isinstance(obj.obj, vim.VirtualMachine):
            vms[moref] = _vm(moref, p)
        elif isinstance(obj.obj, vim.HostSystem):
            hosts[moref] = Host(
                moref=moref,
                name=str(p.get("name", moref)),
                datastores=[_moref(d) for d in p.get("datastore") or ()],
                vms=[_moref(v) for v in p.get("vm") or ()],
                memory_bytes=int(p.get("summary.hardware.memorySize") or 0),
                memory_used_mb=int(p.get("summary.quickStats.overallMemoryUsage") or 0),
            )
        elif isinstance(obj.obj, vim.Datastore):
            datastores[moref] = _datastore(moref, p)
        elif isinstance(obj.obj, vim.StoragePod):
            pods[moref] = _pod(moref, p)
    return vms, hosts, datastores, pods


def read_inventory(session: Session, names_wanted: list[str], datastores_wanted: Iterable[str] = ()) -> Inventory:
    before = session.round_trips
    names = read_names(session)
    morefs = [names[n][0] for n in names_wanted if n in names]
    vms, hosts, datastores, pods = read_details(session, morefs)
    seen = {ds.name.lower() for ds in datastores.values()}
    unseen = [n for n in datastores_wanted if n and n.lower() not in seen]
    if unseen:
        more, more_pods, more_hosts = read_datastores(session, unseen)
        datastores.update(more)
        pods.update({m: pod for m, pod in more_pods.items() if m not in pods})
        hosts.update({m: host for m, host in more_hosts.items() if m not in hosts})
    return Inventory(names, vms, hosts, datastores, pods, round_trips=session.round_trips - before)


def _fetch_inventory(ctx: Sources) -> Inventory:
    session: Session = ctx.source("vcenter.session")
    return read_inventory(session, wanted_names(ctx.settings), [ctx.settings.site.target_datastore])


INVENTORY = Source("vcenter.inventory", _fetch_inventory)


def os_of(vm: VM) -> Release:
    """The VM's OS release: the running guest's own name (it tells "R2" and minor versions), else the
    configured guest name and id, read for only what they are sure of (powered-off VMs have only those)."""
    hint = {"windowsGuest": "windows", "linuxGuest": "linux"}.get(vm.guest_family, "")
    running = parse(vm.guest_running_full_name, family_hint=hint) if vm.guest_running_full_name else None
    configured = parse(vm.guest_full_name, vm.guest_id, hint, coarse=True)
    return better(running, configured) if running is not None else configured
