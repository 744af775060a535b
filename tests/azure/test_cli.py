"""The real CLI in a subprocess against the vault emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, emu, **azure) -> Path:
    values = {
        "cloud": "AzureCloud",
        "tenant_id": emu.tenant_id,
        "subscription_id": emu.subscription_id,
        "resource_group": emu.resource_group,
        "vault": emu.vault,
        "auth": "client-secret",
        "client_id": emu.client_id,
        "arm_endpoint": emu.base_url,
        "authority": emu.authority,
        "ca_file": emu.ca_file,
    }
    values.update(azure)
    lines = ["[azure]"] + [f'{k} = "{v}"' for k, v in values.items()]
    lines += [
        "",
        "[site]",
        'configuration_server = "cs01"',
        'process_server = "ps-azure01"',
        'master_target = "mt-win01"',
        'failback_vms = ["app01", "db01"]',
        "",
        "[network]",
        'ps_address = "127.0.0.1"',
        "https_port = 9",
        "data_port = 9",
        "timeout_s = 0.5",
    ]
    path = tmp_path / "failback.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _cli(tmp_path: Path, *args: str, secret: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAILBACK_PREP_")}
    env.update(PYTHONPATH=str(ROOT), FAILBACK_PREP_LANG="en", FAILBACK_PREP_AZURE_TIMEOUT_S="2",
               HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    if secret is not None:
        env["FAILBACK_PREP_AZURE_CLIENT_SECRET"] = secret
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args, "--transcript-dir", str(tmp_path / "transcripts")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_json_against_the_vault(emulator, tmp_path):
    config = _config(tmp_path, emulator)
    done = _cli(tmp_path, "check", "--config", str(config), "--only", "az.,cs.,policy.,vm.failed-over",
                "--format", "json", secret=emulator.client_secret)
    report = json.loads(done.stdout)
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert status["az.connect"] == "pass" and status["cs.connected"] == "pass"
    assert status["policy.failback"] == "pass" and status["vm.failed-over"] == "pass"
    assert report["architecture"] == "classic"
    assert emulator.client_secret not in done.stdout + done.stderr
    for transcript in (tmp_path / "transcripts").glob("*.jsonl"):
        assert emulator.client_secret not in transcript.read_text()


def test_check_with_a_wrong_secret_says_so(emulator, tmp_path):
    config = _config(tmp_path, emulator)
    done = _cli(tmp_path, "check", "--config", str(config), "--only", "az.connect,cs.connected",
                "--format", "json", secret="wrong-secret-value")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    connect = next(c for c in report["checks"] if c["id"] == "az.connect")
    assert connect["status"] == "fail" and "client secret was rejected" in connect["summary"]
    assert "wrong-secret-value" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("emulator", ["modernized"], indirect=True)
def test_check_text_on_a_modernized_vault(emulator, tmp_path):
    config = _config(tmp_path, emulator)
    done = _cli(tmp_path, "check", "--config", str(config), "--only", "az.,cs.connected,ps.,net.",
                "--format", "json", secret=emulator.client_secret)
    report = json.loads(done.stdout)
    assert report["architecture"] == "modernized"
    status = {c["id"]: c["status"] for c in report["checks"]}
    assert status["cs.connected"] == "skip" and status["ps.reachable"] == "skip"


def test_fix_cs_refresh(emulator, tmp_path):
    emulator.load("broken-classic")
    config = _config(tmp_path, emulator)
    done = _cli(tmp_path, "fix", "cs.refresh", "--config", str(config), "--yes", secret=emulator.client_secret)
    assert "Traceback" not in done.stderr, done.stderr
    mts = emulator.state["fabrics"][0]["properties"]["customDetails"]["masterTargetServers"]
    lnx = next(m for m in mts if m["name"] == "mt-lnx01")
    assert [v["volumeName"] for v in lnx["retentionVolumes"]] == ["/mnt/retention"]
