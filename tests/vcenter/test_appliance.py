"""Modernized vaults, the vCenter side, against both simulators: the datastore failback writes to, the
appliance VM and Storage DRS, the failback VMs' disk.EnableUUID, the vCenter account's privileges (read
from vCenter's authorization manager), the agent in the Azure VMs; and the two fix-its, applied."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from checks import catalog
from checks.model import FixError, Said, SiteSettings, Status
from checks.runner import Runner
from checks.sources import Sources
from checks.spec import Result
from checks.texts import Texts
from simulators import settings as simulated
from simulators.azure import AzureEmulator
from tests.english import english_words
from tests.vcenter.conftest import pyvmomi_si, read_vm

EN = Texts("en")
ZH = Texts("zh-CN")
MODERNIZED_SITE = SiteSettings(failback_vms=("app01", "db01"), appliance="appliance01")
VCENTER_SIDE = ("app.datastore-access", "app.storage-drs", "vm.disk-enableuuid", "vc.failback-role")


class Site:
    def __init__(self, vcsim: Any, emu: AzureEmulator, site: SiteSettings = MODERNIZED_SITE, **vcenter: Any) -> None:
        settings = simulated.simulated_settings(vcsim, emu, site=site, ps_address="", cs_address="")
        if vcenter:
            settings = replace(settings, vcenter=replace(settings.vcenter, **vcenter))
        secrets = {"vcenter": vcsim.password, "azure": emu.client_secret}
        self.sources = Sources(catalog.all_sources(), settings, secrets=secrets.get)

    def run(self, *ids: str) -> dict[str, Result]:
        checks = [c for c in catalog.all_checks() if c.id in ids]
        return {r.id: r for r in Runner(checks, self.sources).run()}

    def close(self) -> None:
        self.sources.close()


def _run(vcsim: Any, scenario: str, *ids: str, site: SiteSettings = MODERNIZED_SITE, setup=None,
         **vcenter: Any) -> dict[str, Result]:
    with AzureEmulator(scenario, device_poll_interval=0) as emu:
        if setup:
            setup(emu)
        s = Site(vcsim, emu, site, **vcenter)
        try:
            return s.run(*ids)
        finally:
            s.close()


def _reprotect_agent(emu: AzureEmulator) -> dict:
    fabric = next(f for f in emu.state["fabrics"] if f["properties"]["customDetails"]["instanceType"] == "InMageRcm")
    return fabric["properties"]["customDetails"]["reprotectAgents"][0]


# --- the checks, each pass and fail ---------------------------------------------------------------


def test_the_demo_site_passes_what_is_set_up_and_names_what_is_not(vcsim) -> None:
    results = _run(vcsim, "modernized", *VCENTER_SIDE, "vm.azure-agent", "vm.original-location")
    access = results["app.datastore-access"]
    assert access.status == Status.PASS, EN.summary(access)
    assert access.evidence["appliance_host"] == "DC0_H0"
    [row] = access.evidence["datastores"]
    assert row["datastore"] == "vmfs-prod01" and row["reprotect_agent_reaches"] and row["writable_from_appliance"]
    assert row["on_appliance_host"] == "readWrite"
    assert sorted(row["for"]) == ["app01", "db01"]  # original location: the VMs' own datastore
    assert results["vc.failback-role"].status == Status.PASS
    assert results["vc.failback-role"].evidence["account"] == "VSPHERE.LOCAL\\asr-appliance"
    asked = {r["name"] for r in results["vc.failback-role"].evidence["entities"]}
    assert asked == {"app01", "db01", "appliance01", "vmfs-prod01"}
    assert results["vm.azure-agent"].status == Status.PASS, EN.summary(results["vm.azure-agent"])
    assert results["vm.original-location"].key == "all-original"
    # The appliance VM sits in pod-appliance, Storage DRS automated, no override: what the fix-it mends.
    sdrs = results["app.storage-drs"]
    assert sdrs.status == Status.FAIL and sdrs.params["pods"] == ["pod-appliance (appliance01)"]
    assert sdrs.evidence["pods"][0]["vm_override"] is None and sdrs.evidence["pods"][0]["default_behavior"] == "automated"
    uuid = results["vm.disk-enableuuid"]
    assert uuid.status == Status.WARN and uuid.params["vms"] == ["app01", "db01"]
    assert uuid.evidence["vms"]["app01"]["disk.EnableUUID"] is None


def test_the_appliance_vm_is_found_by_the_name_the_vault_gives_when_the_configuration_names_none(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.storage-drs", site=SiteSettings(failback_vms=("app01", "db01")))[
        "app.storage-drs"]
    assert result.status == Status.FAIL and result.params["name"] == "appliance01"
    result = _run(vcsim, "modernized", "app.storage-drs",
                  site=replace(MODERNIZED_SITE, appliance_vm="appliance-01"))["app.storage-drs"]
    assert result.status == Status.ERROR and result.params["closest"][0] == "appliance01"


ALTERNATE = replace(MODERNIZED_SITE, recovery="alternate")


def test_a_target_datastore_read_only_on_the_appliances_host_fails(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(ALTERNATE, target_datastore="vmfs-ro01"))["app.datastore-access"]
    assert result.status == Status.FAIL
    assert [p["key"] for p in result.params["parts"]] == ["not-writable"]
    [row] = result.evidence["datastores"]
    assert row["reprotect_agent_reaches"] and row["on_appliance_host"] == "readOnly"
    assert sorted(row["for"]) == ["app01", "db01"]
    assert "not mounted read-write on DC0_H0, the appliance's host (readOnly)" in EN.summary(result)


def test_a_datastore_mounted_read_write_elsewhere_but_not_on_the_appliances_host_fails(vcsim) -> None:
    # nfs-mt01 is read-write on esx-nfs01 only; the appliance runs on DC0_H0.
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(ALTERNATE, target_datastore="nfs-mt01"),
                  setup=lambda emu: _reprotect_agent(emu).update(accessibleDatastores=["nfs-mt01"]))[
        "app.datastore-access"]
    assert result.status == Status.FAIL
    assert [p["key"] for p in result.params["parts"]] == ["not-writable"]
    [row] = result.evidence["datastores"]
    assert row["on_appliance_host"] is None and row["mounts"][0]["access_mode"] == "readWrite"


def test_at_the_original_location_the_vms_own_datastores_count_not_the_target(vcsim) -> None:
    """A correct target_datastore does not hide that a VM's own datastore is not reachable."""
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(MODERNIZED_SITE, target_datastore="vmfs-ro01"),
                  setup=lambda emu: _reprotect_agent(emu).update(accessibleDatastores=["vmfs-ro01"]))[
        "app.datastore-access"]
    assert result.status == Status.FAIL
    assert [(p["key"], p["datastore"]) for p in result.params["parts"]] == [("not-reached", "vmfs-prod01")]
    assert result.evidence["accessible_datastores"] == ["vmfs-ro01"]


