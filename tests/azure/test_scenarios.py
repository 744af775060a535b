"""Every Azure check against the emulator's healthy, broken and modernized vaults."""

from __future__ import annotations

import pytest

from checks.model import Status
from checks.texts import Texts
from tests.azure.conftest import AZURE_IDS, run, site_settings

ALL_VMS = ("app01", "db01", "web01", "web02")


def test_healthy_classic_passes_with_evidence(emulator):
    results = run(emulator)
    assert {r.id: r.status for r in results.values()} == {cid: Status.PASS for cid in AZURE_IDS}
    connect = results["az.connect"].evidence
    assert connect["architecture"] == "classic"
    assert connect["vault"] == emulator.vault and connect["protected_items"] == 4
    cs = results["cs.connected"].evidence
    assert cs["ip_address"] == "10.0.0.10" and cs["service_status"] == "Running"
    assert cs["heartbeat_age_min"] < 15
    ps = results["ps.in-azure"].evidence
    # The VMs' addresses are Dynamic (not in the vault): the network comes from the VNet, read from ARM.
    assert ps["ip_address"] == "10.1.0.4" and ps["in_network"] is True
    assert ps["networks"][0]["address_space"] == ["10.1.0.0/16"] and ps["networks"][0]["subnet"] == "snet-failover 10.1.0.0/24"
    assert results["mt.agent-version"].evidence["versions"]["master_target"] == "9.55.6765.1"
    assert results["policy.failback"].evidence["retention_min"] == 1440
    vms = results["vm.failed-over"].evidence["vms"]
    assert vms["app01"]["reprotect_offered_as"] == "SwitchProtection" and vms["db01"]["committed"]
    assert vms["app01"]["azure_vm"]["power_state"] == "running" and vms["app01"]["azure_vm"]["http_status"] == 200
    assert results["mt.host-discovered"].evidence["master_target_datastores"] == ["vmfs-prod01"]


def test_one_read_of_the_vault_per_run(emulator):
    run(emulator)
    paths = [r.path for r in emulator.requests if r.path.startswith("/subscriptions")]
    vault = [p.rsplit("/", 1)[-1] for p in paths if "Microsoft.RecoveryServices" in p]
    # each list once (protected items page twice), nothing read twice
    assert sorted(set(vault)) == sorted(vault) or vault.count("replicationProtectedItems") == 2
    assert len(vault) <= 8
    # Resource Manager: each failback VM (with its instance view) and their one network, once each.
    others = sorted(p.rsplit("/", 1)[-1] for p in paths if "Microsoft.RecoveryServices" not in p)
    assert others == ["app01", "db01", "vnet-recovery"]


@pytest.mark.parametrize("emulator", ["broken-classic"], indirect=True)
def test_broken_classic_fails_each_check_for_its_reason(emulator):
    results = run(emulator, site_settings(failback_vms=ALL_VMS))
    status = {cid: r.status for cid, r in results.items()}
    assert status["az.connect"] == Status.PASS
    for cid in AZURE_IDS[1:]:
        # Other failback policy values than the defaults still carry a failback: they warn.
        assert status[cid] == (Status.WARN if cid == "policy.failback" else Status.FAIL), cid
    assert set(results["cs.connected"].evidence["problems"]) == {"heartbeat", "service", "provider"}
    assert results["cs.vm-known"].evidence["missing"] == ["db01"]
    ps = results["ps.in-azure"].evidence
    assert ps["in_network"] is False and "outside" in ps["problems"]
    assert results["mt.registered"].evidence["health_errors"][0].startswith("78122")
    assert results["mt.group-os"].evidence["mixed"] == ["grp-win"]
    assert results["mt.agent-version"].evidence["newer_than"] == ["process_server", "configuration_server"]
    assert results["mt.host-discovered"].key == "discovery-failed"
    assert results["policy.failback"].evidence["rpo_threshold_min"] == 30
    failed_over = results["vm.failed-over"].evidence
    assert failed_over["missing"] == ["db01"]
    assert failed_over["problems"] == ["missing", "not-failed-over", "health"]
    assert failed_over["vms"]["web01"]["where"] == "on-premises-replicating"


@pytest.mark.parametrize("emulator", ["modernized"], indirect=True)
def test_modernized_skips_classic_checks_with_the_notice(emulator):
    results = run(emulator, site_settings(failback_vms=ALL_VMS))
    connect = results["az.connect"]
    assert connect.status == Status.PASS and connect.evidence["architecture"] == "modernized"
    assert connect.evidence["notices"] == ["azure.classic-retired", "azure.modernized-failback"]
    for cid in AZURE_IDS[1:-1]:
        assert results[cid].status == Status.SKIP and results[cid].key == "classic-only", cid
    assert results["vm.failed-over"].status == Status.PASS
    for lang in ("en", "zh-CN"):
        texts = Texts(lang)
        assert "2026" in texts.get("notices", "azure.classic-retired")
        assert texts.summary(results["cs.connected"]) != "classic-only"


def test_architecture_can_be_forced(emulator):
    results = run(emulator, site_settings(architecture="modernized"))
    assert results["az.connect"].evidence["architecture"] == "modernized"
    assert results["az.connect"].evidence["detected_architecture"] == "classic"
    assert results["cs.connected"].status == Status.SKIP


def test_agent_versions_compare_numerically(emulator):
    # 9.100 is newer than 9.55 as numbers, older as text
    details = emulator.state["fabrics"][0]["properties"]["customDetails"]
    for server in details["processServers"]:
        server["agentVersion"] = "9.100.0.1"
    details["agentVersion"] = "9.100.0.1"
    assert run(emulator)["mt.agent-version"].status == Status.PASS


def test_vnet_setting_overrides_the_vms_networks(emulator):
    from dataclasses import replace

    from checks.model import NetworkSettings
    from tests.azure.conftest import make_sources, run_checks, settings_for

    settings = replace(settings_for(emulator), network=NetworkSettings(azure_vnet="10.9.0.0/16"))
    sources = make_sources(settings, emulator.client_secret)
    try:
        result = run_checks(sources, ("ps.in-azure",))["ps.in-azure"]
    finally:
        sources.close()
    assert result.status == Status.FAIL and result.evidence["networks"][0]["address_space"] == ["10.9.0.0/16"]
    assert result.evidence["networks_from"] == "network.azure_vnet"


def test_master_target_source_for_the_vcenter_checks(emulator):
    from tests.azure.conftest import make_sources, settings_for

    sources = make_sources(settings_for(emulator, site_settings(master_target="mt-lnx01")), emulator.client_secret)
    try:
        mt = sources.source("azure.master-target")
    finally:
        sources.close()
    assert mt["name"] == "mt-lnx01" and mt["os_type"] == "Linux" and mt["os_version"] is None
    assert mt["retention_volumes"] == ["/mnt/retention"] and mt["agent_version"] == "9.55.6765.1"
