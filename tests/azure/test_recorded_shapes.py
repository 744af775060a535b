"""Recorded shapes of real vaults, through the real SDK into the checks, each with its verdict.

The healthy classic scenario speaks as recorded vaults do; each `shape:<name>` scenario adds one
more shape (simulators/azure/shapes.py). Every fixture names its source: the recording's
repository, path and commit, or why no recording shows it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.model import Status
from checks.os_release import parse
from checks.texts import Texts
from simulators.azure import AzureEmulator
from simulators.azure import scenarios as sc
from simulators.azure.shapes import SHAPES
from tests.azure.conftest import run, site_settings

S = Status
WINDOWS_VMS = ("app01", "db01")


def _shape(name: str) -> AzureEmulator:
    return AzureEmulator(f"shape:{name}", device_poll_interval=0)


def test_every_shape_names_its_source():
    for shape in SHAPES.values():
        if shape.source is None:
            assert shape.unrecorded, f"{shape.name}: no recording and no word on where its form comes from"
            continue
        assert shape.source.repo in (sc.POWERSHELL, sc.SPECS), shape.name
        assert re.fullmatch(r"[0-9a-f]{40}", shape.source.commit), shape.name
        assert shape.source.path.endswith(".json") and "/" in shape.source.path, shape.name


def wire(emu: AzureEmulator, collection: str) -> list[dict[str, Any]]:
    """What the emulator sends for a collection (rendered as on the wire)."""
    from simulators.azure.server import render

    return render(emu.state[collection])


def test_the_healthy_scenario_speaks_as_recorded_vaults_do(emulator):
    """REPROTECT_2021, SWITCH_2021, PROVIDERS_2021: the forms that look wrong to a model-class reading."""
    fabric = wire(emulator, "fabrics")[0]
    details = fabric["properties"]["customDetails"]
    ps = next(p for p in details["processServers"] if p["friendlyName"] == sc.PS_NAME)
    mts = {m["name"]: m for m in details["masterTargetServers"]}
    assert (ps["cpuLoad"], ps["cpuLoadStatus"], ps["marsCommunicationStatus"]) == ("3%", "Green", "1")
    assert mts["mt-win01"]["retentionVolumes"][0]["volumeName"] == "R"
    assert mts["mt-win01"]["retentionVolumes"][0]["thresholdPercentage"] is None
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{16}", mts["mt-win01"]["id"])
    assert mts["mt-lnx01"]["id"] == mts["mt-lnx01"]["id"].lower() and mts["mt-lnx01"]["osVersion"] is None
    assert mts["mt-win01"]["dataStores"][0]["type"] == "VMFS" and mts["mt-win01"]["dataStores"][0]["capacity"] == "12287.75"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", details["lastHeartbeat"])
    assert details["agentVersionDetails"]["expiryDate"] == "9999-12-31T23:59:59.9999999"
    item = wire(emulator, "items")[0]["properties"]
    assert item["recoveryFabricId"] == "Microsoft Azure"
    assert item["allowedOperations"] == ["CompleteMigration", "DisableProtection", "SwitchProtection"]
    config = item["providerSpecificDetails"]["vmNics"][0]["ipConfigs"][0]
    assert config["recoveryIPAddressType"] == "Dynamic" and config["recoveryStaticIPAddress"] is None
    forward = next(m for m in wire(emulator, "mappings") if m["name"] == "replication-mapping")
    assert forward["properties"]["targetProtectionContainerId"] == "Microsoft Azure"

    # ...and every Azure check passes on it, with the raw values it used in its evidence.
    results = run(emulator)
    assert {r.status for r in results.values()} == {S.PASS}, {r.id: r.status for r in results.values()}
    assert results["mt.agent-version"].evidence["version_status"]["process_server"] == {
        "versionStatus": "Supported", "agentVersionDetails.status": "Supported"}
    assert results["vm.failed-over"].evidence["vms"]["app01"]["reprotect_offered_as"] == "SwitchProtection"
    assert results["ps.in-azure"].evidence["networks"][0]["address_space"] == [sc.VNET_SPACE]
    assert results["ps.in-azure"].evidence["load"]["cpuLoad"] == "3%"
    assert results["cs.connected"].evidence["last_heartbeat"].endswith("Z")
    assert results["policy.failback"].evidence["mappings"][0]["name"] == "failback-mapping"


# shape -> the checks whose verdict it changes: (status, the summary key, the parts it names)
EXPECTED: dict[str, dict[str, tuple[Status, str, tuple[str, ...]]]] = {
    "ps-without-health": {"ps.in-azure": (S.PASS, "ok", ())},
    "fabric-health-error": {"cs.connected": (S.FAIL, "not-ready", ("fabric-health",))},
    "certificates-expired": {"cs.connected": (S.FAIL, "not-ready", ("certificate-expired",)),
                             "ps.in-azure": (S.FAIL, "not-ready", ("certificate-expired",))},
    "agents-not-supported": {"mt.agent-version": (S.FAIL, "not-ready", ("unsupported", "unsupported"))},
    "agent-update-required": {"mt.agent-version": (S.WARN, "caveats", ("update-required",))},
    "agent-deprecated": {"mt.agent-version": (S.FAIL, "not-ready", ("unsupported",))},
    "agent-security-update": {"mt.agent-version": (S.WARN, "caveats", ("update-required",))},
    "ps-cpu-red": {"ps.in-azure": (S.WARN, "caveats", ("load",))},
    "vcenter-discovery-pending": {"mt.host-discovered": (S.WARN, "discovery-pending", ())},
    "item-health-2017": {"vm.failed-over": (S.WARN, "caveats", ("health",))},
    "already-reprotected": {"vm.failed-over": (S.WARN, "caveats", ("already-reprotected",)),
                            "mt.group-os": (S.PASS, "ok", ())},
    "failed-back": {"vm.failed-over": (S.WARN, "caveats", ("already-failed-back",))},
    "policy-other-values": {"policy.failback": (S.WARN, "other-values", ())},
    "linux-lsb-release": {"mt.registered": (S.PASS, "ok", ())},
    "vm-gone": {"vm.failed-over": (S.FAIL, "not-ready", ("vm-gone",))},
    "vm-deallocated": {"vm.failed-over": (S.FAIL, "not-ready", ("vm-not-running",))},
    "ps-peered": {"ps.in-azure": (S.WARN, "caveats", ("peered",))},
}


def test_every_shape_has_an_expected_verdict():
    assert set(EXPECTED) == set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES), ids=lambda n: f"{n} <- {SHAPES[n].source.path.rsplit('/', 1)[-1] if SHAPES[n].source else 'unrecorded'}")
def test_shape_gives_its_verdict_and_leaves_the_rest_green(name):
    site = site_settings(failback_vms=WINDOWS_VMS, master_target="mt-lnx01" if name == "linux-lsb-release" else "mt-win01")
    with _shape(name) as emu:
        results = run(emu, site)
    for check_id, (status, key, parts) in EXPECTED[name].items():
        result = results[check_id]
        assert (result.status, result.key) == (status, key), (check_id, result.status, result.key, result.params)
        assert tuple(p["key"] for p in result.params.get("parts", ())) == parts, result.params
        for lang in ("en", "zh-CN"):
            words = Texts(lang).summary(result)
            assert "{" not in words and "part." not in words, words
    others = {r.id: r.status for r in results.values() if r.id not in EXPECTED[name]}
    assert set(others.values()) == {S.PASS}, others


def test_evidence_keeps_the_raw_values_of_each_verdict():
    with _shape("agents-not-supported") as emu:
        agents = run(emu)["mt.agent-version"]
    assert agents.evidence["version_status"]["master_target"] == {"versionStatus": "NotSupported"}
    assert agents.evidence["unsupported"] == ["master_target", "process_server"]
    with _shape("fabric-health-error") as emu:
        cs = run(emu)["cs.connected"]
    assert cs.evidence["fabric_health"] == "Error"
    assert [e["code"] for e in cs.evidence["fabric_health_errors"]] == [
        "AcsToAadMigrationPending", "InMageCSSSLCertificateAboutToExpire"]
    # The blocking error is said; the notice of an expiry still to come only warns, so it is not among them.
    assert "AcsToAadMigrationPending" in Texts("en").summary(cs)
    assert "AboutToExpire" not in Texts("en").summary(cs)
    with _shape("ps-cpu-red") as emu:
        ps = run(emu)["ps.in-azure"]
    assert ps.evidence["load"]["cpuLoadStatus"] == "Red" and ps.evidence["load"]["cpuLoad"] == "92%"
    with _shape("vm-gone") as emu:
        vms = run(emu, site_settings(failback_vms=WINDOWS_VMS))["vm.failed-over"]
    gone = vms.evidence["vms"]["app01"]["azure_vm"]
    assert gone["http_status"] == 404 and gone["error_code"] == "ResourceNotFound" and gone["id_from"] == "targetVmId"
    with _shape("ps-peered") as emu:
        peered = run(emu)["ps.in-azure"]
    assert peered.evidence["networks"][0]["peered"] == "to-hub"
    with _shape("linux-lsb-release") as emu:
        registered = run(emu, site_settings(master_target="mt-lnx01"))["mt.registered"]
    assert registered.evidence["os_version"].startswith('DISTRIB_ID=Ubuntu') and '"Ubuntu 20.04.6 LTS"' in \
        registered.evidence["os_version"]
    assert parse(registered.evidence["os_version"]).shown == "ubuntu 20.04"