def test_a_target_datastore_vcenter_does_not_have_is_named_with_the_closest(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(ALTERNATE, target_datastore="vmfs-prod02"))["app.datastore-access"]
    assert result.status == Status.FAIL
    parts = {p["key"]: p for p in result.params["parts"]}
    assert set(parts) == {"not-reached", "not-in-vcenter"}
    assert parts["not-in-vcenter"]["closest"].startswith("vmfs-prod01")


def test_an_alternate_location_without_a_target_datastore_says_what_to_set(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access", site=ALTERNATE)["app.datastore-access"]
    assert result.status == Status.FAIL
    assert result.params["parts"] == [{"key": "no-target", "vms": "app01, db01"}]
    assert "[site] target_datastore" in EN.summary(result)


def test_storage_drs_counts_the_pod_of_the_datastore_the_disks_are_attached_from(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.storage-drs",
                  site=replace(ALTERNATE, target_datastore="nfs-mt01"))["app.storage-drs"]
    assert result.status == Status.FAIL
    assert result.params["pods"] == ["pod-appliance (appliance01)", "pod-failback (app01, db01)"]


def test_the_vcenter_account_without_two_privileges_is_told_which(vcsim) -> None:
    result = _run(vcsim, "modernized", "vc.failback-role",
                  failback_account="VSPHERE.LOCAL\\asr-partial")["vc.failback-role"]
    assert result.status == Status.FAIL
    missing = {row["name"]: row["missing"] for row in result.evidence["entities"]}
    assert missing == {"app01": ["VirtualMachine.Inventory.Register"], "db01": ["VirtualMachine.Inventory.Register"],
                       "appliance01": ["VirtualMachine.Inventory.Register"], "vmfs-prod01": ["Datastore.FileManagement"]}
    assert "VirtualMachine.Inventory.Register" in EN.summary(result)


def test_a_read_only_account_lacks_every_failback_privilege(vcsim) -> None:
    result = _run(vcsim, "modernized", "vc.failback-role",
                  failback_account="VSPHERE.LOCAL\\asr-readonly")["vc.failback-role"]
    assert result.status == Status.FAIL
    vm = next(row for row in result.evidence["entities"] if row["name"] == "app01")
    assert "VirtualMachine.Interact.PowerOn" in vm["missing"] and "Task.Create" in vm["missing"]


def test_without_a_named_failback_account_nothing_is_read_and_it_is_not_confirmed(vcsim) -> None:
    from checks.report import readiness

    result = _run(vcsim, "modernized", "vc.failback-role", failback_account="")["vc.failback-role"]
    assert result.status == Status.SKIP and result.key == "no-account"
    assert readiness([result]).unconfirmed == ("vc.failback-role",)  # the tool did not look


def test_the_failback_vms_disk_enableuuid_missing_vms_are_said(vcsim) -> None:
    result = _run(vcsim, "modernized", "vm.disk-enableuuid",
                  site=replace(MODERNIZED_SITE, failback_vms=("gone01",)))["vm.disk-enableuuid"]
    assert result.status == Status.SKIP and result.key == "none-in-vcenter"
    result = _run(vcsim, "modernized", "vm.disk-enableuuid",
                  site=replace(MODERNIZED_SITE, failback_vms=("mt-lnx01", "gone01")))["vm.disk-enableuuid"]
    assert result.status == Status.WARN and result.key == "partial"  # mt-lnx01 has it; gone01 was not looked at


def test_the_agent_in_an_azure_vm_that_did_not_register_fails_and_an_unstated_one_is_undetermined(vcsim) -> None:
    result = _run(vcsim, "modernized-vm-not-ready", "vm.azure-agent")["vm.azure-agent"]
    assert result.status == Status.FAIL
    assert [(p["key"], p["vm"]) for p in result.params["parts"]] == [("not-registered", "db01")]
    assert result.evidence["vms"]["db01"]["raw_registered_after_failover"] is False

    def unstated(emu: AzureEmulator) -> None:
        for item in emu.state["items"]:
            item["properties"]["providerSpecificDetails"].pop("isAgentRegistrationSuccessfulAfterFailover")

    result = _run(vcsim, "modernized", "vm.azure-agent", setup=unstated)["vm.azure-agent"]
    assert result.status == Status.ERROR
    assert {p["key"] for p in result.params["parts"]} == {"registration-unknown"}


def test_a_silent_agent_in_an_azure_vm_warns_with_its_age(vcsim) -> None:
    def silent(emu: AzureEmulator) -> None:
        from simulators.azure.scenarios import minutes_ago

        item = next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "app01")
        item["properties"]["providerSpecificDetails"]["mobilityAgentDetails"]["lastHeartbeatUtc"] = minutes_ago(95)

    result = _run(vcsim, "modernized", "vm.azure-agent", setup=silent)["vm.azure-agent"]
    assert result.status == Status.WARN and result.params["parts"][0]["key"] == "silent"
    assert "95 min" in EN.summary(result)


