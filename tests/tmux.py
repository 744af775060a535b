"""The real wizard in a real terminal: tmux servers (80x24) and the command line that starts the wizard in one."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType


class Tmux:
    """One tmux server on its own socket, with one session of 80x24."""

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

    def wait_for(self, text: str, timeout: float = 60, first_line: bool = False) -> str:
        """The screen once `text` is on it (with first_line, on its first line); fails after `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            where = shown.splitlines()[0] if first_line and shown.strip() else shown
            if text in where:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.screen()}")

    def wizard_pid(self) -> int | None:
        """The wizard's pid: the pane's shell runs it as its child; None when there is no pane or no child."""
        pane = self.run("list-panes", "-t", self.name, "-F", "#{pane_pid}").strip()
        if not pane:
            return None
        children = subprocess.run(["pgrep", "-P", pane], capture_output=True, text=True).stdout.split()
        return int(children[0]) if children else None

    def kill_server(self) -> None:
        self.run("kill-server")


class Terminals:
    """Fresh tmux servers on their own sockets, all killed on leaving: a new server never races an old one
    shutting down."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[Tmux] = []

    def new(self) -> Tmux:
        terminal = Tmux(self.folder / f"tmux-{uuid.uuid4().hex[:6]}.sock")
        self.made.append(terminal)
        return terminal

    def __enter__(self) -> Terminals:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for terminal in self.made:
            terminal.kill_server()


def wizard_command(*args: str, **extra_env: str) -> str:
    """A shell command that runs the wizard with `args` under the test's environment plus `extra_env`."""
    env = {name: os.environ[name] for name in os.environ if name.startswith(("FAILBACK_PREP_", "XDG_", "PYTHON"))}
    # PYTHONPATH is inherited: the repository and the loopback-only guard (tests/netguard) are on it.
    env.update(HOME=os.environ["HOME"], TERM="xterm-256color", LANG="C.UTF-8", PATH=os.environ.get("PATH", ""),
               FAILBACK_PREP_RECHECK_SECONDS="0")
    env.update(extra_env)
    assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # The shell stays after the wizard so its exit can be seen, and the pane stays to be read.
    return f"env {assignments} {shlex.quote(sys.executable)} -m tui {' '.join(args)}; echo WIZARD-EXITED-$?; sleep 60"
