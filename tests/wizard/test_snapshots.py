"""Every screen at 80x24, in English and in Chinese, against committed SVG screenshots.

The data is canned and the clock, operator and session id are fixed, so the pictures only
change when the screens do. After a deliberate change, refresh them and review the diff:

    UPDATE_SNAPSHOTS=1 pytest tests/wizard/test_snapshots.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.wizard.test_ui import canned_app, to_overview

from .harness import wait_for

SNAPSHOTS = Path(__file__).parent / "snapshots"

# (name, keys from the overview); "" stays on the overview.
PLACES = (
    ("overview", ()),
    ("component-master-target", ("3",)),
    ("port-map", ("p",)),
    ("process-server", ("d",)),
    ("master-target", ("t",)),
    ("failback-vms", ("v",)),
    ("readiness", ("g",)),
    ("answer", ("2", "m")),  # the cursor starts on the first problem: the step to confirm
    ("help", ("f1",)),
)


def compare(name: str, svg: str) -> None:
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(svg, encoding="utf-8")
        return
    if svg != path.read_text(encoding="utf-8"):
        actual = Path(tempfile.gettempdir()) / f"failback-prep-snapshot-{name}.svg"
        actual.write_text(svg, encoding="utf-8")
        raise AssertionError(f"{path.name} changed (now: {actual}); see the module docstring to refresh it")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_screens_at_80x24(transcripts: Path, lang: str) -> None:
    app = canned_app(transcripts, lang=lang, session_id="5a98374b")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running and "vc.connect" in
                       app.control.session.state.results)
        await pilot.pause()
        compare(f"{lang}-connect", app.export_screenshot())
        await to_overview(pilot)
        for name, keys in PLACES:
            await pilot.press(*keys)
            # Let relayouts from late updates (column widths, counts) settle before the picture.
            await pilot.pause(0.2)
            await pilot.wait_for_scheduled_animations()
            compare(f"{lang}-{name}", app.export_screenshot())
            while len(app.screen_stack) > 2:
                await pilot.press("escape")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_a_modernized_vault_gets_the_appliance_screens_at_80x24(transcripts: Path, lang: str) -> None:
    """The vault says modernized (az.connect): the component table becomes the appliance's, the classic
    procedures are not offered, the appliance's screen lists its checks, the port map shows the
    appliance's links, and the VMs' screen the modernized checks."""
    from tests.canned import Canned, modernized

    canned = modernized(Canned())
    classic = ("cs.", "ps.", "mt.", "policy.failback", "net.s2s", "net.ports", "net.link-type")
    app = canned_app(transcripts, canned, lang=lang, session_id="5a98374b")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        assert app.control.architecture == "modernized"
        await pilot.pause(0.2)
        compare(f"{lang}-modernized-overview", app.export_screenshot())
        rows = [str(k.value) for k in app.screen.query_one("#components").rows]
        assert rows == ["appliance", "failback-policy", "network"]
        await pilot.press("1")
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()
        compare(f"{lang}-modernized-appliance", app.export_screenshot())
        shown = {c.id for c in app.screen.checks()}
        assert {"app.registered", "app.components-healthy", "app.log-storage", "app.datastore-access",
                "app.storage-drs"} <= shown
        assert not any(c.startswith(classic) for c in shown)
        await pilot.press("escape")
        # The port map: the appliance's links and the VMs' outbound 443, no VPN or ExpressRoute.
        await pilot.press("p")
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()
        compare(f"{lang}-modernized-port-map", app.export_screenshot())
        links = [str(k.value) for k in app.screen.query_one("#links").rows]
        assert links == ["vm-asr", "app-azure", "app-vc"]
        await pilot.press("escape")
        # The VMs: the agent in each Azure VM and their disk.EnableUUID; none of the master target's checks.
        await pilot.press("v")
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()
        compare(f"{lang}-modernized-failback-vms", app.export_screenshot())
        shown = {c.id for c in app.screen.checks()}
        assert {"vm.failed-over", "vm.azure-agent", "vm.disk-enableuuid", "vc.failback-role"} <= shown
        assert not any(c.startswith("mt.") for c in shown)
