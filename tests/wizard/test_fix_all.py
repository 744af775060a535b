"""Fix all from the readiness screen, through Pilot, against the simulated site: one plan in the safe
order, the destructive target's name typed once, every change applied, a second Enter sending nothing."""

from __future__ import annotations

from pathlib import Path

from checks.model import Status
from screens.fix_all import FixAllScreen
from screens.overview import OverviewScreen
from screens.readiness import ReadinessScreen
from control.transcript import read, resolve
from tui.demo import SimulatedSite

from .harness import wait_for
from .test_flow import app_for, status


async def test_fix_all_from_the_readiness_screen(site: SimulatedSite, transcripts: Path) -> None:
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(app, "vc.connect") == Status.PASS)
        await pilot.press("f9")
        assert isinstance(app.screen, OverviewScreen)
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running
                       and status(app, "mt.no-snapshots") is not None, timeout=90)
        await pilot.press("g")
        assert isinstance(app.screen, ReadinessScreen)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FixAllScreen) and app.screen.stage == "planned", timeout=60)
        dialog = app.screen
        assert [s.fix.id for s in dialog.plan.to_apply] == ["mt.remove-snapshots", "mt.set-disk-enableuuid",
                                                             "mt.exclude-storage-drs"]
        assert dialog.query_one("#apply").disabled, "snapshots cannot come back: the name first"
        await pilot.press(*"mt-win01")
        await pilot.press("enter")
        await pilot.press("enter")  # a double press sends nothing twice
        await wait_for(pilot, lambda: dialog.stage in ("done", "failed"), timeout=90)
        assert dialog.stage == "done"
        await wait_for(pilot, lambda: not app.control.runs.running and all(
            status(app, c) == Status.PASS for c in ("mt.no-snapshots", "mt.disk-enableuuid", "mt.storage-vmotion")),
            timeout=90)
        await pilot.press("escape")
    events = list(read(resolve(transcripts, "latest").path))
    applied = [e["fix"] for e in events if e["type"] == "fix.applied"]
    assert applied == ["mt.remove-snapshots", "mt.set-disk-enableuuid", "mt.exclude-storage-drs"]
