"""The port map: each link's status comes from the net.ports evidence item with its machine key,
whatever words that item's label uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from screens.port_map import LINKS, PortMapScreen

from .harness import PORTS_EVIDENCE, Canned, wait_for
from .test_ui import canned_app, to_overview

# Labels are for people and may change (or be translated); only the keys are matched on.
KEYED_EVIDENCE: dict[str, Any] = {
    "tested": [
        {"key": "here-vcenter", "link": "from this machine to vCenter", "host": "vcenter.corp.example", "port": 443,
         "result": "refused", "answered": False},
        {"key": "here-ps-data", "link": "here -> process server (https)", "host": "10.1.0.4", "port": 9443,
         "result": "timeout", "answered": False},
        {"key": "here-ps-https", "link": "here -> process server (data)", "host": "10.1.0.4", "port": 443,
         "result": "TLS ok", "answered": True},
        {"key": "here-cs", "link": "本机 -> 配置服务器", "host": "10.0.0.10", "port": 443, "result": "TLS ok",
         "answered": True},
    ],
    "not_testable_here": [
        {"key": "ps-mt-data", "link": "PS to MT, data", "run_on": "the process server in Azure",
         "windows": "Test-NetConnection 10.0.0.20 -Port 9443", "linux": "nc -vz -w 5 10.0.0.20 9443"},
        {"key": "vm-cs", "link": "process server -> master target (data)", "run_on": "each failed-over Azure VM",
         "windows": "Test-NetConnection 10.0.0.10 -Port 443", "linux": "nc -vz -w 5 10.0.0.10 443"},
    ],
}


async def _statuses(transcripts: Path, canned: Canned) -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    app = canned_app(transcripts, canned)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_overview(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PortMapScreen))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PortMapScreen)
        states = {link.key: screen.link_state(link) for link in LINKS}
        shown = {link.key: screen.query_one("#links").get_cell(link.key, "status").plain for link in LINKS}
        commands = {link.key: dict(screen.command(link)) for link in LINKS}
    for key, (_, words) in states.items():
        assert words in shown[key], "the table shows what link_state says"
    return states, commands


async def test_each_link_shows_the_probe_with_its_key(transcripts: Path) -> None:
    canned = Canned()
    canned.evidence = {"net.ports": KEYED_EVIDENCE}
    states, commands = await _statuses(transcripts, canned)
    # No link starts here: a far end that answers here leaves the link to be tested where it starts.
    assert {key: status for key, (status, _) in states.items()} == {
        "vm-cs": "manual",  # here-cs answered
        "vm-ps": "fail",  # here-ps-data timed out, though its label says https
        "ps-cs": "manual",
        "ps-mt": "manual",
        "cs-vc": "fail",  # here-vcenter refused
        "cs-azure": "manual",
        "ps-azure": "manual",
    }
    assert "timeout" in states["vm-ps"][1] and "refused" in states["cs-vc"][1]
    assert commands["ps-mt"]["linux"] == "nc -vz -w 5 10.0.0.20 9443"
    assert commands["vm-cs"]["windows"] == "Test-NetConnection 10.0.0.10 -Port 443"
    assert commands["cs-azure"] == {}


async def test_evidence_recorded_before_keys_still_maps_by_label(transcripts: Path) -> None:
    """A session resumed from an older transcript: its net.ports items have labels only."""
    canned = Canned()
    canned.evidence["net.ports"] = {  # the harness's evidence, as recorded before items carried a key
        part: [{k: v for k, v in item.items() if k != "key"} for item in items]
        for part, items in PORTS_EVIDENCE.items()
    }
    states, commands = await _statuses(transcripts, canned)
    assert {key: status for key, (status, _) in states.items()} == {
        "vm-cs": "manual", "vm-ps": "fail", "ps-cs": "manual", "ps-mt": "manual", "cs-vc": "manual",
        "cs-azure": "manual", "ps-azure": "manual",
    }
    assert commands["ps-mt"]["linux"] == "nc -vz -w 5 10.0.0.20 9443"
