"""From red to home in the wizard, through Pilot, against the simulated Linux site: fix all, then R four
times: the reprotect (followed until protected back), the failback at the latest application-consistent
point, its commit, the protection to Azure again; each refused while the vault does not offer it, none
sent twice."""

from __future__ import annotations

from pathlib import Path

from checks.model import Status
from screens.fix_all import FixAllScreen
from screens.reprotect import ReprotectScreen
from tui.demo import SimulatedSite

from .harness import wait_for
from .test_flow import app_for, status


def _posts(site: SimulatedSite, suffix: str) -> int:
    return sum(1 for r in site.azure.requests.snapshot() if r.method == "POST" and r.path.endswith(suffix))


async def _stage(pilot, app, names: str, kind: str, point: bool = False) -> ReprotectScreen:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(app.screen, ReprotectScreen) and app.screen.stage == "planned", timeout=60)
    dialog = app.screen
    assert dialog.kind == kind
    if point:
        await pilot.press("f2")
        await wait_for(pilot, lambda: dialog.stage == "planned" and dialog.point == "latest-app-consistent", timeout=30)
    assert dialog.query_one("#start").disabled, "the names first"
    await pilot.press(*names)
    await pilot.press("enter")
    await pilot.press("enter")  # a double press starts nothing twice
    await wait_for(pilot, lambda: dialog.stage == "done", timeout=120)
    await pilot.press("escape")
    return dialog


async def test_from_red_to_home_in_the_wizard(linux_site: SimulatedSite, transcripts: Path) -> None:
    site = linux_site
    site.azure.task_s, site.azure.initial_replication_s = 0.2, 1.0
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(app, "vc.connect") == Status.PASS)
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.control.engine is not None and status(app, "mt.no-snapshots") == Status.FAIL,
                       timeout=90)
        await pilot.press("g")
        await pilot.press("R")  # red: refused, naming the failing checks
        await wait_for(pilot, lambda: isinstance(app.screen, ReprotectScreen) and app.screen.stage == "refused",
                       timeout=60)
        assert "mt.no-snapshots" in str(app.screen.query_one("#fix-plan").render())
        await pilot.press("escape")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FixAllScreen) and app.screen.stage == "planned", timeout=60)
        await pilot.press(*"mt-lnx01")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.stage == "done", timeout=60)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.control.runs.running and status(app, "mt.no-snapshots") == Status.PASS,
                       timeout=60)
        await _stage(pilot, app, "web01 web02", "reprotect")
        await _stage(pilot, app, "web01 web02", "failover", point=True)
        await _stage(pilot, app, "web01 web02", "commit")
        await _stage(pilot, app, "web01 web02", "protect")  # and to Azure again
        await pilot.press("R")  # home and protected to Azure: nothing more is offered
        await wait_for(pilot, lambda: isinstance(app.screen, ReprotectScreen) and app.screen.stage == "refused",
                       timeout=60)
        await pilot.press("escape")
    assert (_posts(site, "/reProtect"), _posts(site, "/unplannedFailover"), _posts(site, "/failoverCommit")) == (4, 2, 2)
    from control.transcript import read, resolve

    events = list(read(resolve(transcripts, "latest").path))
    started = [(e["operation"], e["vm"]) for e in events if e["type"] == "operation.started"]
    assert started == [(k, vm) for k in ("reprotect", "failover", "commit", "protect") for vm in ("web01", "web02")]
    failover = next(e for e in events if e["type"] == "operation.started" and e["operation"] == "failover")
    assert failover["request"]["body"]["properties"]["providerSpecificDetails"]["recoveryPointType"] == "LatestTag"
    assert [e["protection_state"] for e in events if e["type"] == "operation.state"][-1] == "Protected"


async def test_a_step_already_under_way_is_followed_after_a_restart_and_never_sent_again(
        linux_site: SimulatedSite, transcripts: Path) -> None:
    """A session that started the reprotect is gone (a restart, another operator): R follows the job."""
    from checks import catalog
    from checks.azure.operations import reprotect_requests, start_reprotect
    from checks.sources import Sources
    from control import config

    site = linux_site
    site.azure.task_s, site.azure.initial_replication_s = 1.5, 1.0
    settings = config.load(site.config_path)
    sources = Sources(catalog.all_sources(), settings, secrets=site.secrets.get)
    try:
        for request in reprotect_requests(sources, ["web01", "web02"]):
            start_reprotect(sources.source("azure.client"), request)
    finally:
        sources.close()
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(app, "vc.connect") == Status.PASS)
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.control.engine is not None and status(app, "mt.no-snapshots") is not None,
                       timeout=90)
        await pilot.press("g")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ReprotectScreen) and app.screen.stage == "following",
                       timeout=60)
        dialog = app.screen
        assert "Already under way" in str(dialog.query_one("#fix-warning").render())
        await wait_for(pilot, lambda: dialog.stage == "done", timeout=120)
    assert _posts(site, "/reProtect") == 2  # one per VM, by the session that is gone
    from control.transcript import read, resolve

    events = list(read(resolve(transcripts, "latest").path))
    assert [(e["vm"], e.get("resumed")) for e in events if e["type"] == "operation.started"] == [
        ("web01", True), ("web02", True)]
