"""Modernized vaults: the replication appliance's checks against the emulator, pass and each broken
rule (simulators/azure/scenarios.py MODERNIZED_BROKEN), through the real SDK and the Runner."""

from __future__ import annotations

import pytest

from checks.model import Status
from checks.texts import Texts
from simulators.azure import AzureEmulator
from tests.azure.conftest import run, site_settings

# The appliance's checks that read the vault alone (those that read vCenter too: tests/vcenter/test_appliance.py).
APPLIANCE_IDS = ("app.registered", "app.components-healthy", "app.reprotect-agent", "app.disk-budget",
                 "rp.failback-policy")


def _results(scenario: str, **site):
    with AzureEmulator(scenario) as emu:
        return run(emu, site_settings(**site), ids=("az.connect", *APPLIANCE_IDS))


def test_a_healthy_appliance_passes_every_check_and_keeps_its_raw_values() -> None:
    results = _results("modernized")
    assert {i: results[i].status for i in APPLIANCE_IDS} == {i: Status.PASS for i in APPLIANCE_IDS}
    components = results["app.components-healthy"].evidence["components"]
    assert {c["kind"] for c in components} == {"process-server", "rcm-proxy", "push-installer", "replication-agent",
                                               "reprotect-agent", "mars-agent", "dra"}
    assert all(c["heartbeat_age_min"] is not None and c["health"] == "Normal" for c in components)
    agent = results["app.reprotect-agent"].evidence
    assert agent["accessible_datastores"] == ["vmfs-prod01", "vmfs-ro01"] and agent["vcenter_id"] and agent["last_discovery"]
    assert results["app.disk-budget"].evidence["disks_by_vm"] == {"app01": 1, "db01": 2}


@pytest.mark.parametrize(("scenario", "check", "status", "words"), [
    ("modernized-appliance-down", "app.registered", Status.FAIL, "NotConnected, not connected"),
    ("modernized-component-critical", "app.components-healthy", Status.FAIL, "rcm-proxy critical (150019)"),
    ("modernized-reprotect-stale", "app.reprotect-agent", Status.WARN, "48 h ago"),
    ("modernized-no-failback-policy", "rp.failback-policy", Status.FAIL, "not associated"),
    ("modernized-too-many-disks", "app.disk-budget", Status.FAIL, "64 disks"),
])
def test_each_broken_rule_is_caught(scenario: str, check: str, status: Status, words: str) -> None:
    results = _results(scenario)
    assert results[check].status == status, Texts("en").summary(results[check])
    assert words in Texts("en").summary(results[check])
    others = {i: results[i].status for i in APPLIANCE_IDS if i != check}
    assert set(others.values()) == {Status.PASS}, f"only {check} is wrong in {scenario}: {others}"


def test_a_silent_component_is_named_with_its_age() -> None:
    result = _results("modernized-component-critical")["app.components-healthy"]
    words = Texts("en").summary(result)
    assert "push-installer silent for 90 min" in words


def test_an_appliance_not_in_the_vault_is_said_with_the_ones_it_has() -> None:
    results = _results("modernized", appliance="appliance09")
    result = results["app.registered"]
    assert result.status == Status.ERROR
    assert "appliance09" in Texts("en").reason(result) and "appliance01" in Texts("en").reason(result)


def test_a_classic_vault_skips_the_appliance_checks_with_the_reason() -> None:
    results = _results("healthy-classic")
    for check in APPLIANCE_IDS:
        assert results[check].status == Status.SKIP and results[check].key == "modernized-only"


# --- the failed-over VMs of a modernized vault ------------------------------------------------------


def _vm_result(scenario: str, setup=None):
    with AzureEmulator(scenario) as emu:
        if setup:
            setup(emu)
        return run(emu, site_settings(), ids=("vm.failed-over",))["vm.failed-over"]


def test_a_modernized_vm_ready_for_reprotect_shows_what_was_read() -> None:
    result = _vm_result("modernized")
    assert result.status == Status.PASS, Texts("en").summary(result)
    db01 = result.evidence["vms"]["db01"]
    assert db01["agent_registered_after_failover"] is True
    assert db01["recovery_points"] == {"count": 3, "latest": db01["recovery_points"]["latest"],
                                       "types": {"CrashConsistent": 2, "ApplicationConsistent": 1}}
    assert db01["disk_sizes"] == {"source_gb": [60, 60], "azure_gb": [60, 60], "changed_gb": []}


