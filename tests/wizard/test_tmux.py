"""The real command in a real terminal (tmux, 80x24): demo, navigate, kill -9, resume; hang-up ends cleanly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tmux import Cell, Terminals, Tmux, cells, find, wizard_command
from control.transcript import entries, read

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[Terminals]:
    with Terminals(tmp_path) as made:
        yield made


def _selected(tmux: Tmux) -> str:
    """The check id the detail pane shows: the highlighted row's (its status words come right before it)."""
    screen = " ".join(re.sub(r"[│|]", " ", tmux.screen()).split())
    found = re.search(r"(?:fail|warn|error|to confirm|pass|skip|running) ([a-z]+\.[a-z0-9-]+)", screen)
    return found.group(1) if found else ""


def _poll(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def test_demo_in_tmux_survives_kill_9_and_resumes(terminals: Terminals, transcripts: Path) -> None:
    tmux = terminals.new()
    tmux.start(wizard_command("--no-mouse", "demo"))
    tmux.wait_for("F9: continue to the components", timeout=120)
    tmux.wait_for("✓ pass  Signed in")
    tmux.keys("F9")
    tmux.wait_for("1 Configuration server")
    tmux.wait_for("✗ fail")
    tmux.keys("3")
    shown = tmux.wait_for("The master target has no snapshots")
    assert "Master target" in shown.splitlines()[0]
    for _ in range(12):  # n walks the problems to the one this test mends, one row at a time
        before = _selected(tmux)
        if before == "mt.disk-enableuuid":
            break
        tmux.keys("n")
        _poll(lambda: _selected(tmux) not in ("", before), f"n moved on from {before}")
    tmux.wait_for_words("✗ fail mt.disk-enableuuid")
    tmux.keys("x")
    tmux.wait_for("Exactly this will change")
    tmux.keys("Enter")  # Apply has the focus once the change is shown
    tmux.wait_for("✓ disk.EnableUUID is TRUE on", timeout=60)  # the re-check, announced
    tmux.keys("n")
    [entry] = [e for e in entries(transcripts) if e.command == "demo"]

    def kept_row() -> str:
        rows = [e["args"].get("row", "") for e in read(entry.path) if e["type"] == "screen.shown"]
        return rows[-1] if rows else ""

    # The row is kept once the cursor rests: the one in the detail pane (readable once the toasts go).
    _poll(lambda: kept_row().startswith("mt.") and kept_row() == _selected(tmux), "the row on screen is kept", 30)
    row = kept_row()
    pid = tmux.wizard_pid()
    assert pid is not None, tmux.screen()
    os.kill(pid, signal.SIGKILL)
    tmux.wait_for("WIZARD-EXITED-137")

    tmux.kill_server()
    tmux = terminals.new()
    tmux.start(wizard_command("--resume", "latest"))
    shown = tmux.wait_for("The master target has no snapshots", timeout=120)
    assert "Master target" in shown.splitlines()[0], "back on the screen it was killed on"
    assert row in shown, f"on the row it was on ({row}):\n{shown}"
    # The simulated site started afresh: the fix is gone, and the wizard says so rather than leaving
    # the operator to wonder why a mended check fails again.
    shown = tmux.wait_for("Since the session was saved", timeout=60)
    assert "simulated site started" in " ".join(shown.split()), shown
    notes = [e["text"] for e in read(entry.path) if e["type"] == "note" and "answer differently" in e.get("text", "")]
    assert notes and "mt.disk-enableuuid pass -> fail" in notes[0], notes

    pid = tmux.wizard_pid()
    assert pid is not None, tmux.screen()
    tmux.kill_server()  # the terminal goes away: SIGHUP
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode == 0:
        time.sleep(0.2)
    gone = subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0
    if not gone:
        os.kill(pid, signal.SIGKILL)
    assert gone, "the wizard was still running 20 s after its terminal went away"
    [entry] = [e for e in entries(transcripts) if e.command == "demo"]
    events = list(read(entry.path))
    assert any(e["type"] == "note" and e.get("resumed") for e in events)
    assert any(e["type"] == "note" and "terminal closed" in e.get("text", "") for e in events)
    assert events[-1]["type"] == "session.end"
    assert events[-1]["exit_code"] == 129



# SGR parameters that set a colour: 16-colour (30-37, 40-47, 90-97, 100-107), 256 (38;5 / 48;5), RGB (38;2 / 48;2).
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _colours(captured: str) -> set[str]:
    found = set()
    for params in _SGR.findall(captured):
        parts = params.split(";")
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in ("38", "48") and i + 1 < len(parts):
                found.add(f"{p};{parts[i + 1]}")  # "38;5" 256 colours, "38;2" RGB
                i += 3 if parts[i + 1] == "5" else 5
                continue
            if p.isdigit() and (30 <= int(p) <= 37 or 40 <= int(p) <= 47 or 90 <= int(p) <= 97 or 100 <= int(p) <= 107):
                found.add("16")
            i += 1
    return found


@pytest.mark.parametrize("no_color", [False, True], ids=["basic", "basic-no-color"])
def test_basic_is_ascii_and_16_colours_and_no_color_has_none(terminals: Terminals, tmp_path: Path,
                                                             no_color: bool) -> None:
    config = tmp_path / "site.toml"  # nothing to contact: the screens, not the checks, are under test
    config.write_text('[site]\nmaster_target = "mt-win01"\nfailback_vms = ["app01"]\n', encoding="utf-8")
    tmux = terminals.new()
    extra = {"NO_COLOR": "1"} if no_color else {}
    tmux.start(wizard_command("--basic", "--no-mouse", "--lang", "en", "--config", str(config),
                              "--transcript-dir", str(tmp_path / "t"), **extra))
    tmux.wait_for("F9: continue to the components", timeout=60)
    seen = {"connect": tmux.screen(escapes=True)}
    tmux.keys("F9")
    tmux.wait_for("1 Configuration server")
    # The checks ran (and skipped: nothing is configured). Not the legend's "skip": that is there from the
    # start, beside "loading the checks..." while a loaded machine is still loading them.
    tmux.wait_for("F5 runs them again")
    seen["overview"] = tmux.screen(escapes=True)
    tmux.keys("3")
    tmux.wait_for("Master target")
    seen["component"] = tmux.screen(escapes=True)
    tmux.keys("q")
    tmux.wait_for("WIZARD-EXITED-0")
    for name, captured in seen.items():
        text = _SGR.sub("", captured)
        wide = sorted({c for c in text if ord(c) > 126})
        assert wide == [], f"{name}: --basic draws with ASCII only, found {wide}"
        colours = _colours(captured)
        if no_color:
            assert colours == set(), f"{name}: NO_COLOR, yet colours {colours}"
        else:
            assert colours == {"16"}, f"{name}: --basic uses the terminal's 16 colours, found {colours}"


# What an operator must be able to tell apart in every display mode: a failing check's mark and the
# warning of a destructive fix-it, never grey on grey (contrast 3:1 at least, as WCAG asks of large text
# and symbols), bold or reverse besides any colour; and, in --basic, what is typed into the name field.
MODES = {
    "colour": ({}, ()),
    "16-colours": ({"TERM": "xterm"}, ()),
    "basic": ({}, ("--basic",)),
    "no-color": ({"NO_COLOR": "1"}, ()),
    "basic-no-color": ({"NO_COLOR": "1"}, ("--basic",)),
}


def _legible(cells_: list[Cell], what: str, coloured: bool, red: bool = True) -> None:
    for cell in cells_:
        if cell.char == " ":
            continue
        assert cell.contrast() >= 3, f"{what}: {cell} is grey on grey (contrast {cell.contrast():.1f})"
        assert cell.bold or cell.reverse, f"{what}: {cell} is neither bold nor reverse"
        if coloured and red:
            r, g, b = cell.ink or (0, 0, 0)
            assert r > g + 60 and r > b + 60, f"{what}: {cell} is not drawn in red"
        if not coloured:
            assert not cell.coloured(), f"{what}: {cell} has a colour under NO_COLOR"


@pytest.mark.parametrize("mode", list(MODES))
def test_failures_and_the_destructive_warning_stand_out_in_every_display_mode(terminals: Terminals, mode: str) -> None:
    env, flags = MODES[mode]
    basic, coloured = "--basic" in flags, "NO_COLOR" not in env
    fail = "x" if basic else "✗"
    tmux = terminals.new()
    tmux.start(wizard_command("--no-mouse", "--lang", "en", "demo", *flags, **env))
    tmux.wait_for("F9: continue to the components", timeout=120)
    tmux.keys("F9")
    tmux.wait_for("1 Configuration server")
    tmux.keys("3")
    tmux.wait_for("F5 runs them again", timeout=60)  # the checks have run
    tmux.wait_for_words("fail mt.no-snapshots")  # and the cursor is on the first problem
    component = cells(tmux.screen(escapes=True))
    cursor_row = find(component, "The master target has no snapshots")
    other_row = find(component, "Storage DRS never moves")
    for label, row in (("the cursor's row", cursor_row), ("a failing row", other_row)):
        line = component[next(i for i, r in enumerate(component) if r and row[0] in r)]
        mark = line[line.index(row[0]) - 3]
        assert mark.char == fail, f"{label}: mark {mark}"
        _legible([mark], f"{label}'s mark", coloured, red=label != "the cursor's row")
    _legible(find(component, "fail  mt.no-snapshots")[:4], "the detail's status", coloured)

    tmux.keys("x")
    tmux.wait_for("This cannot be undone", timeout=60)
    tmux.keys("m", "t", "-", "w")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not re.search(r"mt-w(?!in01)", tmux.screen()):
        time.sleep(0.1)
    dialog = cells(tmux.screen(escapes=True))
    _legible(find(dialog, "This cannot be undone. Type mt-win01 to confirm."), "the destructive warning", coloured)
    typed = next((r for r in dialog if re.search(r"mt-w(?!in01)", "".join(c.char for c in r))), None)
    assert typed is not None, "what is typed is not shown:\n" + tmux.screen()
    line = "".join(c.char for c in typed)
    at = re.search(r"mt-w(?!in01)", line).start()
    assert all(c.contrast() >= 3 for c in typed[at:at + 4]), typed[at:at + 4]
    captures = {"component": component, "dialog": dialog}
    tmux.keys("Escape")
    tmux.wait_for("Storage DRS never moves")
    tmux.keys("q")
    tmux.wait_for("WIZARD-EXITED-")
    if basic:
        for name, rows in captures.items():
            wide = sorted({c.char for row in rows for c in row if ord(c.char) > 126})
            assert wide == [], f"{name}: --basic draws with ASCII only, found {wide}"


def test_the_operators_walk_takes_30_key_actions_at_most(terminals: Terminals, transcripts: Path) -> None:
    from tests.wizard.walk import TARGET, walk

    tmux = terminals.new()
    tmux.start(wizard_command("--no-mouse", "--lang", "en", "demo"))
    tmux.wait_for("F9: continue to the components", timeout=120)
    tmux.wait_for("✓ pass  Signed in")
    done = walk(tmux)
    assert len(done.actions) <= TARGET, done.actions
    [entry] = [e for e in entries(transcripts) if e.command == "demo"]
    events = list(read(entry.path))
    assert [e["fix"] for e in events if e["type"] == "fix.applied"] == ["mt.remove-snapshots", "mt.exclude-storage-drs"]
    assert [(e["step"], e["note"]) for e in events if e["type"] == "step.confirmed"] == [
        ("cs.same-ip", "same IP as before, checked in IPAM")]


def test_from_launch_to_reprotect_started_in_40_keystrokes_at_most(terminals: Terminals, transcripts: Path) -> None:
    """The Linux demo site is one fix-all away from ready: launch, continue, readiness, fix all (the
    destructive target's name typed once), reprotect (the VMs' names typed): every keystroke counted."""
    tmux = terminals.new()
    tmux.start(wizard_command("--no-mouse", "--lang", "en", "demo", "--scenario", "linux"))
    tmux.wait_for("F9: continue to the components", timeout=120)
    tmux.wait_for("✓ pass  Signed in")
    pressed: list[str] = []

    def press(*keys: str) -> None:
        pressed.extend(keys)
        tmux.keys(*keys)

    def type_(text: str) -> None:
        for char in text:
            press(char)

    press("F9")
    tmux.wait_for("1 Configuration server")
    tmux.wait_for_words("✗ fail", timeout=120)
    _poll(lambda: "…" not in tmux.screen() and "running" not in tmux.screen(), "every check answered", timeout=120)
    press("g")
    tmux.wait_for("Ready for reprotect?")
    tmux.wait_for_words("The master target has no snapshots")
    press("f")
    tmux.wait_for("Apply all", timeout=60)
    tmux.wait_for_words("type the name here")
    type_("mt-lnx01")
    press("Enter")
    tmux.wait_for_words("applied (task", timeout=90)  # the fix-all dialog is done
    tmux.wait_for_words("The checks it fixes are running again.", timeout=60)
    press("Escape")
    tmux.wait_for("f fix all", timeout=30)  # back on the readiness screen (its keys, not the dialog's)
    try:
        _poll(lambda: "✗" not in tmux.screen(), "the re-checks pass", timeout=60)
    except AssertionError:
        raise AssertionError(tmux.screen()) from None
    press("R")
    tmux.wait_for("Start reprotect", timeout=60)
    tmux.wait_for_words("type the name here", timeout=60)
    type_("web01 web02")
    press("Enter")
    assert len(pressed) <= 40, pressed

    def started() -> list[dict]:
        [entry] = [e for e in entries(transcripts) if e.command == "demo"]
        return [e for e in read(entry.path) if e["type"] == "operation.started"]

    _poll(lambda: len(started()) == 2, "both reprotects recorded as started", timeout=60)
    [entry] = [e for e in entries(transcripts) if e.command == "demo"]
    events = list(read(entry.path))
    assert [e["fix"] for e in events if e["type"] == "fix.applied"] == ["mt.remove-snapshots", "mt.set-disk-enableuuid"]
    started = [e for e in events if e["type"] == "operation.started"]
    assert [e["vm"] for e in started] == ["web01", "web02"] and all(e["job"] for e in started)
    assert all(e["request"]["body"]["properties"]["providerSpecificDetails"]["instanceType"] == "InMage"
               for e in started)
