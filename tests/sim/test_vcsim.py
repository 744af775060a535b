"""The vCenter simulator itself: the failback site of simulators/SITE.md, read the way clients read it
(PropertyCollector at the wire, pinned certificate), plus its login, session expiry and Storage DRS behaviour."""

from __future__ import annotations

import hashlib
import ssl
import time

import pytest
from pyVim import connect as pyVim_connect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from simulators.vcenter import VCenterSimulator
from tests.conftest import start_vcsim  # noqa: E402

NAMED_VMS = ("cs01", "mt-win01", "mt-lnx01", "app01", "db01", "web01", "web02", "appliance01")


@pytest.fixture(scope="session")
def vcsim():
    sim = start_vcsim(scenario="failback-site")
    yield sim
    sim.stop()


def _connect(sim: VCenterSimulator, pwd: str | None = None):
    return pyVim_connect.SmartConnect(
        host=sim.host,
        port=sim.port,
        user=sim.username,
        pwd=sim.password if pwd is None else pwd,
        serverPemCert=sim.server_pem,
    )


@pytest.fixture
def si(vcsim):
    si = _connect(vcsim)
    yield si
    try:
        pyVim_connect.Disconnect(si)
    except vim.fault.NotAuthenticated:
        pass


def _collect(si, types_and_paths: dict, container=None) -> dict:
    """One RetrieveContents over a ContainerView; returns {moref: {"obj": obj, path: value}}."""
    content = si.RetrieveContent()
    pc = content.propertyCollector
    view = content.viewManager.CreateContainerView(container or content.rootFolder, list(types_and_paths), True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[
                vmodl.query.PropertyCollector.ObjectSpec(
                    obj=view,
                    skip=True,
                    selectSet=[
                        vmodl.query.PropertyCollector.TraversalSpec(
                            name="view", path="view", skip=False, type=vim.view.ContainerView
                        )
                    ],
                )
            ],
            propSet=[
                vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=list(paths))
                for t, paths in types_and_paths.items()
            ],
        )
        result = {}
        for oc in pc.RetrieveContents([spec]):
            props = {p.name: p.val for p in oc.propSet}
            props["obj"] = oc.obj
            result[oc.obj._moId] = props
        return result
    finally:
        view.Destroy()


VM_PATHS = (
    "name",
    "parent",
    "runtime.host",
    "runtime.powerState",
    "datastore",
    "config.guestId",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "config.extraConfig",
    "snapshot",
    "guest.guestFullName",
    "guest.toolsRunningStatus",
    "guest.toolsVersionStatus2",
    "guest.toolsStatus",
    "guest.ipAddress",
    "guest.net",
    "guest.disk",
)


@pytest.fixture
def inventory(si) -> dict:
    raw = _collect(
        si,
        {
            vim.VirtualMachine: VM_PATHS,
            vim.HostSystem: ("name", "datastore", "summary.hardware.memorySize"),
            vim.Datastore: ("name", "summary.type", "host", "parent"),
            vim.StoragePod: ("name", "childEntity", "podStorageDrsEntry"),
            vim.Datacenter: ("name", "vmFolder"),
        },
    )
    by_type: dict = {}
    for props in raw.values():
        by_type.setdefault(type(props["obj"]).__name__.split(".")[-1], {})[props["name"]] = props
    return by_type


def _devices(vm: dict, kind) -> list:
    return [d for d in vm["config.hardware.device"] if isinstance(d, kind)]


def _disk_uuids(vm: dict) -> list[str]:
    return [d.backing.uuid for d in _devices(vm, vim.vm.device.VirtualDisk)]


def _extra(vm: dict) -> dict:
    return {o.key: o.value for o in vm.get("config.extraConfig", [])}


def _snapshot_names(tree) -> list[str]:
    names = []
    for node in tree:
        names.append(node.name)
        names.extend(_snapshot_names(node.childSnapshotList))
    return names


def test_ready_line_and_pinned_certificate(vcsim):
    assert vcsim.url == f"https://{vcsim.host}:{vcsim.port}/sdk"
    der = ssl.PEM_cert_to_DER_cert(vcsim.server_pem)
    assert vcsim.thumbprint_sha256 == ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    assert vcsim.healthy()
    si = pyVim_connect.SmartConnect(
        host=vcsim.host, port=vcsim.port, user=vcsim.username, pwd=vcsim.password,
        thumbprint=vcsim.thumbprint_sha256,
    )
    assert si.RetrieveContent().about.apiType == "VirtualCenter"
    pyVim_connect.Disconnect(si)


