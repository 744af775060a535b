"""mt.storage-vmotion and its fix-it across every datastore cluster that matters.

During reprotect and failback the failback VMs' disks are attached to the master target, so a pod
holding them counts as much as the MT's own. The site gets a second pod through the real vSphere
API: vmfs-prod01 (the disks of app01 and db01) moves into "pod-prod" with Storage DRS on.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import catalog
from checks.model import FixError, Said, Status
from checks.texts import Texts
from tests.vcenter.conftest import WINDOWS, make_sources, one_sentence, pyvmomi_si, read_vm, run_checks, site_settings

EN = Texts("en")  # the fix-its say everything by key; these tests read it in English


def _find(si: Any, kind: Any, name: str) -> Any:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind], True)
    try:
        return next(o for o in view.view if o.name == name)
    finally:
        view.Destroy()


def _configure(si: Any, pod: Any, *, enabled: bool | None = None, exclude_vm: Any = None) -> None:
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    spec = vim.storageDrs.ConfigSpec()
    if enabled is not None:
        spec.podConfigSpec = vim.storageDrs.PodConfigSpec(enabled=enabled)
    if exclude_vm is not None:
        spec.vmConfigSpec = [vim.storageDrs.VmConfigSpec(operation="add",
                                                         info=vim.storageDrs.VmConfigInfo(vm=exclude_vm, enabled=False))]
    manager = si.RetrieveContent().storageResourceManager
    WaitForTask(manager.ConfigureStorageDrsForPod_Task(pod=pod, spec=spec, modify=True))


def _overrides(si: Any, pod: Any) -> list[tuple[str, bool]]:
    from pyVmomi import vmodl

    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(objectSet=[pc.ObjectSpec(obj=pod)],
                         propSet=[pc.PropertySpec(type=type(pod), pathSet=["podStorageDrsEntry.storageDrsConfig.vmConfig"])])
    found = si.RetrieveContent().propertyCollector.RetrieveContents([spec])
    values = found[0].propSet[0].val if found and found[0].propSet else []
    return [(c.vm._moId, bool(c.enabled)) for c in values or ()]


@pytest.fixture
def two_pods(fresh_vcsim):
    """The site with the failback VMs' datastore in a second pod, Storage DRS on in both."""
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    si = pyvmomi_si(fresh_vcsim)
    datacenter = si.RetrieveContent().rootFolder.childEntity[0]
    prod = datacenter.datastoreFolder.CreateStoragePod(name="pod-prod")
    WaitForTask(prod.MoveIntoFolder_Task([_find(si, vim.Datastore, "vmfs-prod01")]))
    _configure(si, prod, enabled=True)
    sources = make_sources(site_settings(fresh_vcsim, WINDOWS), fresh_vcsim.password)
    yield sources, si, prod, _find(si, vim.StoragePod, "pod-failback")
    sources.close()


def test_the_failback_vms_pod_counts_when_the_mt_is_excluded_from_its_own(two_pods):
    sources, si, prod, failback = two_pods
    mt = read_vm(si, "mt-win01", ["name"])["obj"]
    _configure(si, failback, exclude_vm=mt)
    result = run_checks(sources, {"mt.storage-vmotion"})["mt.storage-vmotion"]
    assert result.status == Status.FAIL and result.key == "automated"
    assert result.params["pods"] == ["pod-prod (app01, db01)"]
    pods = {p["pod"]: p for p in result.evidence["pods"]}
    assert pods["pod-prod"]["holds"] == ["app01", "db01"] and pods["pod-prod"]["vm_override"] is None
    assert pods["pod-failback"]["holds"] == ["mt-win01"] and pods["pod-failback"]["vm_override"]["enabled"] is False


