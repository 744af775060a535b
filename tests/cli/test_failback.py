"""The failback itself and its commit (`failback-prep failback`, `commit`): each refused with the vault's
reason until Site Recovery offers it (allowedOperations), the recovery point the service allows, the job
followed task by task, a failure at a task said. Both simulators, the real command in a subprocess."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.test_reprotect import _config, _env, _events, _reprotect, _vault, vcsim  # noqa: F401 (fixture)
from tests.conftest import run_cli


def _stage(tmp_path, vcsim, emu, command: str, *args: str, **site: Any):
    return run_cli(command, *args, "--config", _config(tmp_path, vcsim, emu, **site),
                   "--transcript-dir", str(tmp_path / "t"), env=_env(vcsim, emu))


def _posts(emu, suffix: str) -> int:
    return sum(1 for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith(suffix))


def _stage_events(tmp_path, command: str) -> list[dict]:
    from control.transcript import read, resolve

    return list(read(resolve(tmp_path / "t", "latest", command=command).path))


def test_classic_failback_then_commit_each_when_the_vault_offers_it(tmp_path, vcsim) -> None:
    with _vault() as emu:
        both = ("--vm", "app01", "--vm", "db01")  # one replication group: they fail back together
        early = _stage(tmp_path, vcsim, emu, "failback", *both, "--yes")
        assert early.returncode == 2 and "does not offer the failback of app01 now (UnplannedFailover" in early.stdout
        assert _stage(tmp_path, vcsim, emu, "commit", *both, "--yes").returncode == 2
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force").returncode == 0
        alone = _stage(tmp_path, vcsim, emu, "failback", "--vm", "app01", "--yes")
        assert alone.returncode == 2 and "in replication group grp-win with db01" in alone.stdout
        done = _stage(tmp_path, vcsim, emu, "failback", *both, "--yes", "--point", "latest-app-consistent")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "InMageUnplannedFailoverInput" in done.stdout and '"recoveryPointType": "LatestTag"' in done.stdout
        assert "Failed back, running on-premises: app01, db01." in done.stdout
        events = _stage_events(tmp_path, "failback")
        started = next(e for e in events if e["type"] == "operation.started")
        assert started["operation"] == "failover" and started["operator"] and started["job"]
        assert started["request"]["body"]["properties"]["failoverDirection"] == "PrimaryToRecovery"
        tasks = [e for e in events if e["type"] == "operation.task"]
        assert tasks[-1]["state"] == "Succeeded" and [t["task"] for t in tasks[-1]["tasks"]][0].startswith("Prerequisites")
        done = _stage(tmp_path, vcsim, emu, "commit", *both, "--yes")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Committed, home on-premises: app01, db01." in done.stdout
        again = _stage(tmp_path, vcsim, emu, "commit", *both, "--yes")
        assert again.returncode == 2 and "does not offer the commit of app01 now" in again.stdout
        assert (_posts(emu, "/unplannedFailover"), _posts(emu, "/failoverCommit")) == (2, 2)


def test_modernized_failback_is_a_planned_failover_at_an_application_consistent_point(tmp_path, vcsim) -> None:
    with _vault("modernized") as emu:
        both = ("--vm", "app01", "--vm", "db01")
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force",
                          log_storage_account="stfailbacklogs").returncode == 0
        dry = _stage(tmp_path, vcsim, emu, "failback", *both, "--dry-run", "--point", "latest-app-consistent",
                     "--format", "json")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert '"recoveryPointType": "ApplicationConsistent"' in dry.stdout and '"instanceType": "InMageRcmFailback"' in dry.stdout
        assert '"failoverDirection"' not in dry.stdout  # modernized planned failover: the service takes the direction
        assert _posts(emu, "/plannedFailover") == 0
        done = _stage(tmp_path, vcsim, emu, "failback", *both, "--yes", "--point", "latest-app-consistent")
        assert done.returncode == 0, done.stdout + done.stderr
        assert _posts(emu, "/plannedFailover") == 2
        assert _stage(tmp_path, vcsim, emu, "commit", *both, "--yes").returncode == 0


def test_a_failback_that_fails_at_a_task_says_which_and_why(tmp_path, vcsim) -> None:
    with _vault() as emu:
        assert _reprotect(tmp_path, vcsim, emu, "--vm", "app01", "--vm", "db01", "--yes", "--force").returncode == 0
        emu.state["operation_fault"] = {"operation": "failover", "task": 2, "code": "78108",
                                        "message": "The latest changes could not be synchronized."}
        done = _stage(tmp_path, vcsim, emu, "failback", "--vm", "app01", "--vm", "db01", "--yes")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "ended Failed: 78108: The latest changes could not be synchronized." in done.stdout
        ended = [e for e in _stage_events(tmp_path, "failback") if e["type"] == "operation.ended"]
        assert {e["state"] for e in ended} == {"Failed"} and {e["operation"] for e in ended} == {"failover"}
        assert "Failed back" not in done.stdout


def test_a_commit_that_fails_at_a_task_says_so_and_can_be_followed_again(tmp_path, vcsim) -> None:
    with _vault() as emu:
        both = ("--vm", "app01", "--vm", "db01")
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "failback", *both, "--yes").returncode == 0
        emu.state["operation_fault"] = {"operation": "commit", "task": 1, "code": "78120",
                                        "message": "The failover could not be committed."}
        done = _stage(tmp_path, vcsim, emu, "commit", *both, "--yes")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "ended Failed: 78120: The failover could not be committed." in done.stdout
        assert "Committed, home" not in done.stdout
        # Nothing left to follow: the failed jobs ended; the vault still offers the commit to try again.
        again = _stage(tmp_path, vcsim, emu, "commit", "--resume", "latest")
        assert again.returncode == 0 and "left nothing to follow" in again.stdout


def test_home_then_protected_to_azure_again_as_powershell_sends_it(tmp_path, vcsim) -> None:
    with _vault() as emu:
        both = ("--vm", "app01", "--vm", "db01")
        early = _stage(tmp_path, vcsim, emu, "protect", *both, "--yes")
        assert early.returncode == 2 and "cannot be protected to Azure again now" in early.stdout
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "failback", *both, "--yes").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "commit", *both, "--yes").returncode == 0
        done = _stage(tmp_path, vcsim, emu, "protect", *both, "--yes")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "InMageAzureV2ReprotectInput" in done.stdout
        assert "runAsAccountId       windows-admin  (site-recovery: the account for the VM's OS)" in done.stdout
        [first] = [e for e in _stage_events(tmp_path, "protect") if e["type"] == "operation.started"][:1]
        sent = first["request"]["body"]["properties"]
        assert sent["failoverDirection"] == "RecoveryToPrimary"
        assert sent["providerSpecificDetails"]["instanceType"] == "InMageAzureV2"
        assert sent["providerSpecificDetails"]["masterTargetId"] == sent["providerSpecificDetails"]["processServerId"]
        assert "Protected to Azure again: app01, db01. The failback is complete." in done.stdout
        # Home and protected to Azure again: no stage of the failback is offered any more.
        for command in ("failback", "commit", "protect"):
            after = _stage(tmp_path, vcsim, emu, command, *both, "--yes", "--dry-run")
            assert after.returncode == 2, (command, after.stdout)


def test_modernized_protected_to_azure_again_through_the_appliance(tmp_path, vcsim) -> None:
    with _vault("modernized") as emu:
        both = ("--vm", "app01", "--vm", "db01")
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force",
                          log_storage_account="stfailbacklogs").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "failback", *both, "--yes").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "commit", *both, "--yes").returncode == 0
        done = _stage(tmp_path, vcsim, emu, "protect", *both, "--yes", "--dry-run", "--format", "json")
        assert done.returncode == 0, done.stdout + done.stderr
        sent = json.loads(done.stdout)["requests"][0]["body"]["properties"]
        assert sent["failoverDirection"] == "PrimaryToRecovery"
        assert sent["providerSpecificDetails"]["instanceType"] == "InMageRcmFailback"
        assert "runAsAccountId" not in sent["providerSpecificDetails"]  # optional; sent only when configured
        assert sent["providerSpecificDetails"]["policyId"].endswith("/replicationPolicies/replication-policy")
        named = _stage(tmp_path, vcsim, emu, "protect", *both, "--dry-run", "--format", "json",
                       log_storage_account="stfailbacklogs", run_as_account="/subscriptions/x/runasaccounts/vmware-root")
        assert json.loads(named.stdout)["requests"][0]["body"]["properties"]["providerSpecificDetails"][
            "runAsAccountId"] == "/subscriptions/x/runasaccounts/vmware-root"
        done = _stage(tmp_path, vcsim, emu, "protect", *both, "--yes")
        assert done.returncode == 0, done.stdout + done.stderr


def _kill_after_sending_then_resume(tmp_path, vcsim, emu, command: str, suffix: str, *args: str) -> Any:
    import os
    import signal
    import subprocess
    import sys
    import time

    config = _config(tmp_path, vcsim, emu)
    before = _posts(emu, suffix)
    proc = subprocess.Popen([sys.executable, "-m", "tui", command, *args, "--yes", "--config", config,
                             "--transcript-dir", str(tmp_path / "t")], env={**os.environ, **_env(vcsim, emu)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and _posts(emu, suffix) == before:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # right after the first request went out
    proc.wait(timeout=10)
    return run_cli(command, "--resume", "latest", "--config", config, "--transcript-dir", str(tmp_path / "t"),
                   env=_env(vcsim, emu))


def test_a_killed_commit_and_a_killed_protection_are_resumed_and_nothing_is_sent_twice(tmp_path, vcsim) -> None:
    with _vault() as emu:
        both = ("--vm", "app01", "--vm", "db01")
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "failback", *both, "--yes").returncode == 0
        emu.task_s = 1.0
        done = _kill_after_sending_then_resume(tmp_path, vcsim, emu, "commit", "/failoverCommit", *both)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Committed, home on-premises: app01" in done.stdout  # the job the killed run had started
        sent = [r.path for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith("/failoverCommit")]
        assert len(sent) == len(set(sent)), "no item's commit sent twice"
        if len(sent) < 2:  # killed before the second was sent: the second is sent by a fresh run, once
            assert _stage(tmp_path, vcsim, emu, "commit", "--vm", "db01", "--yes").returncode in (0, 2)
        before = _posts(emu, "/reProtect")
        done = _kill_after_sending_then_resume(tmp_path, vcsim, emu, "protect", "/reProtect", *both)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Protected to Azure again: app01" in done.stdout
        protect_posts = [r.path for r in emu.requests.snapshot() if r.method == "POST" and r.path.endswith("/reProtect")]
        assert len(protect_posts[before:]) == len(set(protect_posts[before:])), "no item's protection sent twice"


def test_a_protection_that_fails_at_a_task_says_so(tmp_path, vcsim) -> None:
    with _vault() as emu:
        both = ("--vm", "app01", "--vm", "db01")
        assert _reprotect(tmp_path, vcsim, emu, *both, "--yes", "--force").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "failback", *both, "--yes").returncode == 0
        assert _stage(tmp_path, vcsim, emu, "commit", *both, "--yes").returncode == 0
        emu.state["operation_fault"] = {"operation": "reprotect", "task": 1, "code": "78130",
                                        "message": "Replication to Azure could not be enabled."}
        done = _stage(tmp_path, vcsim, emu, "protect", *both, "--yes")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "ended Failed: 78130: Replication to Azure could not be enabled." in done.stdout
        assert "Protected to Azure again" not in done.stdout


def test_following_waits_out_a_dropped_connection_until_its_deadline() -> None:
    """checks.azure.operations._read: the SDK's own retries spent, a lost connection or a 503 is waited
    out, a 4xx is not, and the deadline ends it as stopped following (the job goes on in Azure)."""
    import threading
    import time

    from azure.core.exceptions import HttpResponseError, ServiceRequestError

    from checks.azure import operations
    from checks.model import FixError

    calls = iter([ServiceRequestError("connection reset"), HttpResponseError("busy", response=None), {"ok": 1}])

    def flaky() -> Any:
        value = next(calls)
        if isinstance(value, Exception):
            if isinstance(value, HttpResponseError):
                value.status_code = 503
            raise value
        return value

    operations.POLL_S, before = 0.01, operations.POLL_S
    try:
        assert operations._read(flaky, threading.Event(), time.monotonic() + 5, "job-1") == {"ok": 1}
        refused = HttpResponseError("not found", response=None)
        refused.status_code = 404
        with pytest.raises(HttpResponseError):
            operations._read(lambda: (_ for _ in ()).throw(refused), threading.Event(), time.monotonic() + 5, "job-1")
        with pytest.raises(FixError):
            operations._read(lambda: (_ for _ in ()).throw(ServiceRequestError("down")), threading.Event(),
                             time.monotonic() + 0.05, "job-1")
    finally:
        operations.POLL_S = before