def test_named_vms_reachable_from_the_datacenter_vm_folder(inventory):
    vms = inventory["VirtualMachine"]
    assert set(NAMED_VMS) <= set(vms)
    (dc,) = inventory["Datacenter"].values()
    for name in NAMED_VMS:
        assert vms[name]["parent"] == dc["vmFolder"], name


def test_configuration_server(inventory):
    cs = inventory["VirtualMachine"]["cs01"]
    assert cs["config.guestId"] == "windows9Server64Guest"
    assert len(_devices(cs, vim.vm.device.VirtualVmxnet3)) == 2
    assert cs["guest.ipAddress"] == "10.0.0.10"
    assert cs["guest.toolsRunningStatus"] == "guestToolsRunning"
    assert cs["runtime.powerState"] == "poweredOn"


def test_windows_master_target_breaks_the_rules(inventory):
    vms, hosts, stores = inventory["VirtualMachine"], inventory["HostSystem"], inventory["Datastore"]
    mt = vms["mt-win01"]
    assert mt["config.guestId"] == "windows9Server64Guest"
    assert mt["guest.guestFullName"] == "Microsoft Windows Server 2016 (64-bit)"
    assert _devices(mt, vim.vm.device.ParaVirtualSCSIController)
    assert not _devices(mt, vim.vm.device.VirtualLsiLogicSASController)
    assert not _devices(mt, vim.vm.device.VirtualLsiLogicController)
    assert _snapshot_names(mt["snapshot"].rootSnapshotList) == ["before-patch", "after-patch"]
    assert "disk.EnableUUID" not in _extra(mt)
    assert mt["guest.toolsRunningStatus"] == "guestToolsNotRunning"
    assert mt["guest.toolsVersionStatus2"] == "guestToolsNotInstalled"
    assert [(d.diskPath, d.filesystemType) for d in mt["guest.disk"]] == [("C:\\", "NTFS")]
    assert set(_disk_uuids(mt)) & set(_disk_uuids(vms["app01"]))  # the deliberate clash

    # Its host sees NFS only, none of the failback VMs' datastores.
    host = next(h for h in hosts.values() if h["obj"] == mt["runtime.host"])
    store_type = {p["obj"]: p["summary.type"] for p in stores.values()}
    assert {store_type[d] for d in host["datastore"]} == {"NFS"}
    failback_stores = {d for n in ("app01", "db01", "web01", "web02") for d in vms[n]["datastore"]}
    assert not failback_stores & set(host["datastore"])

    # Its datastore is in the Storage DRS pod, automated, no VM override.
    pod = inventory["StoragePod"]["pod-failback"]
    (ds,) = mt["datastore"]
    assert ds in pod["childEntity"]
    cfg = pod["podStorageDrsEntry"].storageDrsConfig
    assert cfg.podConfig.enabled is True
    assert cfg.podConfig.defaultVmBehavior == "automated"
    assert list(cfg.vmConfig) == []


