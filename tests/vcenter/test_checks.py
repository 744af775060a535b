"""Every vCenter check, driven through Sources + Runner against the simulated failback site."""

from __future__ import annotations

from typing import Any

import pytest

from checks.model import SourceUnavailable, Status
from checks.sources import Source
from checks.texts import Texts
from tests.vcenter.conftest import LINUX, WINDOWS

S = Status


def azure(data: dict[str, Any] | None) -> tuple[Source, ...]:
    """Site Recovery's half, as the Azure area's source hands it over (a plain dict)."""

    def fetch(ctx: Any) -> dict[str, Any]:
        if data is None:
            raise SourceUnavailable("the configuration has no [azure] table", skip=True)
        return data

    return (Source("azure.master-target", fetch),)


NO_AZURE = azure(None)


def test_windows_master_target_breaks_the_rules(run):
    r = run(WINDOWS, extra=NO_AZURE)
    expected = {
        "vc.connect": S.PASS,
        "cs.failback-nic": S.SKIP,
        "mt.os-match": S.PASS,
        "mt.disk-count": S.PASS,
        "mt.no-snapshots": S.FAIL,
        "mt.scsi-controller": S.FAIL,
        "mt.disk-uuid-clash": S.FAIL,
        "mt.storage-vmotion": S.FAIL,
        "mt.retention-volume": S.FAIL,
        "mt.vmware-tools": S.FAIL,
        "mt.disk-enableuuid": S.FAIL,
        "mt.datastore-access": S.FAIL,
        "mt.vmfs-datastore": S.FAIL,
        "mt.host-capacity": S.SKIP,
        "vm.original-location": S.PASS,
    }
    assert {k: r[k].status for k in expected} == expected

    assert r["vc.connect"].evidence["verified_by"] == "thumbprint"
    assert r["mt.os-match"].evidence["master_target"]["release"] == "Windows Server 2016"
    assert r["mt.disk-count"].evidence == {
        "master_target_disks": 2, "vms": {"app01": 1, "db01": 2}, "total": 5, "limit": 60, "not_in_vcenter": []
    }
    assert [s["name"] for s in r["mt.no-snapshots"].evidence["snapshots"]] == ["before-patch", "after-patch"]
    assert r["mt.scsi-controller"].key == "pvscsi"
    assert [c["type"] for c in r["mt.scsi-controller"].evidence["controllers"]] == ["pvscsi"]
    clash = r["mt.disk-uuid-clash"].evidence["clashes"]
    assert [(c["vm"], c["uuid"]) for c in clash] == [("app01", "6000C29a-11fb-4c2e-9d1c-aa0001000001")]
    pods = r["mt.storage-vmotion"].evidence["pods"]
    assert pods[0]["pod"] == "pod-failback" and pods[0]["vm_override"] is None
    assert r["mt.retention-volume"].key == "missing"
    assert r["mt.retention-volume"].evidence["volume"] == "R:\\"
    assert [v["path"] for v in r["mt.retention-volume"].evidence["guest_volumes"]] == ["C:\\"]
    assert r["mt.vmware-tools"].key == "not-installed"
    assert r["mt.disk-enableuuid"].key == "absent"
    access = r["mt.datastore-access"].evidence
    assert access["master_target_host"] == "esx-nfs01"
    assert {(d["vm"], d["datastore"], d["mounted_on_mt_host"]) for d in access["datastores"]} == {
        ("app01", "vmfs-prod01", False), ("db01", "vmfs-prod01", False)
    }
    assert r["mt.vmfs-datastore"].evidence["datastores"] == [{"name": "nfs-mt01", "type": "NFS", "accessible": True}]
    assert [v["lands"] for v in r["vm.original-location"].evidence["vms"]] == ["original", "original"]


def test_linux_master_target_passes(run):
    r = run({**LINUX, "retain_ip": True}, extra=NO_AZURE)
    passing = [
        "vc.connect", "cs.failback-nic", "mt.os-match", "mt.disk-count", "mt.no-snapshots", "mt.scsi-controller",
        "mt.disk-uuid-clash", "mt.storage-vmotion", "mt.retention-volume", "mt.vmware-tools", "mt.disk-enableuuid",
        "mt.datastore-access", "mt.vmfs-datastore", "vm.original-location",
    ]
    assert {k: r[k].status for k in passing} == {k: S.PASS for k in passing}
    assert r["mt.host-capacity"].status == S.SKIP
    assert len(r["cs.failback-nic"].evidence["nics"]) == 2
    assert r["mt.os-match"].evidence["master_target"]["distribution"] == "rhel"
    assert r["mt.storage-vmotion"].key == "not-in-pod"
    assert r["mt.retention-volume"].evidence["volume"] == "/mnt/retention"
    assert r["mt.retention-volume"].params["filesystem"] == "xfs"
    assert r["mt.retention-volume"].params["capacity_gb"] == 100.0
    assert r["mt.datastore-access"].evidence["master_target_host"] == "DC0_C0_H1"
    assert r["mt.vmfs-datastore"].params["datastores"] == ["vmfs-prod01"]
    assert r["mt.vmware-tools"].evidence["running_status"] == "guestToolsRunning"


def test_os_family_mismatch_fails(run):
    r = run({"master_target": "mt-lnx01", "failback_vms": ("app01", "web01")}, extra=NO_AZURE)
    assert r["mt.os-match"].status == S.FAIL
    assert r["mt.os-match"].key == "family"
    assert r["mt.os-match"].params["vms"] == ["app01"]


