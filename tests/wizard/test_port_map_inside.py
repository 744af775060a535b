"""The port map shows what the probe inside the VMs found, and from where: a link every VM found open
passes, a closed one fails naming the VMs, an untested one stays to test there with its cause."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable, Static

from tests.canned import PORTS_EVIDENCE, Canned
from tests.wizard.test_ui import canned_app, to_overview


def _evidence() -> dict:
    evidence = dict(PORTS_EVIDENCE)
    evidence["tested_inside"] = [{"key": "vm-ps-data", "link": "Azure VM -> process server (data)", "host": "10.1.0.4",
                                  "port": 9443, "open_from": ["app01", "db01"], "closed_from": [], "untested": []}]
    evidence["not_testable_here"] = [
        {"key": "vm-cs", "link": "Azure VM -> configuration server", "run_on": "each failed-over Azure VM",
         "windows": "Test-NetConnection 10.0.0.10 -Port 443", "linux": "nc -vz -w 5 10.0.0.10 443",
         "inside": {"key": "vm-cs", "open_from": [], "closed_from": ["app01"], "untested": []}},
        {"key": "ps-cs", "link": "process server -> configuration server", "run_on": "the process server in Azure",
         "windows": "Test-NetConnection 10.0.0.10 -Port 443", "linux": "nc -vz -w 5 10.0.0.10 443",
         "inside": {"key": "ps-cs", "open_from": [], "closed_from": [],
                    "untested": [{"vm": "ps-azure01", "cause": "denied"}]}},
    ]
    return evidence


def _status(app, key: str) -> str:
    table = app.screen.query_one("#links", DataTable)
    cell = table.get_cell(key, "status")
    return cell.plain if isinstance(cell, Text) else str(cell)


async def test_the_port_map_colours_links_by_the_probe_inside_the_vms(transcripts: Path) -> None:
    canned = Canned()
    canned.evidence["net.ports"] = _evidence()
    app = canned_app(transcripts, canned)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert "open, tested inside app01, db01" in _status(app, "vm-ps")
        assert _status(app, "vm-ps").startswith("✓")
        assert "closed, tested inside app01" in _status(app, "vm-cs") and _status(app, "vm-cs").startswith("✗")
        assert "closed" not in _status(app, "ps-cs") and not _status(app, "ps-cs").startswith("✓")
        table = app.screen.query_one("#links", DataTable)
        table.move_cursor(row=table.get_row_index("ps-cs"))
        await pilot.pause()
        detail = str(app.screen.query_one("#link-detail", Static).render())
        assert "Not tested inside ps-azure01" in detail and "runCommand/action" in detail
        assert "Test-NetConnection" in detail, "the command to run by hand stays"
