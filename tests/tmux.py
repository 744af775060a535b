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

    def wait_for_words(self, text: str, timeout: float = 60) -> str:
        """Like wait_for, for words that may wrap inside a bordered panel: the screen is read as one
        line, borders and runs of spaces taken out."""
        import re

        wanted = " ".join(text.split())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if wanted in " ".join(re.sub(r"[│|]", " ", shown).split()):
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


# --- reading what the terminal draws: each cell's character, colours and attributes ------------------

# xterm's 16 colours, for telling how far apart a cell's ink and paper are.
_XTERM16 = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
            (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
            (255, 0, 255), (0, 255, 255), (255, 255, 255)]
DEFAULT_INK, DEFAULT_PAPER = _XTERM16[7], _XTERM16[0]  # a terminal's usual light-on-dark defaults


def _xterm256(n: int) -> tuple[int, int, int]:
    if n < 16:
        return _XTERM16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    grey = 8 + (n - 232) * 10
    return grey, grey, grey


class Cell:
    """One character cell as drawn: ink and paper (None: the terminal's default) and attributes."""

    def __init__(self, char: str, ink: tuple[int, int, int] | None, paper: tuple[int, int, int] | None,
                 bold: bool, dim: bool, reverse: bool, underline: bool) -> None:
        self.char, self.ink, self.paper = char, ink, paper
        self.bold, self.dim, self.reverse, self.underline = bold, dim, reverse, underline

    def coloured(self) -> bool:
        return self.ink is not None or self.paper is not None

    def contrast(self) -> float:
        """The WCAG contrast ratio of ink on paper as drawn (reverse swaps them; dim halves the ink)."""
        ink, paper = self.ink or DEFAULT_INK, self.paper or DEFAULT_PAPER
        if self.reverse:
            ink, paper = paper, ink
        if self.dim:
            ink = tuple((a + b) // 2 for a, b in zip(ink, paper))

        def luminance(rgb: tuple[int, ...]) -> float:
            def channel(c: int) -> float:
                v = c / 255
                return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
            r, g, b = (channel(c) for c in rgb)
            return 0.2126 * r + 0.7152 * g + 0.0722 * b

        hi, lo = sorted((luminance(ink), luminance(paper)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    def __repr__(self) -> str:
        attrs = "".join(a for a, on in (("B", self.bold), ("D", self.dim), ("R", self.reverse), ("U", self.underline)) if on)
        return f"Cell({self.char!r} ink={self.ink} paper={self.paper} {attrs})"


def cells(captured: str) -> list[list[Cell]]:
    """The screen captured with escapes (`Tmux.screen(escapes=True)`), as rows of cells."""
    import re

    rows = []
    for line in captured.split("\n"):
        row: list[Cell] = []
        ink = paper = None
        bold = dim = reverse = underline = False
        for piece in re.split(r"(\x1b\[[0-9;:]*m)", line):
            if not piece.startswith("\x1b["):
                row.extend(Cell(c, ink, paper, bold, dim, reverse, underline) for c in piece)
                continue
            codes = [int(c) if c.isdigit() else 0 for c in piece[2:-1].replace(":", ";").split(";")] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    ink = paper = None
                    bold = dim = reverse = underline = False
                elif c == 1:
                    bold = True
                elif c == 2:
                    dim = True
                elif c == 22:
                    bold = dim = False
                elif c == 4:
                    underline = True
                elif c == 24:
                    underline = False
                elif c == 7:
                    reverse = True
                elif c == 27:
                    reverse = False
                elif 30 <= c <= 37 or 90 <= c <= 97:
                    ink = _XTERM16[c - 30 if c < 90 else c - 82]
                elif 40 <= c <= 47 or 100 <= c <= 107:
                    paper = _XTERM16[c - 40 if c < 100 else c - 92]
                elif c == 39:
                    ink = None
                elif c == 49:
                    paper = None
                elif c in (38, 48) and i + 1 < len(codes):
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        rgb, i = _xterm256(codes[i + 2]), i + 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        rgb, i = (codes[i + 2], codes[i + 3], codes[i + 4]), i + 4
                    else:
                        rgb = None
                    if c == 38:
                        ink = rgb
                    else:
                        paper = rgb
                i += 1
        rows.append(row)
    return rows


def find(rows: list[list[Cell]], text: str) -> list[Cell]:
    """The cells of the first place `text` is drawn."""
    for row in rows:
        line = "".join(c.char for c in row)
        at = line.find(text)
        if at >= 0:
            return row[at:at + len(text)]
    raise AssertionError(f"{text!r} not drawn:\n" + "\n".join("".join(c.char for c in r) for r in rows))