def test_a_modernized_vm_with_a_grown_disk_is_named() -> None:
    # (Its agent that did not register after failover is vm.azure-agent's: tests/vcenter/test_appliance.py.)
    result = _vm_result("modernized-vm-not-ready")
    assert result.status == Status.WARN
    keys = {(p["key"], p["vm"]) for p in result.params["parts"]}
    assert keys == {("disk-resized", "db01")}
    assert not any(vm == "app01" for _, vm in keys), "app01 is ready"
    words = Texts("en").summary(result)
    assert "128 GB" in words and "creates a new VM" in words


def test_a_committed_vm_without_recovery_points_is_not_a_failure() -> None:
    """Committing a failover deletes the other recovery points: a committed VM in Azure with none is normal."""
    def none(emu: AzureEmulator) -> None:
        for item in emu.state["items"]:
            item["_recoveryPoints"] = []

    result = _vm_result("modernized", none)
    assert result.status == Status.PASS, Texts("en").summary(result)
    assert result.evidence["vms"]["db01"]["recovery_points"]["count"] == 0


def test_a_vm_replicating_back_without_a_recovery_point_warns() -> None:
    def reprotected(emu: AzureEmulator) -> None:
        item = next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "db01")
        item["properties"]["providerSpecificDetails"]["instanceType"] = "InMageRcmFailback"
        # Replicating back: Azure is now the primary side.
        item["properties"].update(protectionState="Protected", protectionStateDescription="Protected",
                                  activeLocation="Primary")
        item["_recoveryPoints"] = []

    result = _vm_result("modernized", reprotected)
    assert ("no-recovery-point", "db01") in {(p["key"], p["vm"]) for p in result.params["parts"]}


def test_recovery_points_that_cannot_be_read_are_not_determined_never_none() -> None:
    def unreadable(emu: AzureEmulator) -> None:
        item = next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "db01")
        item["properties"]["providerSpecificDetails"]["instanceType"] = "InMageRcmFailback"
        item["properties"].update(protectionState="Protected", activeLocation="Primary")
        emu.add_fault(r"/recoveryPoints", status=500, times=None)

    result = _vm_result("modernized", unreadable)
    assert ("points-unread", "db01") in {(p["key"], p["vm"]) for p in result.params["parts"]}
    assert ("no-recovery-point", "db01") not in {(p["key"], p["vm"]) for p in result.params["parts"]}


def test_the_modernized_manual_steps_are_asked_only_of_a_modernized_vault() -> None:
    from dataclasses import replace

    from checks.model import Answer
    from tests.azure.conftest import make_sources, run_checks, settings_for

    ids = ("net.azure-outbound", "app.log-storage")
    with AzureEmulator("modernized") as emu:
        results = run(emu, site_settings(), ids=ids)
        assert {i: results[i].status for i in ids} == {i: Status.MANUAL for i in ids}
        settings = settings_for(emu, site_settings())
        settings = replace(settings, answers={"app.log-storage": Answer("confirmed", "stlogsfailback01")})
        sources = make_sources(settings, emu.client_secret)
        try:
            answered = run_checks(sources, ids)
        finally:
            sources.close()
        assert answered["app.log-storage"].status == Status.PASS
        assert "stlogsfailback01" in Texts("en").summary(answered["app.log-storage"])
    with AzureEmulator("healthy-classic") as emu:
        results = run(emu, site_settings(), ids=ids)
    assert {i: (results[i].status, results[i].key) for i in ids} == {i: (Status.SKIP, "modernized-only") for i in ids}