def test_on_a_classic_vault_the_modernized_checks_skip_with_the_reason(vcsim) -> None:
    results = _run(vcsim, "healthy-classic", "app.datastore-access", "app.storage-drs", "vm.disk-enableuuid",
                   "vm.azure-agent", site=simulated.SITE)
    assert {r.key for r in results.values()} == {"modernized-only"}
    assert {r.status for r in results.values()} == {Status.SKIP}


def test_on_a_modernized_vault_the_classic_vcenter_checks_stand_aside_even_with_an_old_master_target_named(vcsim) -> None:
    site = replace(MODERNIZED_SITE, master_target="mt-win01", retain_ip=True, configuration_server_vm="cs01")
    results = _run(vcsim, "modernized", "mt.no-snapshots", "mt.disk-enableuuid", "cs.failback-nic", site=site)
    assert {r.key for r in results.values()} == {"classic-only"}


# --- the fix-its -----------------------------------------------------------------------------------


@pytest.fixture
def modernized(fresh_vcsim) -> Iterator[tuple[Site, Any]]:
    with AzureEmulator("modernized", device_poll_interval=0) as emu:
        site = Site(fresh_vcsim, emu)
        try:
            yield site, pyvmomi_si(fresh_vcsim)
        finally:
            site.close()


def _apply(site: Site, fix_id: str) -> tuple[Any, Any]:
    fix = catalog.fix(fix_id)
    plan = fix.plan(site.sources, {})
    assert plan.changes
    json.dumps(plan.request)
    progress: list[Said] = []
    applied = fix.apply(site.sources, plan, progress.append)
    for said in [*plan.changes, *progress, applied.detail]:
        assert not english_words(ZH.say(said)), ZH.say(said)
    assert fix.plan(site.sources, {}).changes == [], "a second run has nothing to change"
    return plan, applied


