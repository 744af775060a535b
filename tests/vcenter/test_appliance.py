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
from checks.model import Said, SiteSettings, Status
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
    [row] = access.evidence["datastores"]
    assert row["datastore"] == "vmfs-prod01" and row["reprotect_agent_reaches"] and row["read_write_on"]
    assert sorted(row["for"]) == ["app01", "db01"]  # original location: the VMs' own datastore
    assert results["vc.failback-role"].status == Status.PASS
    assert results["vc.failback-role"].evidence["account"] == "VSPHERE.LOCAL\\asr-appliance"
    assert results["vm.azure-agent"].status == Status.PASS, EN.summary(results["vm.azure-agent"])
    assert results["vm.original-location"].status == Status.PASS
    # The appliance VM sits in pod-failback, Storage DRS automated, no override: what the fix-it mends.
    sdrs = results["app.storage-drs"]
    assert sdrs.status == Status.FAIL and sdrs.params["pods"] == ["pod-failback (appliance01)"]
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


def test_a_read_only_target_datastore_fails_with_each_hosts_mount(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(MODERNIZED_SITE, target_datastore="vmfs-ro01"))["app.datastore-access"]
    assert result.status == Status.FAIL
    assert [p["key"] for p in result.params["parts"]] == ["not-writable"]
    [row] = result.evidence["datastores"]
    assert row["reprotect_agent_reaches"] and row["mounts"] == [
        {"host": "DC0_H0", "access_mode": "readOnly", "mounted": True, "accessible": True}]
    assert "DC0_H0: readOnly" in EN.summary(result)


def test_a_datastore_the_reprotect_agent_does_not_reach_fails_even_when_vcenter_mounts_it(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access",
                  setup=lambda emu: _reprotect_agent(emu).update(accessibleDatastores=["vmfs-ro01"]))[
        "app.datastore-access"]
    assert result.status == Status.FAIL
    assert [(p["key"], p["datastore"]) for p in result.params["parts"]] == [("not-reached", "vmfs-prod01")]
    assert result.evidence["accessible_datastores"] == ["vmfs-ro01"]


def test_a_target_datastore_vcenter_does_not_have_is_named(vcsim) -> None:
    result = _run(vcsim, "modernized", "app.datastore-access",
                  site=replace(MODERNIZED_SITE, target_datastore="vmfs-prod02"))["app.datastore-access"]
    assert result.status == Status.FAIL
    assert {p["key"] for p in result.params["parts"]} == {"not-reached", "not-in-vcenter"}


def test_the_vcenter_account_without_two_privileges_is_told_which(vcsim) -> None:
    result = _run(vcsim, "modernized", "vc.failback-role",
                  failback_account="VSPHERE.LOCAL\\asr-partial")["vc.failback-role"]
    assert result.status == Status.FAIL
    missing = {row["name"]: row["missing"] for row in result.evidence["entities"]}
    assert missing["DC0"] == ["Datastore.FileManagement", "VirtualMachine.Inventory.Register"]
    assert missing["app01"] == ["VirtualMachine.Inventory.Register"]  # a VM is asked the VM privileges only
    assert missing["vmfs-prod01"] == ["Datastore.FileManagement"]
    assert "VirtualMachine.Inventory.Register" in EN.summary(result)


def test_a_read_only_account_lacks_every_failback_privilege(vcsim) -> None:
    result = _run(vcsim, "modernized", "vc.failback-role",
                  failback_account="VSPHERE.LOCAL\\asr-readonly")["vc.failback-role"]
    assert result.status == Status.FAIL
    dc = next(row for row in result.evidence["entities"] if row["entity"] == "Datacenter")
    assert len(dc["missing"]) == len(result.evidence["required"])


def test_without_a_named_failback_account_the_tools_own_is_read_and_never_a_plain_pass(vcsim) -> None:
    result = _run(vcsim, "modernized", "vc.failback-role", failback_account="")["vc.failback-role"]
    assert result.evidence["account_from"] == "vcenter.user"
    assert result.status != Status.PASS  # the tool's own login is not the account Site Recovery uses


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
    assert words.startswith("ConfigureStorageDrsForPod_Task on pod-failback (storagepod-")
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
    plan = catalog.fix("vm.set-disk-enableuuid").plan(site.sources, {})
    first = EN.say(plan.changes[0])
    assert first.startswith("Note: db01") and "powered on" in first
    assert [c["power_state"] for c in plan.request["calls"]] == ["poweredOff", "poweredOn"]
