"""Checks that read vCenter and the vault together, against both simulators."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from checks import catalog
from checks.model import SiteSettings, Status
from checks.runner import Runner
from checks.sources import Sources
from simulators import settings as simulated
from simulators.azure import AzureEmulator


@pytest.fixture
def vault() -> Iterator[AzureEmulator]:
    with AzureEmulator("healthy-classic", device_poll_interval=0) as emu:
        yield emu


def run(vcsim: Any, emu: AzureEmulator, check_id: str, **site: Any) -> Any:
    settings = simulated.simulated_settings(
        vcsim, emu, site=SiteSettings(**{**simulated.SITE.__dict__, **site}), ps_address="", cs_address="")
    secrets = {"vcenter": vcsim.password, "azure": emu.client_secret}
    sources = Sources(catalog.all_sources(), settings, secrets=secrets.get)
    try:
        checks = [c for c in catalog.all_checks() if c.id == check_id]
        return Runner(checks, sources).run()[0]
    finally:
        sources.close()


@pytest.mark.parametrize("configured", ["E", "E:", "E:\\"])
def test_a_windows_retention_volume_in_any_spelling_matches_the_bare_letter_site_recovery_lists(vcsim, vault, configured):
    # The configuration server doubles as the Windows master target (recorded vaults list it as one);
    # Site Recovery names its retention volume "E", its guest "E:\".
    result = run(vcsim, vault, "mt.retention-volume", master_target="cs01", retention_volume=configured)
    assert result.status == Status.PASS and result.key == "eligible-listed", result.params
    assert result.evidence["site_recovery_volumes"] == ["E"]


def test_without_a_configured_volume_any_eligible_one_site_recovery_lists_will_do(vcsim, vault):
    result = run(vcsim, vault, "mt.retention-volume", master_target="cs01", retention_volume="")
    assert result.status == Status.PASS and result.key == "eligible-listed"
    assert result.evidence["volume"] == "E" and result.evidence["volume_from"] == "site-recovery"


def test_a_listed_volume_the_guest_does_not_show_is_named(vcsim, vault):
    mts = vault.state["fabrics"][0]["properties"]["customDetails"]["masterTargetServers"]
    next(m for m in mts if m["name"] == "cs01")["retentionVolumes"][0]["volumeName"] = "F"
    result = run(vcsim, vault, "mt.retention-volume", master_target="cs01", retention_volume="")
    assert result.status == Status.FAIL and result.key == "missing" and result.params["volume"] == "F"


def test_a_vm_gone_from_vcenter_is_compared_by_the_os_the_vault_records(vcsim, vault):
    gone = copy.deepcopy(next(i for i in vault.state["items"] if i["properties"]["friendlyName"] == "app01"))
    gone["name"] = gone["id"].rsplit("/", 1)[-1] + "-gone01"
    gone["id"] = gone["id"] + "-gone01"
    gone["properties"]["friendlyName"] = "gone01"
    gone["properties"]["providerSpecificDetails"]["osVersion"] = "Microsoft Windows Server 2019 Datacenter"
    vault.state["items"].append(gone)
    result = run(vcsim, vault, "mt.os-match", failback_vms=("app01", "gone01"))
    assert result.status == Status.FAIL and result.key == "older"
    assert result.params["vms"] == ["gone01 (Windows Server 2019)"]
    row = next(v for v in result.evidence["vms"] if v["name"] == "gone01")
    assert row["from"] == "site-recovery" and row["guest"] == "Microsoft Windows Server 2019 Datacenter"


def test_a_vm_in_neither_place_leaves_the_verdict_partial(vcsim, vault):
    result = run(vcsim, vault, "mt.os-match", failback_vms=("app01", "nowhere01"))
    assert result.status == Status.WARN and result.key == "partial"
    assert result.params["missing"] == ["nowhere01 (~web01)"]  # with the closest name vCenter has
