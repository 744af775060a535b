"""When the terminal goes away, the wizard leaves even if Textual's own shutdown never finishes.

Seen once: after a hang-up, Textual's shutdown blocked writing to the gone terminal and the wizard
stayed running, holding the demo's simulators. Here a real wizard process gets a real SIGHUP with
its shutdown made to block, so only the hang-up watchdog can end it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from control.transcript import entries, read

SCRIPT = """
import asyncio, os, signal, sys
from textual.app import App
from tui import launch
from screens.base import WizardScreen

async def blocked_shutdown(self):
    await asyncio.Event().wait()  # as if the write to the terminal never returned

App._shutdown = blocked_shutdown
shown = WizardScreen.on_mount

def on_mount(self):
    shown(self)
    print("READY", flush=True)
    self.app.call_after_refresh(lambda: os.kill(os.getpid(), signal.SIGHUP))

WizardScreen.on_mount = on_mount
run = App.run
App.run = lambda self, **kw: run(self, headless=True)
sys.exit(launch.run_wizard(config=sys.argv[1], transcript_dir=sys.argv[2]))
"""


def test_hang_up_ends_the_wizard_even_when_its_shutdown_blocks(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[site]\nmaster_target = "mt-win01"\n', encoding="utf-8")
    env = {**os.environ, "FAILBACK_PREP_RECHECK_SECONDS": "0"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(config), str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert "READY" in done.stdout, done.stderr
    assert done.returncode == 129, done.stderr
    assert time.monotonic() - started < 30
    [entry] = entries(tmp_path)
    events = list(read(entry.path))
    assert any(e["type"] == "note" and "terminal closed" in e.get("text", "") for e in events)
    assert events[-1]["type"] == "session.end" and events[-1]["exit_code"] == 129
