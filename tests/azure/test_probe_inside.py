"""The links that start in Azure, probed where they start: Azure Run Command against the emulator at
the wire (202 + Azure-AsyncOperation, then value[] with the script's output), through the real SDK
pipeline. Each scenario holds which links are open (simulators/azure/runcommand.py)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checks import catalog
from checks.model import FixError, Status
from checks.network import inside
from checks.runner import Runner
from checks.texts import Texts
from simulators.azure import AzureEmulator
from tests.azure.conftest import make_sources, settings_for, site_settings
from tests.azure.test_cli import _cli, _config


def _fast(emu: AzureEmulator, seconds: float = 0.3) -> None:
    emu.state["run_command"].update(seconds=seconds, retry_after="0")


def _sources(emu: AzureEmulator, **site: Any):
    settings = settings_for(emu, site=site_settings(process_server_vm=emu.state["ps_vm_id"], **site))
    # The far ends: loopback in tests; the emulator answers each link from its scenario's table.
    from dataclasses import replace

    settings = replace(settings, network=replace(settings.network, ps_address="127.0.0.1", cs_address="127.0.0.1"))
    return make_sources(settings, emu.client_secret)


def _probe(emu: AzureEmulator, **site: Any) -> tuple[Any, Any, dict[str, Any]]:
    sources = _sources(emu, **site)
    fix = catalog.fix(inside.FIX_ID)
    plan = fix.plan(sources, {})
    applied = fix.apply(sources, plan, lambda said: None)
    [ports] = Runner([c for c in catalog.all_checks() if c.id == "net.ports"], sources).run()
    return plan, applied, ports


def test_every_link_open_leaves_no_manual_step_for_the_links_that_start_in_azure() -> None:
    with AzureEmulator("healthy-classic") as emu:
        _fast(emu)
        plan, applied, ports = _probe(emu)
    tested = {e["key"]: e for e in ports.evidence["tested_inside"]}
    assert set(tested) == {"vm-cs", "vm-ps-data", "ps-cs", "ps-mt-data"}
    assert tested["vm-cs"]["open_from"] == ["app01", "db01"] and tested["ps-cs"]["open_from"] == ["ps-azure01"]
    left = {e["key"] for e in ports.evidence["not_testable_here"]}
    assert not left & set(tested), "a link tested inside is no longer a manual step"
    outcomes = {o["vm"]: o for o in applied.evidence["outcomes"]}
    assert outcomes["app01"]["command"] == "RunPowerShellScript" and outcomes["app01"]["state"] == "done"


def test_a_closed_link_from_the_azure_vms_fails_net_ports_and_names_95226() -> None:
    with AzureEmulator("probe-cs-closed") as emu:
        _fast(emu)
        _, _, ports = _probe(emu)
    assert ports.status == Status.FAIL
    closed = [p for p in ports.params["parts"] if p["key"] == "closed-inside-cs"]
    assert closed and closed[0]["vms"] == "app01, db01"
    words = Texts("en").summary(ports)
    assert "95226" in words and "app01, db01" in words
    entry = next(e for e in ports.evidence["not_testable_here"] if e["key"] == "vm-cs")
    assert entry["inside"]["closed_from"] == ["app01", "db01"]
    assert entry["windows"].startswith("Test-NetConnection"), "the command to run by hand stays beside it"


def test_linux_vms_get_a_shell_script_and_their_output_is_read() -> None:
    with AzureEmulator("healthy-classic") as emu:
        _fast(emu)
        plan, applied, _ = _probe(emu, failback_vms=("web01",))
    machine = next(m for m in plan.payload[0] if m.name == "web01")
    assert machine.command_id == "RunShellScript" and machine.script[0].startswith("for t in")
    outcome = next(o for o in applied.evidence["outcomes"] if o["vm"] == "web01")
    assert outcome["state"] == "done" and {r["result"] for r in outcome["results"]} == {"open"}


@pytest.mark.parametrize(("scenario", "vm", "cause"), [
    ("probe-denied", "app01", "denied"),
    ("probe-agent-error", "web01", "agent-not-ready"),
])
def test_a_vm_that_cannot_be_probed_keeps_its_links_manual_with_the_cause(scenario: str, vm: str, cause: str) -> None:
    with AzureEmulator(scenario) as emu:
        _fast(emu)
        _, applied, ports = _probe(emu, failback_vms=(vm,))
    outcome = next(o for o in applied.evidence["outcomes"] if o["vm"] == vm)
    assert outcome["state"] == cause
    if cause == "denied":
        assert outcome["raw"]["needs"] == inside.RUN_COMMAND and outcome["raw"]["http_status"] == 403
    entry = next(e for e in ports.evidence["not_testable_here"] if e["key"] == "vm-cs")
    assert {"vm": vm, "cause": cause} in entry["inside"]["untested"]
    assert ports.status == Status.FAIL or not ports.evidence["tested_inside"] or all(
        e["key"].startswith("ps-") for e in ports.evidence["tested_inside"]), "never a pass for the untested link"


def test_a_deallocated_vm_is_not_sent_anything() -> None:
    with AzureEmulator("healthy-classic") as emu:
        _fast(emu)
        emu.state["resources"][inside_vm_id(emu, "db01")]["_instanceView"]["statuses"][-1]["code"] = "PowerState/deallocated"
        plan, applied, _ = _probe(emu)
        sent = emu.requests.count(r"/virtualMachines/db01/runCommand", "POST")
    assert sent == 0
    assert any(c.key.endswith("skip-deallocated") and c.params["vm"] == "db01" for c in plan.changes)
    assert next(o for o in applied.evidence["outcomes"] if o["vm"] == "db01")["state"] == "deallocated"


def inside_vm_id(emu: AzureEmulator, name: str) -> str:
    from simulators.azure import scenarios

    return scenarios.vm_id(emu._ids, name).lower()


def _short(sources: Any, timeout_s: float) -> None:
    from dataclasses import replace

    sources.update_settings(network=replace(sources.settings.network, probe_timeout_s=timeout_s))


def test_a_probe_that_never_finishes_times_out_and_the_next_is_refused_as_busy() -> None:
    with AzureEmulator("probe-never") as emu:
        _fast(emu)
        sources = _sources(emu)
        _short(sources, 1.0)
        fix = catalog.fix(inside.FIX_ID)
        applied = fix.apply(sources, fix.plan(sources, {}), lambda said: None)
        states = {o["vm"]: o["state"] for o in applied.evidence["outcomes"]}
        assert states["db01"] == "timeout" and states["app01"] == "done"
        # The command still runs in db01: the service refuses another there (409 Conflict), and the
        # probe says why rather than "failed".
        applied = fix.apply(sources, fix.plan(sources, {}), lambda said: None)
        outcome = next(o for o in applied.evidence["outcomes"] if o["vm"] == "db01")
        assert outcome["state"] == "busy" and outcome["raw"]["http_status"] == 409


def test_cancel_stops_following_at_once_and_sends_nothing_more() -> None:
    with AzureEmulator("probe-never") as emu:
        _fast(emu)
        sources = _sources(emu)
        _short(sources, 600.0)
        fix = catalog.fix(inside.FIX_ID)
        plan = fix.plan(sources, {})
        threading.Timer(0.5, sources.cancel.set).start()
        started = time.monotonic()
        applied = fix.apply(sources, plan, lambda said: None)
        assert time.monotonic() - started < 10
        assert {o["vm"]: o["state"] for o in applied.evidence["outcomes"]}["db01"] == "cancelled"
        posts = emu.requests.count(r"/runCommand", "POST")
        # Cancelled before anything is sent: nothing is.
        applied = fix.apply(sources, fix.plan(sources, {}), lambda said: None)
        assert {o["state"] for o in applied.evidence["outcomes"]} == {"cancelled"}
        assert emu.requests.count(r"/runCommand", "POST") == posts


def test_an_unknown_process_server_vm_is_a_configuration_error() -> None:
    with AzureEmulator("healthy-classic") as emu:
        sources = _sources(emu)
        sources.update_settings(site=site_settings(process_server_vm="ps-nowhere"))
        with pytest.raises(FixError) as caught:
            catalog.fix(inside.FIX_ID).plan(sources, {})
    assert caught.value.config and "ps-nowhere" in Texts("en").say(caught.value.said)


# --- bad output: one clear state, never a crash ---------------------------------------------------

MACHINE = inside.Machine("app01", "vm", "/x", "Windows", (inside.Target("vm-cs", "10.0.0.10", 443),
                                                         inside.Target("vm-ps-data", "10.1.0.4", 9443)))


def _windows(out: str) -> dict[str, Any]:
    return {"value": [{"code": "ComponentStatus/StdOut/succeeded", "message": out},
                      {"code": "ComponentStatus/StdErr/succeeded", "message": ""}]}


@pytest.mark.parametrize(("result", "state"), [
    (_windows("FBPROBE vm-cs 10.0.0.10 443 open\nFBPROBE vm-ps-data 10.1.0.4 9443 closed\n"), "done"),
    # A German Windows: its own messages around ours change nothing, ours are ASCII words.
    (_windows("Warnung: Zeitüberschreitung beim Verbindungsaufbau\r\nFBPROBE vm-cs 10.0.0.10 443 open\r\n"
              "FBPROBE vm-ps-data 10.1.0.4 9443 closed\r\n"), "done"),
    (_windows(""), "bad-output"),
    (_windows("Die Benennung \"New-Object\" wurde nicht erkannt.\n"), "bad-output"),
    (_windows("FBPROBE vm-cs 10.0.0.10 443 open\n"), "bad-output"),  # one target missing
    ({"value": "not a list"}, "bad-output"),
    ({"unexpected": True}, "bad-output"),
    ([1, 2, 3], "bad-output"),
])
def test_the_output_is_read_or_called_unreadable(result: Any, state: str) -> None:
    got, results, raw = inside.read_output(MACHINE, result)
    assert got == state
    if state == "done":
        assert [r for _, r in results] == ["open", "closed"]
    else:
        assert raw.get("problem")


def test_a_vm_whose_os_type_is_unknown_is_not_probed_and_says_why() -> None:
    body = {"properties": {"storageProfile": {"osDisk": {}}, "instanceView": {"statuses": [
        {"code": "PowerState/running"}]}}}
    machine = inside._machine("app01", "vm", "/x", body, MACHINE.targets, {})
    assert machine.skip == "unknown-os"
    for lang in ("en", "zh-CN"):
        assert "app01" in Texts(lang).say(inside.said(f"fixes:{inside.FIX_ID}:skip-unknown-os", vm="app01"))


def test_an_address_a_shell_would_read_is_refused() -> None:
    with pytest.raises(FixError):
        inside.script_for("Linux", [inside.Target("vm-cs", "10.0.0.1;reboot", 443)])


# --- the command, its consent and its record --------------------------------------------------------


def _probe_config(tmp_path: Path, emu: AzureEmulator) -> Path:
    config = _config(tmp_path, emu)
    text = config.read_text().replace('[site]\n', f'[site]\nprocess_server_vm = "{emu.state["ps_vm_id"]}"\n')
    text = text.replace('ps_address = "127.0.0.1"', 'ps_address = "127.0.0.1"\ncs_address = "127.0.0.1"')
    config.write_text(text)
    return config


def test_probe_dry_run_shows_the_script_and_the_vms_and_sends_nothing(tmp_path: Path) -> None:
    with AzureEmulator("healthy-classic") as emu:
        config = _probe_config(tmp_path, emu)
        done = _cli(tmp_path, "probe", "--config", str(config), "--dry-run", secret=emu.client_secret)
        sent = emu.requests.count(r"/runCommand", "POST")
    assert done.returncode == 0, done.stderr
    assert sent == 0
    assert "Run Command RunPowerShellScript on app01 (Windows)" in done.stdout
    assert "on ps-azure01 (Windows)" in done.stdout
    assert "System.Net.Sockets.TcpClient" in done.stdout, "the exact script is shown"


def test_probe_yes_runs_records_script_vms_and_results_and_exits_by_the_contract(tmp_path: Path) -> None:
    with AzureEmulator("probe-cs-closed") as emu:
        _fast(emu)
        config = _probe_config(tmp_path, emu)
        done = _cli(tmp_path, "probe", "--config", str(config), "--yes", secret=emu.client_secret)
    assert done.returncode == 1, done.stderr  # net.ports fails: a link is closed
    assert "95226" in done.stdout
    [transcript] = (tmp_path / "transcripts").glob("*.jsonl")
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    preview = next(e for e in events if e["type"] == "fix.preview")
    assert any("TcpClient" in line for line in preview["changes"])
    assert {m["vm"] for m in preview["request"]["machines"]} == {"app01", "db01", "ps-azure01"}
    applied = next(e for e in events if e["type"] == "fix.applied")
    results = {o["vm"]: o["results"] for o in applied["evidence"]["outcomes"]}
    assert {r["link"]: r["result"] for r in results["app01"]} == {"vm-cs": "closed", "vm-ps-data": "open"}
    assert any(e["type"] == "fix.progress" and e["key"].endswith("progress-sent") for e in events)


def test_probe_with_an_unknown_process_server_vm_exits_2_with_one_sentence(tmp_path: Path) -> None:
    with AzureEmulator("healthy-classic") as emu:
        config = _probe_config(tmp_path, emu)
        config.write_text(config.read_text().replace(emu.state["ps_vm_id"], "ps-nowhere"))
        done = _cli(tmp_path, "probe", "--config", str(config), "--yes", secret=emu.client_secret)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ps-nowhere" in done.stderr


def _progress_events(directory: Path, suffix: str) -> int:
    count = 0
    for path in directory.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line being written
            count += event.get("type") == "fix.progress" and str(event.get("key", "")).endswith(suffix)
    return count


def _wait(what, message: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def _probe_process(tmp_path: Path, emu: AzureEmulator, config: Path, *extra: str):
    import os
    import subprocess
    import sys

    from tests.azure.test_cli import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("FAILBACK_PREP_")}
    env.update(PYTHONPATH=str(ROOT), FAILBACK_PREP_LANG="en", HOME=str(tmp_path),
               XDG_STATE_HOME=str(tmp_path / "state"), FAILBACK_PREP_AZURE_CLIENT_SECRET=emu.client_secret,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return subprocess.Popen([sys.executable, "-m", "tui.cli", "probe", "--config", str(config), "--yes", *extra,
                             "--transcript-dir", str(tmp_path / "transcripts")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_probe_run_is_followed_again_never_sent_twice_however_often_it_is_killed(tmp_path: Path) -> None:
    """Killed while the commands run, then its `--resume latest` killed too: the third run still
    follows the same three operations. Nothing is sent again."""
    import signal

    transcripts = tmp_path / "transcripts"
    with AzureEmulator("healthy-classic") as emu:
        emu.state["run_command"].update(seconds=8.0, retry_after="0")
        config = _probe_config(tmp_path, emu)
        first = _probe_process(tmp_path, emu, config)
        _wait(lambda: _progress_events(transcripts, ":progress-sent") == 3, "three commands sent and recorded")
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        second = _probe_process(tmp_path, emu, config, "--resume", "latest")
        _wait(lambda: _progress_events(transcripts, ":progress-following") == 3, "the resumed run follows all three")
        second.send_signal(signal.SIGKILL)
        second.communicate(timeout=10)
        done = _cli(tmp_path, "probe", "--config", str(config), "--yes", "--resume", "latest",
                    secret=emu.client_secret)
        posts = emu.requests.count(r"/runCommand", "POST")
    assert posts == 3, "no run after the first sent anything"
    assert done.returncode in (0, 1), done.stderr
    assert "Follow the probe already started on app01" in done.stdout
    assert "app01: answered" in done.stderr


def test_ctrl_c_stops_following_at_once(tmp_path: Path) -> None:
    import signal

    transcripts = tmp_path / "transcripts"
    with AzureEmulator("healthy-classic") as emu:
        emu.state["run_command"].update(seconds=600.0, retry_after="0")
        config = _probe_config(tmp_path, emu)
        run = _probe_process(tmp_path, emu, config)
        _wait(lambda: _progress_events(transcripts, ":progress-sent") == 3, "three commands sent")
        started = time.monotonic()
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=30)
    assert time.monotonic() - started < 15, "Ctrl-C does not wait for the commands"
    assert run.returncode == 130 and "Traceback" not in err


def test_a_vm_tested_nothing_is_never_a_pass(tmp_path: Path) -> None:
    """A failback VM the vault does not have in Azure, and a process server VM that is another VM: both
    are said in the plan, and their links stay untested (never open on the word of the others)."""
    with AzureEmulator("healthy-classic") as emu:
        _fast(emu)
        from simulators.azure import scenarios

        app01 = scenarios.vm_id(emu._ids, "app01")
        sources = _sources(emu, failback_vms=("app01", "ghost01"))
        sources.update_settings(site=replace(sources.settings.site, process_server_vm=app01))
        fix = catalog.fix(inside.FIX_ID)
        plan = fix.plan(sources, {})
        keys = {c.key.rsplit(":", 1)[1]: c.params.get("vm") for c in plan.changes if ":skip-" in c.key}
        assert keys == {"skip-not-in-azure": "ghost01", "skip-not-the-ps": "app01"}
        fix.apply(sources, plan, lambda said: None)
        [ports] = Runner([c for c in catalog.all_checks() if c.id == "net.ports"], sources).run()
    assert not ports.evidence["tested_inside"]
    entry = next(e for e in ports.evidence["not_testable_here"] if e["key"] == "vm-cs")
    assert entry["inside"]["open_from"] == ["app01"]
    assert {"vm": "ghost01", "cause": "not-in-azure"} in entry["inside"]["untested"]


def test_a_result_for_another_address_is_stale_not_open() -> None:
    """The vault's address of the configuration server changed since the probe: its old answer proves
    nothing about the new address."""
    with AzureEmulator("healthy-classic") as emu:
        _fast(emu)
        sources = _sources(emu)
        fix = catalog.fix(inside.FIX_ID)
        fix.apply(sources, fix.plan(sources, {}), lambda said: None)
        fabric = emu.state["fabrics"][0]["properties"]["customDetails"]
        fabric["ipAddress"] = "10.0.0.99"
        [ports] = Runner([c for c in catalog.all_checks() if c.id == "net.ports"], sources).run()
    tested = {e["key"] for e in ports.evidence["tested_inside"]}
    assert "vm-cs" not in tested and "ps-cs" not in tested and "vm-ps-data" in tested
    entry = next(e for e in ports.evidence["not_testable_here"] if e["key"] == "vm-cs")
    assert {"vm": "app01", "cause": "stale"} in entry["inside"]["untested"]


def test_a_target_the_script_could_not_test_is_untested() -> None:
    machine = MACHINE
    got, results, _ = inside.read_output(machine, _windows(
        "FBPROBE vm-cs 10.0.0.10 443 error\nFBPROBE vm-ps-data 10.1.0.4 9443 open\n"))
    assert got == "done"
    found = inside.Inside((inside.Outcome(machine, got, results),)).for_link("vm-cs", "10.0.0.10", 443)
    assert found == {"open": [], "closed": [], "untested": [{"vm": "app01", "cause": "probe-error"}]}


def test_one_target_makes_a_list_of_one_in_powershell() -> None:
    """PowerShell flattens @(@(...)) of one element; the targets are plain strings, split in the loop."""
    script = "\n".join(inside.script_for("Windows", [inside.Target("ps-cs", "10.0.0.10", 443)]))
    assert "foreach ($t in @('ps-cs 10.0.0.10 443'))" in script and "@(@(" not in script
    assert "$t.Split(' ')" in script and "BeginConnect" in script, "works on .NET before 4.5 too"