def test_alternate_location_covers_the_mt_hosts_pods_not_the_vms(fresh_vcsim, two_pods):
    sources, si, prod, failback = two_pods
    _configure(si, failback, exclude_vm=read_vm(si, "mt-win01", ["name"])["obj"])
    alternate = make_sources(site_settings(fresh_vcsim, {**WINDOWS, "recovery": "alternate"}), fresh_vcsim.password)
    try:
        result = run_checks(alternate, {"mt.storage-vmotion"})["mt.storage-vmotion"]
    finally:
        alternate.close()
    # The new disks go to a datastore of the MT's host (esx-nfs01: nfs-mt01, in pod-failback).
    assert result.status == Status.PASS and [p["pod"] for p in result.evidence["pods"]] == ["pod-failback"]
    assert result.evidence["pods"][0]["holds"] == ["mt-win01", "esx-nfs01 (new disks)"]


def test_the_fix_excludes_the_mt_in_every_pod_and_says_how_far_it_got(two_pods):
    sources, si, prod, failback = two_pods
    fix = catalog.fix("mt.exclude-storage-drs")
    plan = fix.plan(sources, {})
    assert [c["pod"]["name"] for c in plan.request["calls"]] == ["pod-failback", "pod-prod"]
    assert "holds app01, db01" in EN.say(plan.changes[1])
    progress: list[Said] = []
    fix.apply(sources, plan, progress.append)
    assert [p for p in map(EN.say, progress) if p.startswith("Storage DRS override")] == [
        "Storage DRS override 1 of 2: pod pod-failback", "Storage DRS override 2 of 2: pod pod-prod"]
    mt_moref = plan.request["object"]["moref"]
    assert _overrides(si, failback) == [(mt_moref, False)] and _overrides(si, prod) == [(mt_moref, False)]
    assert fix.plan(sources, {}).changes == []
    assert run_checks(sources, {"mt.storage-vmotion"})["mt.storage-vmotion"].status == Status.PASS


def test_a_pod_gone_between_plan_and_apply_is_named_with_what_was_done(two_pods):
    sources, si, prod, failback = two_pods
    fix = catalog.fix("mt.exclude-storage-drs")
    plan = fix.plan(sources, {})
    plan.request["calls"][1]["pod"]["moref"] = "group-p999"  # pod-prod vanishes before its turn
    with pytest.raises(FixError) as caught:
        fix.apply(sources, plan, lambda _message: None)
    message = EN.say(caught.value.said)
    assert message.startswith("The StoragePod group-p999 no longer exists in vCenter, so it was not changed")
    assert "Already excluded in: pod-failback; not yet in: pod-prod." in message
    assert one_sentence(message.split(" Already")[0])
    assert _overrides(si, failback) and not _overrides(si, prod)


def test_a_pod_with_storage_drs_off_passes_and_is_named(two_pods):
    sources, si, prod, failback = two_pods
    _configure(si, failback, enabled=False)
    _configure(si, prod, enabled=False)
    result = run_checks(sources, {"mt.storage-vmotion"})["mt.storage-vmotion"]
    assert result.status == Status.PASS and result.key == "sdrs-off"
    assert result.params["off"] == ["pod-failback", "pod-prod"]
    assert [p["storage_drs"] for p in result.evidence["pods"]] == [False, False]
    # The fix-it still adds the overrides: they hold if someone turns Storage DRS on again.
    plan = catalog.fix("mt.exclude-storage-drs").plan(sources, {})
    assert [c["pod"]["name"] for c in plan.request["calls"]] == ["pod-failback", "pod-prod"]


def test_a_pod_in_manual_mode_warns(two_pods):
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    sources, si, prod, failback = two_pods
    manager = si.RetrieveContent().storageResourceManager
    for pod in (failback, prod):
        spec = vim.storageDrs.ConfigSpec(podConfigSpec=vim.storageDrs.PodConfigSpec(defaultVmBehavior="manual"))
        WaitForTask(manager.ConfigureStorageDrsForPod_Task(pod=pod, spec=spec, modify=True))
    result = run_checks(sources, {"mt.storage-vmotion"})["mt.storage-vmotion"]
    assert result.status == Status.WARN and result.key == "manual-mode"
    assert result.params["pods"] == ["pod-failback (mt-win01)", "pod-prod (app01, db01)"]
