"""The real command in a subprocess against the simulator: exit codes, the JSON report, fix-its."""

from __future__ import annotations

import json
from pathlib import Path

from checks.model import SiteSettings
from simulators.settings import simulated_settings, write_config
from simulators.vcenter import VCenterSimulator

ONLY = "vc.,mt.os-match,mt.disk-count,mt.no-snapshots,mt.scsi-controller,mt.disk-enableuuid,mt.vmware-tools,vm."


def _config(tmp_path: Path, sim: VCenterSimulator, master_target: str, vms: list[str], thumbprint: str | None = None) -> Path:
    """[vcenter] and [site] only (`thumbprint`: another one, pinned instead of the simulator's)."""
    settings = simulated_settings(
        sim, vcenter_changes={"thumbprint": thumbprint} if thumbprint else None,
        site=SiteSettings(master_target=master_target, failback_vms=tuple(vms)),
        ps_address="", cs_address="", timeout_s=None,
    )
    return write_config(tmp_path / "site.toml", settings)


def _env(sim: VCenterSimulator, password: str | None = None) -> dict[str, str]:
    return {"FAILBACK_PREP_VCENTER_PASSWORD": sim.password if password is None else password}


def test_check_passes_on_the_linux_master_target(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-lnx01", ["web01", "web02"])
    done = cli("check", "--config", str(config), "--only", ONLY, "--format", "json", env=_env(vcsim))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["schema"] == "failback-prep/report/v1"
    assert {c["id"] for c in report["checks"]} >= {"vc.connect", "mt.no-snapshots", "vm.original-location"}
    entry = next(c for c in report["checks"] if c["id"] == "mt.disk-enableuuid")
    assert set(entry) >= {"id", "component", "step", "title", "status", "summary", "evidence", "remedy", "fixes", "duration_ms"}
    assert entry["component"] == "master-target" and entry["step"] == 7 and entry["status"] == "pass"
    assert report["summary"]["fail"] == 0 and report["summary"]["error"] == 0
    assert vcsim.password not in done.stdout + done.stderr


def test_check_fails_on_the_windows_master_target(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win01", ["app01", "db01"])
    done = cli("check", "--config", str(config), "--only", ONLY, "--format", "json", env=_env(vcsim))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    snapshots = next(c for c in report["checks"] if c["id"] == "mt.no-snapshots")
    assert snapshots["status"] == "fail" and snapshots["fixes"] == ["mt.remove-snapshots"]
    assert "before-patch" in snapshots["summary"] and snapshots["remedy"]


def test_unknown_master_target_cannot_be_determined(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win1", ["app01"])
    done = cli("check", "--config", str(config), "--only", "mt.no-snapshots", "--format", "json", env=_env(vcsim))
    assert done.returncode == 3, done.stderr
    entry = json.loads(done.stdout)["checks"][0]
    assert entry["status"] == "error" and "mt-win01" in entry["summary"]


def test_bad_configuration_is_exit_2(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win01", ["app01"], thumbprint="12:34")
    done = cli("check", "--config", str(config), env=_env(vcsim))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_certificate_mismatch_shows_both_fingerprints(cli, vcsim, tmp_path):
    wrong = ":".join(["AB"] * 32)
    config = _config(tmp_path, vcsim, "mt-win01", ["app01"], thumbprint=wrong)
    done = cli("check", "--config", str(config), "--only", "vc.connect", "--format", "json", env=_env(vcsim))
    assert done.returncode == 1
    entry = json.loads(done.stdout)["checks"][0]
    assert wrong in entry["summary"] and vcsim.thumbprint_sha256 in entry["summary"]


def test_fix_dry_run_shows_the_exact_change_and_sends_nothing(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win01", ["app01"])
    done = cli("fix", "mt.set-disk-enableuuid", "--config", str(config), "--dry-run", env=_env(vcsim))
    assert done.returncode == 0, done.stderr
    assert 'extraConfig["disk.EnableUUID"] = "TRUE"' in done.stdout
    assert "ReconfigVM_Task on mt-win01 (vm-" in done.stdout
    as_json = cli("fix", "mt.set-disk-enableuuid", "--config", str(config), "--dry-run", "--format", "json", env=_env(vcsim))
    plan = json.loads(as_json.stdout)
    assert plan["request"]["spec"] == {"extraConfig": [{"key": "disk.EnableUUID", "value": "TRUE"}]}
    assert set(plan) >= {"fix", "target", "changes", "request"}, "the JSON dry run keeps its fields"
    assert plan["target"] == f"mt-win01 ({plan['request']['object']['moref']})" and plan["target_name"] == "mt-win01"
    # Nothing was sent: the check still fails.
    check = cli("check", "--config", str(config), "--only", "mt.disk-enableuuid", "--format", "json", env=_env(vcsim))
    assert json.loads(check.stdout)["checks"][0]["status"] == "fail"


def test_fix_yes_applies_and_rechecks(cli, fresh_vcsim, tmp_path):
    config = _config(tmp_path, fresh_vcsim, "mt-win01", ["app01"])
    done = cli("fix", "mt.exclude-storage-drs", "--config", str(config), "--yes", env=_env(fresh_vcsim))
    assert done.returncode == 0, done.stderr
    assert "ConfigureStorageDrsForPod_Task on pod-failback" in done.stdout
    assert "task-" in done.stdout and "100%" in done.stderr
    again = cli("fix", "mt.exclude-storage-drs", "--config", str(config), "--yes", env=_env(fresh_vcsim))
    assert again.returncode == 0
    assert "nothing to change" in again.stdout


def test_fix_with_a_size_beyond_the_vsphere_limit_is_a_usage_error(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win01", ["app01"])
    done = cli("fix", "mt.add-retention-disk", "--config", str(config), "--yes", "--param", "size_gb=100000",
               env=_env(vcsim))
    assert done.returncode == 2
    assert "--param size_gb=100000: must be at least 1 and at most 63488" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_fix_without_size_is_a_usage_error(cli, vcsim, tmp_path):
    config = _config(tmp_path, vcsim, "mt-win01", ["app01"])
    done = cli("fix", "mt.add-retention-disk", "--config", str(config), "--dry-run", env=_env(vcsim))
    assert done.returncode == 2
    assert "size_gb" in done.stderr and "Traceback" not in done.stderr
