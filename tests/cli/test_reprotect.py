"""`failback-prep reprotect`: refused on a red pre-flight unless --force, the exact request shown, started
once, its job followed task by task, the replication back followed until protected; failures at a task,
resume after kill -9, never a second reprotect. Both simulators, the real command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checks import catalog
from checks.azure.operations import reprotect_requests, start_reprotect
from checks.sources import Sources
from control.transcript import read, resolve
from simulators import settings as simulated
from simulators.azure import AzureEmulator
from tests.conftest import run_cli, start_vcsim


@pytest.fixture(scope="module")
def vcsim() -> Iterator[Any]:
    sim = start_vcsim()  # reprotect changes the vault, never vCenter: one simulator for the module
    yield sim
    sim.stop()


def _vault(scenario: str = "healthy-classic") -> AzureEmulator:
    emu = AzureEmulator(scenario, device_poll_interval=0)
    emu.task_s = 0.3
    emu.initial_replication_s = 1.0
    return emu


def _config(tmp_path: Path, vcsim: Any, emu: AzureEmulator, **site: Any) -> str:
    base = simulated.SITE if emu.state.get("architecture") != "modernized" else simulated.site_settings(
        master_target="", configuration_server="", configuration_server_vm="", process_server="")
    settings = simulated.simulated_settings(vcsim, emu, site=replace(base, **site), ps_address="", cs_address="")
    return str(simulated.write_config(tmp_path / "site.toml", settings))


def _env(vcsim: Any, emu: AzureEmulator) -> dict[str, str]:
    return {"FAILBACK_PREP_VCENTER_PASSWORD": vcsim.password, "FAILBACK_PREP_AZURE_CLIENT_SECRET": emu.client_secret}


def _reprotect(tmp_path: Path, vcsim: Any, emu: AzureEmulator, *args: str, **site: Any):
    return run_cli("reprotect", *args, "--config", _config(tmp_path, vcsim, emu, **site),
                   "--transcript-dir", str(tmp_path / "t"), env=_env(vcsim, emu))


def _events(tmp_path: Path) -> list[dict]:
    return list(read(resolve(tmp_path / "t", "latest", command="reprotect").path))


def _posts(emu: AzureEmulator) -> int:
    return sum(1 for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith("/reProtect"))


def test_a_red_pre_flight_refuses_and_names_the_failing_checks(tmp_path, vcsim) -> None:
    with _vault() as emu:
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--yes")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Not started: the pre-flight has failures (" in done.stdout and "mt.no-snapshots" in done.stdout
        assert _posts(emu) == 0


def test_forced_started_once_followed_task_by_task_and_until_protected_back(tmp_path, vcsim) -> None:
    with _vault() as emu:
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--yes", "--force")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Starting although these checks fail (--force, recorded)" in done.stdout
        assert "InMageReprotectInput, exactly this request:" in done.stdout and '"instanceType": "InMage"' in done.stdout
        assert "datastoreName        vmfs-prod01  (vcenter: the VM's own datastore)" in done.stdout
        assert "Protected back, replicating to on-premises: app01." in done.stdout
        assert _posts(emu) == 1
        events = _events(tmp_path)
        [started] = [e for e in events if e["type"] == "operation.started"]
        assert started["vm"] == "app01" and started["job"] and started["operator"] and started["ts"]
        body = started["request"]["body"]["properties"]
        assert body["failoverDirection"] == "RecoveryToPrimary"
        assert set(body["providerSpecificDetails"]) == {"instanceType", "masterTargetId", "processServerId",
                                                        "retentionDrive", "datastoreName", "profileId",
                                                        "diskExclusionInput"}
        assert body["providerSpecificDetails"]["diskExclusionInput"]["volumeOptions"][0]["volumeLabel"] == \
            "Temporary Storage"  # the Azure VM's temporary disk does not come home
        assert started["forced_over"] and "mt.no-snapshots" in started["forced_over"]
        tasks = [e for e in events if e["type"] == "operation.task"]
        assert tasks[-1]["state"] == "Succeeded" and len(tasks[-1]["tasks"]) == 4
        states = [e for e in events if e["type"] == "operation.state"]
        assert states[-1]["protection_state"] == "Protected" and states[-1]["progress"] == 100
        assert any(e["progress"] is not None and e["progress"] < 100 for e in states), "the progress was followed"
        assert [e["state"] for e in events if e["type"] == "operation.ended"] == ["Succeeded"]
        for path in (tmp_path / "t").glob("*.jsonl"):  # no secret in the record, nor on the screen
            record = path.read_text()
            assert emu.client_secret not in record and vcsim.password not in record
        assert emu.client_secret not in done.stdout + done.stderr and vcsim.password not in done.stdout + done.stderr
        # Again: Site Recovery no longer offers it; nothing is sent twice.
        again = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--yes", "--force")
        assert again.returncode == 2 and "there is nothing to reprotect home" in again.stdout
        assert _posts(emu) == 1


@pytest.mark.parametrize(("scenario", "task", "code"), [
    ("reprotect-wrong-datastore", "Attaching the disks to the master target", "78006"),
    ("reprotect-mt-cannot-reach-ps", "Preparing the master target", "78999"),
    ("reprotect-vm-deleted", "Attaching the disks to the master target", "78143"),
])
def test_a_job_that_fails_at_a_task_says_which_and_why(tmp_path, vcsim, scenario, task, code) -> None:
    with _vault(scenario) as emu:
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--yes", "--force")
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"ended Failed: {code}:" in done.stdout
        [ended] = [e for e in _events(tmp_path) if e["type"] == "operation.ended"]
        assert ended["state"] == "Failed" and ended["errors"][0].startswith(code)
        last = [e for e in _events(tmp_path) if e["type"] == "operation.task"][-1]
        assert {t["task"]: t["state"] for t in last["tasks"]}[task] == "Failed"
        assert "Protected back" not in done.stdout


def test_modernized_sends_the_appliance_request_and_needs_a_log_storage_account(tmp_path, vcsim) -> None:
    with _vault("modernized") as emu:
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "db01", "--dry-run", "--force")
        assert done.returncode == 2 and "[site] log_storage_account" in done.stdout
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "db01", "--dry-run", "--force", "--format", "json",
                          log_storage_account="stfailbacklogs")
        assert done.returncode == 0, done.stdout + done.stderr
        data = json.loads(done.stdout)  # JSON alone on stdout
        details = data["requests"][0]["body"]["properties"]["providerSpecificDetails"]
        assert details["instanceType"] == "InMageRcm" and data["requests"][0]["model"] == "InMageRcmReprotectInput"
        assert details["datastoreName"] == "vmfs-prod01"
        assert details["logStorageAccountId"].endswith("/providers/Microsoft.Storage/storageAccounts/stfailbacklogs")
        assert details["reprotectAgentId"] and details["policyId"].endswith("/replicationPolicies/failback-policy")
        assert _posts(emu) == 0
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "db01", "--yes", "--force", log_storage_account="stfailbacklogs")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Protected back, replicating to on-premises: db01." in done.stdout


def test_a_killed_run_is_resumed_on_the_same_job_and_nothing_is_sent_again(tmp_path, vcsim) -> None:
    with _vault() as emu:
        emu.task_s = 1.5  # a job of ~6 s: time to kill the run while it follows
        config = _config(tmp_path, vcsim, emu)
        args = [sys.executable, "-m", "tui", "reprotect", "--vm", "app01", "--yes", "--force", "--config", config,
                "--transcript-dir", str(tmp_path / "t")]
        proc = subprocess.Popen(args, env={**os.environ, **_env(vcsim, emu)}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if (tmp_path / "t").exists() and any(
                    e["type"] == "operation.started" for p in (tmp_path / "t").glob("*.jsonl") for e in read(p)):
                break
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        started = [e for p in (tmp_path / "t").glob("*.jsonl") for e in read(p) if e["type"] == "operation.started"]
        assert len(started) == 1 and _posts(emu) == 1
        done = run_cli("reprotect", "--resume", "latest", "--config", config, "--transcript-dir", str(tmp_path / "t"),
                       env=_env(vcsim, emu))
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Following what was already started (nothing new is sent): app01: {started[0]['job']}" in done.stdout
        assert "Protected back, replicating to on-premises: app01." in done.stdout
        assert _posts(emu) == 1


def test_a_reprotect_already_running_on_the_item_is_followed_not_started_again(vcsim) -> None:
    with _vault() as emu:
        emu.task_s = 5.0
        settings = simulated.simulated_settings(vcsim, emu, site=simulated.SITE, ps_address="", cs_address="")
        sources = Sources(catalog.all_sources(), settings,
                          secrets={"vcenter": vcsim.password, "azure": emu.client_secret}.get)
        try:
            [request] = reprotect_requests(sources, ["app01"])
            azure = sources.source("azure.client")
            first = start_reprotect(azure, request)
            second = start_reprotect(azure, request)  # a double key press, another operator, a resumed session
        finally:
            sources.close()
        assert first and second == first and _posts(emu) == 1


def test_one_vm_refused_by_the_service_is_said_and_the_others_go_on(tmp_path, vcsim) -> None:
    with _vault() as emu:
        db01 = next(i for i in emu.state["items"] if i["properties"]["friendlyName"] == "db01")["name"]
        emu.add_fault(rf"/replicationProtectedItems/{db01}/reProtect$", status=400, times=None)
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--vm", "db01", "--yes", "--force")
        assert done.returncode == 1, done.stdout + done.stderr  # not everything was done
        assert "db01: not started:" in done.stdout and "Protected back, replicating to on-premises: app01." in done.stdout
        [failed] = [e for e in _events(tmp_path) if e["type"] == "operation.failed"]
        assert failed["vm"] == "db01"


def test_a_failback_killed_right_after_it_was_sent_is_resumed_on_the_same_job(tmp_path, vcsim) -> None:
    with _vault() as emu:
        assert _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--vm", "db01", "--yes", "--force").returncode == 0
        emu.task_s = 1.5
        config = _config(tmp_path, vcsim, emu)
        args = [sys.executable, "-m", "tui", "failback", "--vm", "app01", "--vm", "db01", "--yes", "--config", config,
                "--transcript-dir", str(tmp_path / "t")]
        proc = subprocess.Popen(args, env={**os.environ, **_env(vcsim, emu)}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(
                r.method == "POST" and r.path.endswith("/unplannedFailover") for r in emu.requests.snapshot()):
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)  # sent, perhaps not yet recorded as started: the job is looked for
        proc.wait(timeout=10)
        done = run_cli("failback", "--resume", "latest", "--config", config, "--transcript-dir", str(tmp_path / "t"),
                       env=_env(vcsim, emu))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Failed back, running on-premises: app01" in done.stdout
        assert sum(1 for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith("/unplannedFailover")) >= 1
        # Every VM's failover sent once at most: the resumed run sent nothing new.
        sent = [r.path for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith("/unplannedFailover")]
        assert len(sent) == len(set(sent))


def test_following_outlasts_the_service_refusing_to_answer_for_a_while(tmp_path, vcsim) -> None:
    """The job's readings fail more times than the SDK retries (503): following waits it out, then goes on."""
    from checks.azure.client import RETRIES

    with _vault() as emu:
        emu.add_fault(r"/replicationJobs/[^/]+$", status=503, retry_after=0, times=RETRIES + 3)
        done = _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--yes", "--force")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Protected back, replicating to on-premises: app01." in done.stdout
        gets = [r for r in emu.requests.snapshot() if r.method == "GET" and "/replicationJobs/" in r.path]
        assert sum(1 for r in gets if r.status == 503) == RETRIES + 3  # every refusal was met, and outlasted
