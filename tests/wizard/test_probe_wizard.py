"""The probe inside the VMs from the wizard, on the demo's site: `i` on the port map shows the exact
script and the VMs, Enter runs it, the port map shows each link as tested from inside; Esc stops
following; a resumed session follows what was started instead of sending it again."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Static

from screens.fix import FixScreen
from screens.port_map import PortMapScreen
from tests.wizard.test_flow import app_for
from tui.demo import SimulatedSite

from .harness import wait_for


async def _to_port_map(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.control.engine is not None)
    await pilot.press("f9")
    await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running
                   and len(app.control.session.state.results) == len(app.control.engine.checks), timeout=60)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, PortMapScreen))


def _plan_text(app) -> str:
    return str(app.screen.query_one("#fix-plan", Static).render())


def _status(app, key: str) -> str:
    cell = app.screen.query_one("#links", DataTable).get_cell(key, "status")
    return cell.plain if isinstance(cell, Text) else str(cell)


async def test_i_shows_the_script_runs_it_and_the_port_map_shows_where_each_link_was_tested(
        site: SimulatedSite, transcripts: Path) -> None:
    site.azure.state["run_command"].update(seconds=0.5, retry_after="0")
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_port_map(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and app.screen.plan is not None, timeout=30)
        plan = _plan_text(app)
        assert "Run Command RunPowerShellScript on app01 (Windows)" in plan
        assert "ps-azure01" in plan and "TcpClient" in plan, "the VMs and the exact script, before anything is sent"
        assert "Not on db01: it is deallocated" in plan
        assert site.azure.requests.count(r"/runCommand", "POST") == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, FixScreen), timeout=60)
        await wait_for(pilot, lambda: "tested_inside" in app.control.session.state.results["net.ports"].evidence
                       and not app.control.runs.running, timeout=60)
        await pilot.pause()
        assert _status(app, "ps-cs").startswith("✓") and "tested inside ps-azure01" in _status(app, "ps-cs")
        assert not _status(app, "vm-cs").startswith("✓"), "db01 was not tested: the link is not proven"
    assert site.azure.requests.count(r"/runCommand", "POST") == 2  # app01 and the process server's VM


async def test_esc_stops_following_and_a_resumed_session_follows_instead_of_sending_again(
        site: SimulatedSite, transcripts: Path) -> None:
    site.azure.state["run_command"].update(seconds=3600, retry_after="0")
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_port_map(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and app.screen.plan is not None, timeout=30)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.control.session.state.started.get("net.probe-inside", {})) == 2,
                       timeout=30)
        await pilot.press("escape")  # stops following at once: the dialog says so, then closes with the result
        await wait_for(pilot, lambda: not isinstance(app.screen, FixScreen), timeout=30)
        evidence = app.control.session.state.results
        await wait_for(pilot, lambda: "tested_inside" in evidence["net.ports"].evidence, timeout=60)
        untested = [u for e in evidence["net.ports"].evidence["not_testable_here"] for u in
                    (e.get("inside") or {}).get("untested", ())]
        assert {"vm": "app01", "cause": "cancelled"} in untested
    sent = site.azure.requests.count(r"/runCommand", "POST")
    assert sent == 2

    # The run ended (stopped): nothing is left to follow. A run killed part way is another matter:
    # its operations are in the transcript without an end, and a resumed session follows them.
    from control.transcript import entries

    [entry] = [e for e in entries(transcripts)]
    with entry.path.open("a", encoding="utf-8") as handle:
        handle.write('{"ts": "2026-11-30T00:00:00Z", "seq": 999, "session": "%s", "type": "fix.progress", '
                     '"fix": "net.probe-inside", "key": "fixes:net.probe-inside:progress-sent", '
                     '"params": {"vm": "app01", "operation": "%s"}}\n' % (entry.session, "https://127.0.0.1:1/none"))
    site.azure.state["run_command"].update(seconds=0.2)
    resumed = app_for(site, transcripts, resume=entry)
    async with resumed.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: resumed.control.engine is not None)
        await pilot.press("escape")  # from the screen it was on, back to the overview
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(resumed.screen, PortMapScreen))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(resumed.screen, FixScreen) and resumed.screen.plan is not None,
                       timeout=30)
        assert "Follow the probe already started on app01 (nothing new is sent to it)" in _plan_text(resumed)


def test_probe_exits_3_when_a_vm_tested_nothing_and_no_check_failed(site: SimulatedSite, tmp_path: Path) -> None:
    """On the demo's site every link answers from here; with Run Command refused, no link that starts in
    Azure was tested: not a failure, but not determined either (exit 3), and each cause is said."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    site.azure.state["run_command"].update(seconds=0.2, retry_after="0")
    site.azure.deny("Microsoft.Compute/virtualMachines/runCommand/action")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAILBACK_PREP_")}
    env.update(PYTHONPATH=str(ROOT), FAILBACK_PREP_LANG="en", HOME=str(tmp_path),
               XDG_STATE_HOME=str(tmp_path / "state"), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               FAILBACK_PREP_AZURE_CLIENT_SECRET=site.secrets["azure"],
               FAILBACK_PREP_VCENTER_PASSWORD=site.secrets["vcenter"])
    done = subprocess.run([sys.executable, "-m", "tui.cli", "probe", "--config", str(site.config_path), "--yes",
                           "--transcript-dir", str(tmp_path / "t")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "fail   net.ports" not in done.stdout, done.stdout
    assert done.returncode == 3, done.stdout + done.stderr
    assert "would run a read-only test in" in done.stdout