def test_the_classic_manual_steps_are_not_asked_of_a_modernized_vault() -> None:
    ids = ("cs.same-ip", "ps.bandwidth", "net.link-type", "mt.retention-formatted", "mt.discovery-done")
    with AzureEmulator("modernized") as emu:
        results = run(emu, site_settings(), ids=ids)
    assert {i: (results[i].status, results[i].key) for i in ids} == {i: (Status.SKIP, "classic-only") for i in ids}
    with AzureEmulator("healthy-classic") as emu:
        results = run(emu, site_settings(), ids=ids)
    assert {results[i].status for i in ids} == {Status.MANUAL}


def test_the_demo_starts_a_modernized_site_and_check_reports_its_architecture(tmp_path) -> None:
    """`failback-prep demo --site modernized`: the same simulated vCenter, a modernized vault; `check`
    against it gives the appliance's checks and `architecture: modernized` in the JSON report."""
    import json
    import os
    import subprocess
    import sys

    from simulators.vcenter import SimulatorUnavailable
    from tests.conftest import ROOT
    from tui.demo import SimulatedSite

    try:
        site = SimulatedSite("windows", site="modernized").__enter__()
    except SimulatorUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAILBACK_PREP_")}
        env.update(PYTHONPATH=str(ROOT), FAILBACK_PREP_LANG="en", HOME=str(tmp_path),
                   XDG_STATE_HOME=str(tmp_path / "state"), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
                   FAILBACK_PREP_AZURE_CLIENT_SECRET=site.secrets["azure"],
                   FAILBACK_PREP_VCENTER_PASSWORD=site.secrets["vcenter"])
        done = subprocess.run([sys.executable, "-m", "tui.cli", "check", "--config", str(site.config_path),
                               "--format", "json", "--transcript-dir", str(tmp_path / "t")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        site.__exit__(None, None, None)
    report = json.loads(done.stdout)
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert report["architecture"] == "modernized"
    assert {status[i] for i in APPLIANCE_IDS} == {"pass"}
    assert status["mt.registered"] == "skip" and status["net.azure-outbound"] == "manual"


def _appliance_results(setup, **site):
    with AzureEmulator("modernized") as emu:
        setup(emu)
        return run(emu, site_settings(**site), ids=APPLIANCE_IDS)


def _rcm(emu: AzureEmulator) -> dict:
    return next(f for f in emu.state["fabrics"] if f["properties"]["customDetails"]["instanceType"] == "InMageRcm")[
        "properties"]["customDetails"]


def test_a_reprotect_agent_that_reaches_no_datastore_fails() -> None:
    # (Whether it reaches the target datastore, and vCenter mounts it read-write, is app.datastore-access:
    # tests/vcenter/test_appliance.py.)
    results = _appliance_results(lambda emu: _rcm(emu)["reprotectAgents"][0].update(accessibleDatastores=[]))
    assert results["app.reprotect-agent"].status == Status.FAIL
    assert results["app.reprotect-agent"].key == "no-datastores"


def test_a_component_that_does_not_state_its_health_is_not_proven_healthy() -> None:
    results = _appliance_results(lambda emu: _rcm(emu)["marsAgents"][0].pop("health"))
    result = results["app.components-healthy"]
    assert result.status == Status.WARN
    assert any(p["key"] == "unknown-health" and p["kind"] == "mars-agent" for p in result.params["parts"])


def test_the_disk_budget_counts_the_vms_already_failing_back_through_the_appliance() -> None:
    def busy(emu: AzureEmulator) -> None:
        import copy

        agent = _rcm(emu)["reprotectAgents"][0]["id"]
        other = copy.deepcopy(next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "web01"))
        details = other["properties"]["providerSpecificDetails"]
        details.update(instanceType="InMageRcmFailback", reprotectAgentId=agent,
                       protectedDisks=[{"diskId": f"d{n}", "capacityInBytes": 64424509440} for n in range(59)])
        emu.state["items"] = [i for i in emu.state["items"] if i["properties"]["friendlyName"] != "web01"] + [other]

    result = _appliance_results(busy)["app.disk-budget"]
    assert result.status == Status.FAIL, Texts("en").summary(result)
    assert result.evidence["total"] == 62 and result.evidence["already_failing_back"] == ["web01"]


def test_a_failback_mapping_to_another_site_is_not_this_sites() -> None:
    def elsewhere(emu: AzureEmulator) -> None:
        for m in emu.state["mappings"]:
            if m["name"] == "failback-mapping":
                m["properties"]["targetProtectionContainerId"] = (
                    m["properties"]["targetProtectionContainerId"].replace("/replicationFabrics/", "/replicationFabrics/x"))

    assert _appliance_results(elsewhere)["rp.failback-policy"].key == "not-mapped"


def test_a_silent_agent_in_a_modernized_vm_is_named_with_where_it_reports() -> None:
    """Modernized items carry the agent's heartbeat under mobilityAgentDetails; silent for long, it warns
    about Site Recovery on 443, not the configuration server a modernized site does not have."""
    from simulators.azure.scenarios import minutes_ago

    def silent(emu: AzureEmulator) -> None:
        item = next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "app01")
        item["properties"]["providerSpecificDetails"]["mobilityAgentDetails"]["lastHeartbeatUtc"] = minutes_ago(90)

    with AzureEmulator("modernized") as emu:
        silent(emu)
        results = run(emu, site_settings(), ids=("vm.failed-over", "vm.azure-agent"))
    # vm.azure-agent says it, once; vm.failed-over keeps the heartbeat in its evidence only.
    assert results["vm.failed-over"].status == Status.PASS
    assert results["vm.failed-over"].evidence["vms"]["app01"]["agent_heartbeat_age_min"] >= 90
    result = results["vm.azure-agent"]
    assert result.status == Status.WARN
    assert {(p["key"], p["vm"]) for p in result.params["parts"]} == {("silent", "app01")}
    words = Texts("en").summary(result)
    assert "Site Recovery on 443" in words and "configuration server" not in words