def test_unknown_master_target_suggests_closest_names(run):
    r = run({"master_target": "mt-win1", "failback_vms": ("app01",)}, extra=NO_AZURE)
    result = r["mt.no-snapshots"]
    assert result.status == S.ERROR and result.key == "mt-unknown"
    assert "mt-win01" in result.evidence["closest"]
    text = Texts("en").summary(result)
    assert "mt-win1" in text and "mt-win01" in text


def test_missing_vm_in_original_recovery_fails_with_closest_names(run):
    r = run({"master_target": "mt-lnx01", "failback_vms": ("web01", "web3")}, extra=NO_AZURE)
    landing = r["vm.original-location"]
    assert landing.status == S.FAIL and landing.key == "missing"
    assert "web3" in Texts("en").summary(landing) and "web01" in landing.params["vms"][0] + str(landing.evidence)
    assert r["mt.disk-count"].status == S.WARN
    assert r["mt.disk-count"].evidence["not_in_vcenter"] == ["web3"]


def test_alternate_recovery_lands_on_the_master_target_host(run):
    r = run({"master_target": "mt-lnx01", "failback_vms": ("web01", "web09"), "recovery": "alternate"}, extra=NO_AZURE)
    rows = {v["vm"]: v for v in r["vm.original-location"].evidence["vms"]}
    assert rows["web01"]["lands"] == "original"
    assert rows["web09"]["lands"] == "alternate" and rows["web09"]["host"] == "DC0_C0_H1"
    assert r["vm.original-location"].status == S.PASS
    assert r["mt.datastore-access"].status == S.SKIP
    capacity = r["mt.host-capacity"]
    assert capacity.status == S.WARN and capacity.key == "memory-partial"
    assert capacity.evidence["needed_memory_mb"] == 4096
    assert capacity.evidence["free_memory_mb"] > 4096


def test_alternate_recovery_refuses_a_same_named_vm_on_the_host(run):
    # db01 runs on DC0_C0_H1, the host of mt-lnx01.
    r = run({"master_target": "mt-lnx01", "failback_vms": ("db01",), "recovery": "alternate"}, extra=NO_AZURE)
    assert r["mt.host-capacity"].status == S.FAIL
    assert r["mt.host-capacity"].evidence["same_named_vms"] == ["db01"]


def test_retain_ip_needs_two_nics_on_the_configuration_server(run):
    one_nic = run({**LINUX, "retain_ip": True, "configuration_server_vm": "mt-lnx01"}, extra=NO_AZURE)
    assert one_nic["cs.failback-nic"].status == S.FAIL
    assert one_nic["cs.failback-nic"].params["count"] == 1
    unknown = run({**LINUX, "retain_ip": True, "configuration_server_vm": "cs1"}, extra=NO_AZURE)
    assert unknown["cs.failback-nic"].status == S.ERROR
    assert unknown["cs.failback-nic"].evidence["closest"][0] == "cs01"


def test_retention_volume_waits_for_site_recovery(run):
    r = run(LINUX, extra=azure({"os_type": "Linux", "retention_volumes": []}))
    result = r["mt.retention-volume"]
    assert result.status == S.WARN and result.key == "not-in-site-recovery"
    assert "15 minutes" in Texts("en").summary(result)
    from checks.catalog import fixes_for

    assert "cs.refresh" in fixes_for("mt.retention-volume")
    listed = run(LINUX, extra=azure({"os_type": "Linux", "retention_volumes": ["/mnt/retention/"]}))
    assert listed["mt.retention-volume"].status == S.PASS
    assert listed["mt.retention-volume"].key == "eligible-listed"


def test_os_match_compares_the_site_recovery_os_type(run):
    r = run(LINUX, extra=azure({"os_type": "Windows", "retention_volumes": ["/mnt/retention"]}))
    assert r["mt.os-match"].status == S.FAIL and r["mt.os-match"].key == "azure-differs"
    assert r["mt.os-match"].evidence["site_recovery_os_type"] == "Windows"


@pytest.mark.parametrize("volume, problem", [("/", "os-volume")])
def test_retention_volume_is_not_the_os_volume(run, volume, problem):
    r = run({**LINUX, "retention_volume": volume}, extra=NO_AZURE)
    assert r["mt.retention-volume"].status == S.FAIL
    assert r["mt.retention-volume"].evidence["problems"] == [problem]


def test_missing_vcenter_table_skips_every_vcenter_check(vcsim):
    from checks.model import Settings, SiteSettings
    from tests.vcenter.conftest import make_sources, run_checks

    sources = make_sources(Settings(site=SiteSettings(**WINDOWS)), None, NO_AZURE)
    r = run_checks(sources)
    assert {res.status for res in r.results.values()} == {S.SKIP}
    assert "[vcenter]" in r["mt.no-snapshots"].reason


def test_inventory_costs_a_few_round_trips(run):
    r = run(WINDOWS, extra=NO_AZURE)
    session = r.sources.peek("vcenter.session")
    inventory = r.sources.peek("vcenter.inventory")
    # CreateContainerView, names, details; the two login calls come before, and vc.failback-role asks
    # for the datacenters and the account's privileges (two more).
    assert inventory.round_trips <= 3
    assert session.round_trips <= 7
    before = session.round_trips
    r.sources.new_run()
    r.sources.get("vcenter.inventory")
    assert session.round_trips - before == 2  # the view is kept for the session


def test_every_summary_renders_in_both_languages(run):
    r = run(WINDOWS, extra=NO_AZURE)
    for lang in ("en", "zh-CN"):
        texts = Texts(lang)
        for result in r.results.values():
            text = texts.summary(result)
            assert "{" not in text, (lang, result.id, text)
