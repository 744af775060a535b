"""Modernized vaults: the replication appliance's checks against the emulator, pass and each broken
rule (simulators/azure/scenarios.py MODERNIZED_BROKEN), through the real SDK and the Runner."""

from __future__ import annotations

import pytest

from checks.model import Status
from checks.texts import Texts
from simulators.azure import AzureEmulator
from tests.azure.conftest import run, site_settings

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
    assert agent["accessible_datastores"] == ["LocalDS_0"] and agent["vcenter_id"] and agent["last_discovery"]
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
