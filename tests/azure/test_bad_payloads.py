"""Payloads that real vaults, or newer API versions, may send: no traceback and no wrong verdict.

Each case changes the healthy vault at the wire and names the verdict it must give: missing or null
fields, empty lists, unknown enum values, naive and sentinel time stamps, ids that are not ARM ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from checks.model import Status
from checks.texts import Texts
from simulators.azure import AzureEmulator
from simulators.azure import scenarios as sc
from tests.azure.conftest import run, site_settings

S = Status


def cs(state: dict) -> dict:
    return state["fabrics"][0]["properties"]["customDetails"]


def ps(state: dict) -> dict:
    return next(p for p in cs(state)["processServers"] if p["friendlyName"] == sc.PS_NAME)


def mt(state: dict) -> dict:
    return next(m for m in cs(state)["masterTargetServers"] if m["name"] == "mt-win01")


def item(state: dict, name: str = "app01") -> dict:
    return next(i for i in state["items"] if i["properties"]["friendlyName"] == name)["properties"]


def details(state: dict, name: str = "app01") -> dict:
    return item(state, name)["providerSpecificDetails"]


def naive_minutes_ago(m: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S")


def vm_resource(state: dict, name: str) -> dict:
    return next(r for r in state["resources"].values() if r["id"].lower().endswith(f"/virtualmachines/{name}"))


def vnet_resource(state: dict) -> dict:
    return next(r for r in state["resources"].values() if r["type"] == "Microsoft.Network/virtualNetworks")


Change = Callable[[dict], Any]
CASES: list[tuple[str, Change, str, Status, str]] = [
    # --- time stamps
    ("heartbeat 'never' is not fresh", lambda s: cs(s).update(lastHeartbeat="9999-12-31T23:59:59.9999999"),
     "cs.connected", S.FAIL, "heartbeat"),
    ("heartbeat 0001-01-01 (not yet)", lambda s: cs(s).update(lastHeartbeat="0001-01-01T00:00:00"),
     "cs.connected", S.FAIL, "heartbeat"),
    ("heartbeat an hour in the future", lambda s: cs(s).update(lastHeartbeat=naive_minutes_ago(-60) + "Z"),
     "cs.connected", S.FAIL, "heartbeat"),
    ("heartbeat naive (no zone) is UTC", lambda s: cs(s).update(lastHeartbeat=naive_minutes_ago(2)),
     "cs.connected", S.PASS, ""),
    ("heartbeat unreadable", lambda s: cs(s).update(lastHeartbeat="yesterday"), "cs.connected", S.FAIL, "heartbeat"),
    ("heartbeat null", lambda s: cs(s).update(lastHeartbeat=None), "cs.connected", S.FAIL, "heartbeat"),
    ("process server heartbeat with a +05:30 offset",
     lambda s: ps(s).update(lastHeartbeat=(dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30)))
                                           - dt.timedelta(minutes=2)).isoformat()),
     "ps.in-azure", S.PASS, ""),
    # --- health and enum values
    ("ProtectionHealth None is not unhealthy", lambda s: ps(s).update(health="None"), "ps.in-azure", S.PASS, ""),
    ("process server health null, errors null", lambda s: ps(s).update(health=None, healthErrors=None),
     "ps.in-azure", S.PASS, ""),
    ("process server health a word of a newer API", lambda s: ps(s).update(health="Degraded"),
     "ps.in-azure", S.WARN, "health-warning"),
    ("health errors as a string", lambda s: ps(s).update(healthErrors="none"), "ps.in-azure", S.PASS, ""),
    ("replication health None", lambda s: item(s).update(replicationHealth="None"), "vm.failed-over", S.PASS, ""),
    ("fabric health a word of a newer API", lambda s: s["fabrics"][0]["properties"].update(health="Degraded"),
     "cs.connected", S.WARN, "fabric-warning"),
    ("a certificate about to expire only warns",
     lambda s: s["fabrics"][0]["properties"].update(health="Warning", healthErrorDetails=[{
         "errorLevel": "Error", "errorCode": "InMagePSSSLCertificateAboutToExpire",
         "errorMessage": "The data channel certificate expires soon."}]), "cs.connected", S.WARN, "fabric-warning"),
    ("certificate expiring in 10 days", lambda s: ps(s).update(sslCertExpiryRemainingDays=10),
     "ps.in-azure", S.WARN, "certificate-expiring"),
    ("fabric health null, details null",
     lambda s: s["fabrics"][0]["properties"].update(health=None, healthErrorDetails=None), "cs.connected", S.PASS, ""),
    ("versionStatus of a newer API", lambda s: mt(s).update(versionStatus="Retiring",
                                                           agentVersionDetails=None),
     "mt.agent-version", S.WARN, "status-unknown"),
    ("versionStatus lower case", lambda s: ps(s).update(versionStatus="notsupported", agentVersionDetails={}),
     "mt.agent-version", S.FAIL, "unsupported"),
    ("versionStatus and details disagree: the worse counts",
     lambda s: mt(s).update(agentVersionDetails={"version": sc.AGENT_VERSION, "status": "Deprecated"}),
     "mt.agent-version", S.FAIL, "unsupported"),
    ("discoveryStatus of a newer API", lambda s: s["vcenters"][0]["properties"].update(discoveryStatus="Reconciling"),
     "mt.host-discovered", S.WARN, "discovery-unknown"),
    # --- missing fields, null strings, empty lists
    ("no process servers (null)", lambda s: cs(s).update(processServers=None), "ps.in-azure", S.FAIL, "not-found"),
    ("master targets as an object", lambda s: cs(s).update(masterTargetServers={"name": "mt-win01"}),
     "mt.registered", S.FAIL, "not-found"),
    ("retention volumes null", lambda s: mt(s).update(retentionVolumes=None), "mt.registered", S.PASS, ""),
    ("datastores empty", lambda s: mt(s).update(dataStores=[]), "mt.host-discovered", S.FAIL, "no-datastores"),
    ("allowed operations null", lambda s: item(s).update(allowedOperations=None),
     "vm.failed-over", S.FAIL, "reprotect-not-offered"),
    ("provider details null", lambda s: item(s).update(providerSpecificDetails=None),
     "vm.failed-over", S.ERROR, "vm-no-id"),
    ("policy details null",
     lambda s: next(p for p in s["policies"] if p["name"] == "failback-policy")["properties"].update(
         providerSpecificDetails=None), "policy.failback", S.FAIL, "missing"),
    ("process server address empty", lambda s: ps(s).update(ipAddress=""), "ps.in-azure", S.FAIL, "no-address"),
    ("the VMs' network without an address space",
     lambda s: vnet_resource(s)["properties"].pop("addressSpace"), "ps.in-azure", S.WARN, "network-unknown"),
    ("the items name no recovery network",
     lambda s: [details(s, n).update(selectedRecoveryAzureNetworkId=None, vmNics=[]) for n in ("app01", "db01")],
     "ps.in-azure", S.WARN, "network-unknown"),
    ("instance view without a power state",
     lambda s: vm_resource(s, "app01")["_instanceView"].update(statuses=[]), "vm.failed-over", S.ERROR, "vm-power-unknown"),
    ("Azure VM starting", lambda s: vm_resource(s, "app01").update(
        _instanceView=sc.instance_view("app01", "starting", sc.WINDOWS_2016)), "vm.failed-over", S.WARN, "vm-starting"),
    ("allowed operations a number", lambda s: item(s).update(allowedOperations=7),
     "vm.failed-over", S.FAIL, "reprotect-not-offered"),
    ("allowed operations a string", lambda s: item(s).update(allowedOperations="SwitchProtection"),
     "vm.failed-over", S.FAIL, "reprotect-not-offered"),
    ("policy id not a string",
     lambda s: [m["properties"].update(policyId=42) for m in s["mappings"]], "policy.failback", S.FAIL, "not-mapped"),
    ("policy values as strings",
     lambda s: next(p for p in s["policies"] if p["name"] == "failback-policy")["properties"][
         "providerSpecificDetails"].update(recoveryPointThresholdInMinutes="15", recoveryPointHistory="1440",
                                           appConsistentFrequencyInMinutes="60"), "policy.failback", S.PASS, ""),
    ("failback association not paired",
     lambda s: next(m for m in s["mappings"] if m["name"] == "failback-mapping")["properties"].update(
         state="PairingFailed", health="Critical"), "policy.failback", S.FAIL, "not-paired"),
    ("failback policy not associated",
     lambda s: s.update(mappings=[m for m in s["mappings"] if m["name"] != "failback-mapping"]),
     "policy.failback", S.FAIL, "not-mapped"),
    ("a vCenter health warning does not fail discovery",
     lambda s: s["vcenters"][0]["properties"].update(healthErrors=[{
         "errorLevel": "Warning", "errorCode": "78010", "errorMessage": "The vCenter certificate expires in 60 days."}]),
     "mt.host-discovered", S.PASS, ""),
    ("failed over, not committed",
     lambda s: item(s).update(protectionState="UnplannedFailoverCompleted",
                              protectionStateDescription="Failover completed"),
     "vm.failed-over", S.FAIL, "not-committed"),
    ("a provider this tool does not know", lambda s: details(s).update(instanceType="A2A"),
     "vm.failed-over", S.ERROR, "unknown-provider"),
    ("failback done, its failover not committed",
     lambda s: (__import__("simulators.azure.shapes", fromlist=["reprotected"]).reprotected(item(s), sc.Ids(
         "x", "y", "z", "t")), item(s).update(activeLocation="Recovery", protectionState="UnplannedFailoverCompleted")),
     "vm.failed-over", S.WARN, "failback-not-committed"),
    ("a reprotected VM whose replication back is critical",
     lambda s: (__import__("simulators.azure.shapes", fromlist=["reprotected"]).reprotected(item(s), sc.Ids(
         "x", "y", "z", "t")), item(s).update(replicationHealth="Critical")),
     "vm.failed-over", S.WARN, "health"),
    ("the Mobility service silent for an hour while its VM runs",
     lambda s: details(s).update(lastHeartbeat=naive_minutes_ago(60) + "Z"), "vm.failed-over", S.WARN, "agent-silent"),
    ("master target agent version unreadable", lambda s: mt(s).update(agentVersion="unknown"),
     "mt.agent-version", S.ERROR, "unreadable"),
    ("agents compared only in part", lambda s: [p.update(agentVersion=None) for p in cs(s)["processServers"]],
     "mt.agent-version", S.WARN, "partly"),
    ("a longer master target version is not newer", lambda s: cs(s).update(agentVersion="9.55"),
     "mt.agent-version", S.PASS, ""),
    ("process server cache volume Red", lambda s: ps(s).update(spaceUsageStatus="Red"),
     "ps.in-azure", S.WARN, "cache-full"),
    ("process server errors without a level beside a Normal health",
     lambda s: ps(s).update(healthErrors=[{"errorCode": "EPH0001", "errorMessage": "The cache folder is not writable."}]),
     "ps.in-azure", S.FAIL, "health-errors"),
    ("Azure VM power state unknown", lambda s: vm_resource(s, "app01").update(
        _instanceView=sc.instance_view("app01", "unknown", sc.WINDOWS_2016)), "vm.failed-over", S.ERROR, "vm-power-unknown"),
    # --- ids that are not ARM ids
    ("targetVmId a bare GUID: the id is built from the group and name",
     lambda s: details(s).update(targetVmId="d3731098-963a-11eb-a892-000d3ad78fab"), "vm.failed-over", S.PASS, ""),
    ("targetVmId dangling (recorded before failover)",
     lambda s: details(s).update(targetVmId=details(s)["targetVmId"].rsplit("/", 1)[0] + "/"), "vm.failed-over", S.PASS, ""),
    ("no usable VM id at all",
     lambda s: details(s).update(targetVmId="not-an-id", recoveryAzureResourceGroupId=None),
     "vm.failed-over", S.ERROR, "vm-no-id"),
    ("network id that is not an ARM id, with a good one beside it",
     lambda s: details(s).update(selectedRecoveryAzureNetworkId="Microsoft Azure"), "ps.in-azure", S.PASS, ""),
]


def _summary_part_keys(result: Any) -> set[str]:
    return {p["key"] for p in result.params.get("parts", ())}


@pytest.mark.parametrize(("label", "change", "check_id", "status", "part"), CASES, ids=[c[0] for c in CASES])
def test_payload_gives_the_right_verdict(emulator: AzureEmulator, label, change, check_id, status, part):
    change(emulator.state)
    result = run(emulator, site_settings(failback_vms=("app01", "db01")))[check_id]
    assert result.status == status, (label, result.status, result.key, result.params, result.reason)
    assert result.key not in ("raised", "unavailable"), result.reason
    if part:
        assert part in _summary_part_keys(result) | {result.key}, result.params
    for lang in ("en", "zh-CN"):
        words = Texts(lang).summary(result)
        assert "{" not in words and "Traceback" not in words, words


def test_vms_in_two_networks_with_the_process_server_in_one_warn(emulator: AzureEmulator):
    other = sc.virtual_network(emulator._ids, "vnet-second", ("10.2.0.0/16",), {"snet-a": "10.2.0.0/24"})
    emulator.state["resources"][other["id"].lower()] = other
    details(emulator.state, "db01").update(selectedRecoveryAzureNetworkId=other["id"])
    for nic in details(emulator.state, "db01")["vmNics"]:
        nic["recoveryVMNetworkId"] = other["id"]
    result = run(emulator, site_settings(failback_vms=("app01", "db01")))["ps.in-azure"]
    assert result.status == S.WARN and [p["key"] for p in result.params["parts"]] == ["other-networks"]
    assert result.params["parts"][0]["networks"] == ["vnet-second 10.2.0.0/16"]


@pytest.mark.parametrize("status", [500, 429])
def test_resource_manager_failing_leaves_the_vm_and_network_checks_undetermined(emulator: AzureEmulator, status):
    emulator.add_fault(r"/Microsoft\.(Compute|Network)/", status=status, retry_after=0, times=None)
    results = run(emulator, site_settings(failback_vms=("app01", "db01")))
    vms, ps_ = results["vm.failed-over"], results["ps.in-azure"]
    assert vms.status == S.ERROR and {p["key"] for p in vms.params["parts"]} == {"vm-unread"}
    assert ps_.status == S.ERROR and ps_.key == "network-unread"
    assert ps_.params["problem"] == ("server-error" if status == 500 else "throttled")


def test_one_unread_network_of_several_leaves_the_placement_undetermined(emulator: AzureEmulator):
    missing = sc.vnet_id(emulator._ids, "vnet-deleted")
    details(emulator.state, "db01").update(selectedRecoveryAzureNetworkId=missing)
    for nic in details(emulator.state, "db01")["vmNics"]:
        nic["recoveryVMNetworkId"] = missing
    result = run(emulator, site_settings(failback_vms=("app01", "db01")))["ps.in-azure"]
    assert result.status == S.ERROR and result.key == "network-unread" and result.params["vnet"] == "vnet-deleted"


def test_the_configured_network_places_the_process_server(emulator: AzureEmulator):
    from dataclasses import replace

    from checks.model import NetworkSettings
    from tests.azure.conftest import make_sources, run_checks, settings_for

    for vnet, status in (("10.1.0.0/16", S.PASS), ("10.9.0.0/16", S.FAIL), ("10.1.0.0/16, nonsense", S.ERROR)):
        settings = replace(settings_for(emulator), network=NetworkSettings(azure_vnet=vnet))
        sources = make_sources(settings, emulator.client_secret)
        try:
            result = run_checks(sources, ("ps.in-azure",))["ps.in-azure"]
        finally:
            sources.close()
        assert result.status == status, (vnet, result.key, result.reason)
        if status == S.ERROR:
            assert result.key == "bad-vnet"


def test_a_403_on_the_vm_or_its_network_names_the_permission_and_is_never_a_fail(emulator: AzureEmulator):
    emulator.deny("Microsoft.Compute/virtualMachines/read")
    emulator.deny("Microsoft.Network/virtualNetworks/read")
    results = run(emulator, site_settings(failback_vms=("app01", "db01")))
    vms, ps_ = results["vm.failed-over"], results["ps.in-azure"]
    assert vms.status == S.ERROR and ps_.status == S.ERROR
    forbidden = [p for p in vms.params["parts"] if p["key"] == "vm-forbidden"]
    assert [p["vm"] for p in forbidden] == ["app01", "db01"]
    assert forbidden[0]["needs"] == "Microsoft.Compute/virtualMachines/read"
    assert forbidden[0]["id"].endswith("/virtualMachines/app01")
    assert ps_.key == "network-forbidden" and ps_.params["needs"] == "Microsoft.Network/virtualNetworks/read"
    en = Texts("en").summary(ps_)
    assert "Microsoft.Network/virtualNetworks/read" in en and "vnet-recovery" in en and "Reader" in en
    assert "Microsoft.Compute/virtualMachines/read" in Texts("zh-CN").summary(vms)
    # The vault itself stays readable: the other checks still decide.
    assert results["cs.connected"].status == S.PASS and results["policy.failback"].status == S.PASS