def test_components_are_grouped_by_the_machine_they_run_on_not_by_their_names() -> None:
    """Every component of one appliance carries its BIOS id; a name may be the FQDN instead."""
    def fqdn(emu: AzureEmulator) -> None:
        _rcm(emu)["processServers"][0]["name"] = "appliance01.corp.example"

    results = _appliance_results(fqdn)
    components = results["app.components-healthy"]
    assert components.status == Status.PASS, Texts("en").summary(components)
    assert len(components.evidence["components"]) == 7 and components.evidence["missing"] == []
    results = _appliance_results(fqdn, appliance="appliance01.corp.example")
    assert results["app.components-healthy"].status == Status.PASS


def test_two_appliances_of_the_same_name_are_two_and_the_operator_is_asked_which() -> None:
    def twin(emu: AzureEmulator) -> None:
        import copy

        details = _rcm(emu)
        for field in ("processServers", "rcmProxies", "pushInstallers", "replicationAgents", "reprotectAgents",
                      "marsAgents", "dras"):
            other = copy.deepcopy(details[field][0])
            other.update(biosId="0f0f0f0f-0000-0000-0000-000000000002", id=other["id"] + "-2")
            details[field].append(other)

    result = _appliance_results(twin)["app.components-healthy"]
    assert result.status == Status.ERROR
    assert "2 appliances" in Texts("en").reason(result)
    # Naming it does not pick one silently: the BIOS ids are said, and one of them chooses.
    result = _appliance_results(twin, appliance="appliance01")["app.components-healthy"]
    assert result.status == Status.ERROR
    assert "0f0f0f0f-0000-0000-0000-000000000002" in Texts("en").reason(result)
    result = _appliance_results(twin, appliance="0f0f0f0f-0000-0000-0000-000000000002")["app.components-healthy"]
    assert result.status == Status.PASS
    assert {c["id"].endswith("-2") for c in result.evidence["components"]} == {True}


def test_a_modernized_vm_whose_azure_vm_is_deallocated_is_not_ready() -> None:
    def deallocated(emu: AzureEmulator) -> None:
        from simulators.azure.scenarios import vm_id

        vm = emu.state["resources"][vm_id(emu._ids, "db01").lower()]
        vm["_instanceView"]["statuses"][-1]["code"] = "PowerState/deallocated"

    result = _vm_result("modernized", deallocated)
    assert result.status == Status.FAIL
    assert ("vm-not-running", "db01") in {(p["key"], p["vm"]) for p in result.params["parts"]}
