"""Fix-its on the master target: plan, apply, read back through pyvmomi, plan again (empty), re-check."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks import catalog
from checks.model import FixError, Said, Status
from checks.texts import Texts
from tests.english import english_words
from tests.vcenter.conftest import WINDOWS, make_sources, one_sentence, pyvmomi_si, read_vm, run_checks, site_settings

EN = Texts("en")  # the fix-its say everything by key; these tests read it in English


@pytest.fixture
def site(fresh_vcsim):
    sources = make_sources(site_settings(fresh_vcsim, WINDOWS), fresh_vcsim.password)
    si = pyvmomi_si(fresh_vcsim)
    yield sources, si
    sources.close()


def _fix_roundtrip(sources: Any, fix_id: str, params: dict[str, Any] | None = None) -> tuple[Any, Any, list[str]]:
    fix = catalog.fix(fix_id)
    plan = fix.plan(sources, params or {})
    assert plan.changes and not plan.nothing_to_do
    json.dumps(plan.request)  # the request is plain JSON
    progress: list[Said] = []
    applied = fix.apply(sources, plan, progress.append)
    assert applied.task.startswith("task-")
    assert progress and EN.say(progress[-1]).endswith("100%")
    chinese = [Texts("zh-CN").say(p) for p in [*plan.changes, *progress, applied.detail]]
    assert not any(english_words(line) for line in chinese), chinese
    second = fix.plan(sources, params or {})
    assert second.changes == [], "a second run has nothing to change"
    rechecks = run_checks(sources, set(fix.rechecks))
    return plan, applied, [f"{r.id}={r.status}" for r in rechecks.results.values()]


def test_set_disk_enableuuid(site):
    sources, si = site
    plan, applied, rechecks = _fix_roundtrip(sources, "mt.set-disk-enableuuid")
    assert [EN.say(c) for c in plan.changes] == [f'ReconfigVM_Task on mt-win01 ({plan.request["object"]["moref"]}): extraConfig["disk.EnableUUID"] = "TRUE"']
    assert plan.request["spec"] == {"extraConfig": [{"key": "disk.EnableUUID", "value": "TRUE"}]}
    extra = {o.key: o.value for o in read_vm(si, "mt-win01", ["config.extraConfig"])["config.extraConfig"]}
    assert extra["disk.EnableUUID"] == "TRUE"
    assert rechecks == ["mt.disk-enableuuid=pass"]


def test_remove_snapshots(site):
    sources, si = site
    fix = catalog.fix("mt.remove-snapshots")
    assert fix.destructive
    plan, _, rechecks = _fix_roundtrip(sources, "mt.remove-snapshots")
    assert "before-patch, after-patch" in EN.say(plan.changes[0])
    assert EN.say(plan.changes[0]).startswith("RemoveAllSnapshots_Task on mt-win01 (vm-")
    assert read_vm(si, "mt-win01", ["rootSnapshot"])["rootSnapshot"] == []
    assert rechecks == ["mt.no-snapshots=pass"]


def test_add_retention_disk_adds_an_lsi_controller_next_to_pvscsi(site):
    sources, si = site
    plan, applied, rechecks = _fix_roundtrip(sources, "mt.add-retention-disk", {"size_gb": 20})
    assert "add VirtualLsiLogicSASController on SCSI bus 1" in EN.say(plan.changes[0])
    assert 'add VirtualDisk 20 GB, thin, "[nfs-mt01] mt-win01/mt-win01_retention.vmdk" on SCSI 1:0' in EN.say(plan.changes[1])
    from pyVmomi import vim

    devices = read_vm(si, "mt-win01", ["config.hardware.device"])["config.hardware.device"]
    sas = [d for d in devices if isinstance(d, vim.vm.device.VirtualLsiLogicSASController)]
    disks = [d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)]
    assert len(sas) == 1 and sas[0].busNumber == 1
    new = [d for d in disks if d.backing.fileName.endswith("_retention.vmdk")]
    assert len(new) == 1
    assert new[0].controllerKey == sas[0].key and new[0].capacityInKB == 20 * 1024 * 1024
    assert not isinstance(
        next(d for d in devices if d.key == new[0].controllerKey), vim.vm.device.ParaVirtualSCSIController
    )
    # The guest still has to format it: the check says exactly that.
    result = run_checks(sources, {"mt.retention-volume"})["mt.retention-volume"]
    assert result.status == Status.FAIL and result.key == "not-formatted"
    assert rechecks == ["mt.retention-volume=fail"]


def test_add_retention_disk_on_a_named_datastore_uses_the_existing_lsi_controller(fresh_vcsim):
    from dataclasses import replace

    settings = site_settings(fresh_vcsim, {"master_target": "mt-lnx01", "failback_vms": ("web01",)})
    sources = make_sources(settings, fresh_vcsim.password)
    try:
        plan = catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 5, "datastore": "vmfs-prod01"})
        assert len(plan.changes) == 1 and "on SCSI 0:2" in EN.say(plan.changes[0])
        with pytest.raises(FixError) as caught:
            catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 5, "datastore": "nfs-mt01"})
        assert "vmfs-prod01" in EN.say(caught.value.said) and one_sentence(EN.say(caught.value.said))
        with pytest.raises(FixError):
            catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 0})
        with pytest.raises(FixError) as too_big:  # vSphere's limit is 62 TB: refused before vCenter is asked
            catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 63489})
        assert "from 1 to 63488" in EN.say(too_big.value.said) and one_sentence(EN.say(too_big.value.said))
        assert catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 63488}).changes
        sources.update_settings(site=replace(settings.site, master_target="mt-lnx1"))
        with pytest.raises(FixError) as unknown:
            catalog.fix("mt.add-retention-disk").plan(sources, {"size_gb": 5})
        assert "mt-lnx01" in EN.say(unknown.value.said)
    finally:
        sources.close()


def test_exclude_storage_drs(site):
    sources, si = site
    plan, applied, rechecks = _fix_roundtrip(sources, "mt.exclude-storage-drs")
    assert EN.say(plan.changes[0]).startswith("ConfigureStorageDrsForPod_Task on pod-failback (storagepod-")
    assert EN.say(plan.changes[0]).endswith("add VM override for mt-win01 (" + plan.request["object"]["moref"] + "): enabled = false")
    from pyVmomi import vim, vmodl

    content = si.RetrieveContent()
    pc = vmodl.query.PropertyCollector
    pod_ref = vim.StoragePod(plan.request["calls"][0]["pod"]["moref"], si._stub)
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=pod_ref)],
        propSet=[pc.PropertySpec(type=vim.StoragePod, pathSet=["podStorageDrsEntry.storageDrsConfig.vmConfig"])],
    )
    vm_config = content.propertyCollector.RetrieveContents([spec])[0].propSet[0].val
    assert [(c.vm._moId, c.enabled) for c in vm_config] == [(plan.request["object"]["moref"], False)]
    assert rechecks == ["mt.storage-vmotion=pass"]


@pytest.mark.parametrize(
    "fix_id, params",
    [
        ("mt.set-disk-enableuuid", {}),
        ("mt.remove-snapshots", {}),
        ("mt.add-retention-disk", {"size_gb": 10}),
        ("mt.exclude-storage-drs", {}),
    ],
)
def test_vm_vanishes_between_plan_and_apply(site, fix_id, params):
    sources, si = site
    fix = catalog.fix(fix_id)
    plan = fix.plan(sources, params)
    assert plan.changes
    # The record names the VM with its moref; the plain name is what an operator types to confirm.
    assert plan.target == f"mt-win01 ({plan.request['object']['moref']})"
    assert plan.target_name == "mt-win01"
    props = read_vm(si, "mt-win01", ["runtime.powerState"])
    vm = props["obj"]
    from pyVim.task import WaitForTask

    if props["runtime.powerState"] == "poweredOn":
        WaitForTask(vm.PowerOffVM_Task())
    WaitForTask(vm.Destroy_Task())
    with pytest.raises(FixError) as caught:
        fix.apply(sources, plan, lambda _msg: None)
    message = EN.say(caught.value.said)
    assert "mt-win01" in message and "no longer exists" in message
    assert one_sentence(message)
    chinese = Texts("zh-CN").say(caught.value.said)  # the same failure, for a Chinese operator
    assert "mt-win01" in chinese and english_words(chinese) == set(), chinese
