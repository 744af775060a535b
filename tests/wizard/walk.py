"""The operator's walk through the demo, as issue 14 measured it: every component, run all, read a
failure, two fix-its (one destructive), confirm a manual step with a note, the port map, readiness,
quit. The tmux test walks it and holds the count to 30 key actions at most; `bench/walk.py` prints it.

A key action is one key pressed, or one word typed into a field (the name a destructive fix-it asks
for, a note). Each step waits for what the operator would look for before the next key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.tmux import Tmux

TARGET = 30  # key actions at most; the walk took 48 before the 3 a.m. pass


@dataclass
class Walk:
    tmux: Tmux
    actions: list[str] = field(default_factory=list)

    def press(self, *keys: str, then: str | None = None, timeout: float = 60) -> str:
        for key in keys:
            self.tmux.keys(key)
            self.actions.append(key)
        return self.tmux.wait_for(then, timeout=timeout) if then else self.tmux.screen()

    def type(self, text: str, then: str | None = None) -> str:
        self.tmux.run("send-keys", "-t", self.tmux.name, "-l", text)
        self.actions.append(repr(text))
        return self.tmux.wait_for(then) if then else self.tmux.screen()


def walk(tmux: Tmux) -> Walk:
    """The walk, on a demo already showing its connect screen with both sign-ins passed."""
    w = Walk(tmux)
    w.press("F9", then="1 Configuration server")
    tmux.wait_for("F5 runs them again", timeout=120)  # the first run is over

    # Configuration server: the cursor is on the step to confirm; confirm it with a note.
    w.press("1", then="A restored configuration server kept its IP")
    w.press("m", then="Confirm")
    w.type("same IP as before, checked in IPAM")
    w.press("Enter", then="Confirmed: same IP")
    w.press("Escape", then="1 Configuration server")

    w.press("2", then="— Process server in Azure")
    w.press("Escape", then="1 Configuration server")

    # Master target: the cursor is on the first failure, its finding and remedy in the pane below.
    w.press("3", then="— Master target")
    screen = tmux.wait_for_words("fail mt.no-snapshots")
    assert "What to do:" in screen, screen
    w.press("x", then="This cannot be undone")
    w.type("mt-win01")
    w.press("Enter", then="Done (task")
    tmux.wait_for("Esc back")  # the dialog has closed: the screen's own keys are back
    tmux.wait_for_words("fail mt.storage-vmotion")  # re-checked, the row moves down: the cursor is on the next problem
    w.press("x", then="Exactly this will change")
    w.press("Enter", then="Done (task")
    tmux.wait_for("Esc back")
    w.press("Escape", then="1 Configuration server")

    for number, name in (("4", "Failback policy"), ("5", "VPN / ExpressRoute")):
        w.press(number, then=f"— {name}")
        w.press("Escape", then="1 Configuration server")

    w.press("F5")  # the run may be over before a screen capture could see it running
    tmux.wait_for("F5 runs them again", timeout=120)
    w.press("p", then="— Port map")
    w.press("Escape", then="1 Configuration server")
    w.press("g", then="— Ready for reprotect")
    w.press("q", then="WIZARD-EXITED-")
    return w