def test_exclude_the_appliance_from_storage_drs_then_the_check_passes(modernized) -> None:
    site, _ = modernized
    plan, applied = _apply(site, "app.exclude-storage-drs")
    words = EN.say(plan.changes[0])
    assert words.startswith("ConfigureStorageDrsForPod_Task on pod-appliance (storagepod-")
    assert "add VM override for appliance01" in words
    assert "appliance01" in EN.say(applied.detail)
    result = site.run("app.storage-drs")["app.storage-drs"]
    assert result.status == Status.PASS and result.key == "excluded"


def test_set_disk_enableuuid_on_the_failback_vms_then_the_check_passes(modernized) -> None:
    site, si = modernized
    plan, _ = _apply(site, "vm.set-disk-enableuuid")
    assert [c["object"]["name"] for c in plan.request["calls"]] == ["app01", "db01"]
    assert all(not EN.say(c).startswith("Note") for c in plan.changes), "powered off: nothing to warn of"
    for name in ("app01", "db01"):
        extra = {o.key: o.value for o in read_vm(si, name, ["config.extraConfig"])["config.extraConfig"]}
        assert extra["disk.EnableUUID"] == "TRUE"
    assert site.run("vm.disk-enableuuid")["vm.disk-enableuuid"].status == Status.PASS


def test_a_powered_on_failback_vm_is_warned_of_first(modernized) -> None:
    site, si = modernized
    vm = read_vm(si, "db01", ["runtime.powerState"])["obj"]
    vm.PowerOnVM_Task()
    for _ in range(100):
        if read_vm(si, "db01", ["runtime.powerState"])["runtime.powerState"] == "poweredOn":
            break
        time.sleep(0.05)
    assert read_vm(si, "db01", ["runtime.powerState"])["runtime.powerState"] == "poweredOn"
    plan = catalog.fix("vm.set-disk-enableuuid").plan(site.sources, {})
    first = EN.say(plan.changes[0])
    assert first.startswith("Note: db01") and "powered on" in first
    assert [c["power_state"] for c in plan.request["calls"]] == ["poweredOff", "poweredOn"]


def test_a_vm_gone_between_plan_and_apply_says_which_vms_have_the_setting_and_which_not(modernized) -> None:
    site, si = modernized
    fix = catalog.fix("vm.set-disk-enableuuid")
    plan = fix.plan(site.sources, {})
    read_vm(si, "db01", ["runtime.powerState"])["obj"].Destroy_Task()
    for _ in range(100):
        if "db01" not in {n for n in _names(si)}:
            break
        time.sleep(0.05)
    with pytest.raises(FixError) as stopped:
        fix.apply(site.sources, plan, lambda said: None)
    words = EN.say(stopped.value.said)
    assert "Already set on: app01; not yet on: db01." in words, words
    assert not english_words(ZH.say(stopped.value.said))


def test_the_appliance_fix_it_refuses_a_classic_vault_and_an_unknown_vm(fresh_vcsim) -> None:
    with AzureEmulator("healthy-classic", device_poll_interval=0) as emu:
        site = Site(fresh_vcsim, emu, simulated.SITE)
        try:
            with pytest.raises(FixError) as refused:
                catalog.fix("app.exclude-storage-drs").plan(site.sources, {})
            assert "classic, not modernized" in EN.say(refused.value.said)
        finally:
            site.close()
    with AzureEmulator("modernized", device_poll_interval=0) as emu:
        site = Site(fresh_vcsim, emu, replace(MODERNIZED_SITE, appliance_vm="appliance-01"))
        try:
            with pytest.raises(FixError) as unknown:
                catalog.fix("app.exclude-storage-drs").plan(site.sources, {})
            assert "appliance01" in EN.say(unknown.value.said) and "[site] appliance_vm" in EN.say(unknown.value.said)
        finally:
            site.close()


def _names(si: Any) -> list[str]:
    from pyVmomi import vim

    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return [vm.name for vm in view.view]
    finally:
        view.DestroyView()


def test_a_modernized_vm_gone_from_vcenter_cannot_go_back_to_its_original_location(vcsim) -> None:
    result = _run(vcsim, "modernized", "vm.original-location",
                  site=replace(MODERNIZED_SITE, failback_vms=("app01", "gone01")))["vm.original-location"]
    assert result.status == Status.FAIL and result.key == "missing"
    assert result.params["vms"] == ["gone01 (~web01)"]  # with the closest name vCenter has