def test_linux_master_target_passes(inventory):
    vms, hosts, stores = inventory["VirtualMachine"], inventory["HostSystem"], inventory["Datastore"]
    mt = vms["mt-lnx01"]
    assert mt["config.guestId"] == "rhel7_64Guest"
    assert mt["guest.guestFullName"] == "Red Hat Enterprise Linux 7 (64-bit)"
    scsi = [d for d in mt["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualSCSIController)]
    assert [type(c) for c in scsi] == [vim.vm.device.VirtualLsiLogicSASController]
    assert "snapshot" not in mt
    assert _extra(mt)["disk.EnableUUID"] == "TRUE"
    assert mt["guest.toolsRunningStatus"] == "guestToolsRunning"
    assert mt["guest.toolsVersionStatus2"] == "guestToolsCurrent"
    assert mt["guest.toolsStatus"] == "toolsOk"
    disks = {d.diskPath: d for d in mt["guest.disk"]}
    assert set(disks) == {"/", "/mnt/retention"}
    assert disks["/mnt/retention"].filesystemType == "xfs"
    assert disks["/mnt/retention"].capacity == 100 * 2**30
    assert 0 < disks["/mnt/retention"].freeSpace <= disks["/mnt/retention"].capacity
    assert disks["/"].capacity == 50 * 2**30

    host = next(h for h in hosts.values() if h["obj"] == mt["runtime.host"])
    assert host["summary.hardware.memorySize"] >= 64 * 2**30
    host_stores = set(host["datastore"])
    assert "VMFS" in {p["summary.type"] for p in stores.values() if p["obj"] in host_stores}
    for name in ("web01", "web02"):
        assert set(vms[name]["datastore"]) <= host_stores
    (ds,) = mt["datastore"]
    assert ds not in inventory["StoragePod"]["pod-failback"]["childEntity"]


def test_failback_vms_and_disk_uuids(inventory):
    vms = inventory["VirtualMachine"]
    expected = {"app01": (1, 8192), "db01": (2, 16384), "web01": (1, 4096), "web02": (1, 4096)}
    for name, (disks, memory) in expected.items():
        vm = vms[name]
        assert len(_disk_uuids(vm)) == disks, name
        assert vm["config.hardware.memoryMB"] == memory, name
        assert vm["runtime.powerState"] == "poweredOff", name
    assert vms["web01"]["config.guestId"] == vms["web02"]["config.guestId"] == "rhel7_64Guest"
    assert vms["app01"]["config.guestId"] == vms["db01"]["config.guestId"] == "windows9Server64Guest"

    seen: dict[str, str] = {}
    clashes = []
    for name in NAMED_VMS:
        for uuid in _disk_uuids(vms[name]):
            assert uuid, name
            if uuid in seen:
                clashes.append({seen[uuid], name})
            seen[uuid] = name
    assert clashes == [{"app01", "mt-win01"}]


def test_wrong_password_is_rejected(vcsim):
    with pytest.raises(vim.fault.InvalidLogin):
        _connect(vcsim, pwd=vcsim.password + "x")
    with pytest.raises(vim.fault.InvalidLogin):
        pyVim_connect.SmartConnect(
            host=vcsim.host, port=vcsim.port, user="root", pwd=vcsim.password, serverPemCert=vcsim.server_pem
        )


def test_expired_session_gets_not_authenticated_then_relogin_works(vcsim, si):
    assert _collect(si, {vim.Datacenter: ("name",)})
    assert vcsim.expire_sessions() >= 1
    with pytest.raises(vim.fault.NotAuthenticated):
        _collect(si, {vim.Datacenter: ("name",)})
    again = _connect(vcsim)
    try:
        assert _collect(again, {vim.Datacenter: ("name",)})
    finally:
        pyVim_connect.Disconnect(again)


def test_storage_drs_vm_override_add_edit_remove(si, inventory):
    pod = inventory["StoragePod"]["pod-failback"]["obj"]
    mt = inventory["VirtualMachine"]["mt-win01"]["obj"]
    srm = si.RetrieveContent().storageResourceManager

    def configure(operation: str, **info):
        spec = vim.storageDrs.ConfigSpec(
            vmConfigSpec=[
                vim.storageDrs.VmConfigSpec(
                    operation=operation,
                    info=vim.storageDrs.VmConfigInfo(vm=mt, **info),
                    removeKey=mt if operation == "remove" else None,
                )
            ]
        )
        task = srm.ConfigureStorageDrsForPod_Task(pod=pod, spec=spec, modify=True)
        WaitForTask(task)
        return task

    def overrides():
        (props,) = [p for p in _collect(si, {vim.StoragePod: ("name", "podStorageDrsEntry")}).values()
                    if p["name"] == "pod-failback"]  # (pod-appliance holds the appliance)
        return list(props["podStorageDrsEntry"].storageDrsConfig.vmConfig)

    task = configure("add", enabled=False)
    assert task.info.state == "success"
    assert task.info.entity == pod
    (override,) = overrides()
    assert override.vm == mt and override.enabled is False

    configure("edit", behavior="manual")
    (override,) = overrides()
    assert override.enabled is False and override.behavior == "manual"

    configure("remove")
    assert overrides() == []


def test_scale_scenario_counts_through_a_container_view():
    started = time.monotonic()
    sim = start_vcsim(scenario="scale", vms=5000)
    try:
        si = _connect(sim)
        vms = _collect(si, {vim.VirtualMachine: ("name", "runtime.powerState")})
        names = {p["name"] for p in vms.values()}
        assert len(vms) == 5000 + len(NAMED_VMS)
        assert {f"vm-{i:05d}" for i in (1, 2500, 5000)} <= names
        assert sum(p["runtime.powerState"] == "poweredOn" for p in vms.values()) == 5000 + 4  # cs01, MTs, appliance01
        pyVim_connect.Disconnect(si)
    finally:
        sim.stop()
    assert time.monotonic() - started < 60
