"""Keys rebound from the configuration's [keys] table, through Textual's keymap and the bindings' ids."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from screens.base import KeyBar
from textual.widgets import DataTable
from tests.conftest import ROOT
from tests.wizard.test_ui import canned_app, to_overview
from tui.app import binding_ids

from .harness import wait_for


def selected(app) -> str:
    table = app.screen.query_one(DataTable)
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_a_rebound_key_acts_and_the_key_bar_shows_it(transcripts: Path) -> None:
    app = canned_app(transcripts, keymap={"next-problem": "j"})
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("3")  # the master target: several problems in the canned results
        await pilot.pause()
        first = selected(app)
        await pilot.press("n")  # no longer bound: the cursor stays
        await pilot.pause()
        assert selected(app) == first
        await pilot.press("j")
        await wait_for(pilot, lambda: selected(app) != first)
        bar = " ".join(str(app.screen.query_one(KeyBar).render()).split())
        assert f"j {app.t('key.next-problem')}" in bar
        assert f"n {app.t('key.next-problem')}" not in bar


def _wizard(tmp_path: Path, keys: str) -> subprocess.CompletedProcess[str]:
    example = (ROOT / "examples" / "site.toml").read_text(encoding="utf-8")
    config = tmp_path / "site.toml"
    config.write_text(example.split("[keys]")[0] + "[keys]\n" + keys + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "tui.cli", "--config", str(config)], cwd=ROOT, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)


def test_an_unknown_key_id_is_refused_with_the_closest_one(tmp_path: Path) -> None:
    done = _wizard(tmp_path, 'next_problem = "j"')
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert re.search(r"site\.toml, line \d+: \[keys\] next_problem is not one of the wizard's keys; "
                     r"did you mean `next-problem`\?", done.stderr), done.stderr


def test_a_key_textual_does_not_name_is_refused(tmp_path: Path) -> None:
    done = _wizard(tmp_path, 'next-problem = "Ctrl-J"')
    assert done.returncode == 2
    assert "[keys] next-problem has 'Ctrl-J', which Textual does not name a key" in done.stderr, done.stderr


def test_the_readme_names_every_key_id() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| id | keys | does |"):].split("\n\n")[0]
    named = set(re.findall(r"`([a-z0-9-]+)`", table)) | {f"component-{n}" for n in range(2, 6)}
    assert binding_ids() - named == set()
    assert named - binding_ids() == set()


async def test_a_rebound_dialog_key_is_shown_as_rebound(transcripts: Path) -> None:
    """Dialogs list their keys in their own order; a key rebound in [keys] is shown with its new key."""
    app = canned_app(transcripts, keymap={"close": "f12"})
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("3")
        await pilot.pause()
        manual = next(r for r in app.control.engine.checks if r.manual and r.component.value == "master-target")
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(manual.id))
        await pilot.press("m")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AnswerScreen")
        bar = " ".join(str(app.screen.query_one(KeyBar).render()).split())
        assert f"F12 {app.t('key.close')}" in bar, bar
        assert f"Esc {app.t('key.close')}" not in bar, bar
        await pilot.press("f12")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "AnswerScreen")
