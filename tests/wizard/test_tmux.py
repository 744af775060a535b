"""The real command in a real terminal (tmux, 80x24): demo, navigate, kill -9, resume; hang-up ends cleanly."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.transcript import entries, read

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.name = "wizard"

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command)

    def screen(self, escapes: bool = False) -> str:
        """The pane's text; with escapes, the colours and attributes too (as SGR sequences)."""
        return self.run("capture-pane", "-p", *(("-e",) if escapes else ()), "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.screen()}")

    def wizard_pid(self) -> int:
        pane = int(self.run("list-panes", "-t", self.name, "-F", "#{pane_pid}").strip())
        children = subprocess.run(["pgrep", "-P", str(pane)], capture_output=True, text=True).stdout.split()
        return int(children[0]) if children else pane

    def kill_server(self) -> None:
        self.run("kill-server")


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Tmux]]:
    """Fresh tmux servers on their own sockets: a new server never races an old one shutting down."""
    made: list[Tmux] = []
    try:
        yield made
    finally:
        for terminal in made:
            terminal.kill_server()


def new_terminal(terminals: list[Tmux], folder: Path) -> Tmux:
    terminal = Tmux(folder / f"tmux-{uuid.uuid4().hex[:6]}.sock")
    terminals.append(terminal)
    return terminal


def wizard_command(*args: str, **extra_env: str) -> str:
    env = {name: os.environ[name] for name in os.environ if name.startswith(("FAILBACK_PREP_", "XDG_", "PYTHON"))}
    # PYTHONPATH is inherited: the repository and the loopback-only guard (tests/netguard) are on it.
    env.update(HOME=os.environ["HOME"], TERM="xterm-256color", LANG="C.UTF-8",
               PATH=os.environ.get("PATH", ""), FAILBACK_PREP_RECHECK_SECONDS="0", **extra_env)
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # The shell stays after the wizard so its exit can be seen, and the pane stays to be read.
    return f"env {assignments} {shlex.quote(sys.executable)} -m tui {' '.join(args)}; echo WIZARD-EXITED-$?; sleep 60"


def test_demo_in_tmux_survives_kill_9_and_resumes(terminals: list[Tmux], transcripts: Path, tmp_path: Path) -> None:
    tmux = new_terminal(terminals, tmp_path)
    tmux.start(wizard_command("--no-mouse", "demo"))
    tmux.wait_for("F9: continue to the components", timeout=120)
    tmux.wait_for("✓ pass  Signed in")
    tmux.keys("F9")
    tmux.wait_for("1 Configuration server")
    tmux.wait_for("✗ fail")
    tmux.keys("3")
    shown = tmux.wait_for("The master target has no snapshots")
    assert "Master target" in shown.splitlines()[0]
    tmux.keys("Down", "m")  # m on a check that is not a step: nothing opens
    os.kill(tmux.wizard_pid(), signal.SIGKILL)
    tmux.wait_for("WIZARD-EXITED-137")

    tmux.kill_server()
    tmux = new_terminal(terminals, tmp_path)
    tmux.start(wizard_command("--resume", "latest"))
    shown = tmux.wait_for("The master target has no snapshots", timeout=120)
    assert "Master target" in shown.splitlines()[0], "back on the screen it was killed on"
    assert "✗" in shown, "with the results it had"

    pid = tmux.wizard_pid()
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
def test_basic_is_ascii_and_16_colours_and_no_color_has_none(terminals: list[Tmux], tmp_path: Path,
                                                             no_color: bool) -> None:
    config = tmp_path / "site.toml"  # nothing to contact: the screens, not the checks, are under test
    config.write_text('[site]\nmaster_target = "mt-win01"\nfailback_vms = ["app01"]\n', encoding="utf-8")
    tmux = new_terminal(terminals, tmp_path)
    extra = {"NO_COLOR": "1"} if no_color else {}
    tmux.start(wizard_command("--basic", "--no-mouse", "--lang", "en", "--config", str(config),
                              "--transcript-dir", str(tmp_path / "t"), **extra))
    tmux.wait_for("F9: continue to the components", timeout=60)
    seen = {"connect": tmux.screen(escapes=True)}
    tmux.keys("F9")
    tmux.wait_for("1 Configuration server")
    tmux.wait_for("skip")  # the checks ran (and skipped: nothing is configured)
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
