"""Time to the first screen: `failback-prep` against a bare Textual app, measured in the same run.

Each run is a fresh process (cold imports, as an operator sees it). A process reports the
moment its first screen is ready, measured from the interpreter's start; the median over
several runs is printed with the ratio. Targets: within 1.3x of the bare app, under 0.6 s.

The wizard runs from a copy of its packages with their bytecode compiled, as an installed tool
has it (pip, pipx and `uv tool install --compile-bytecode` compile at install; Textual in the
venv is compiled the same way). Run from the source tree, it would pay for compiling its own
modules on every start wherever PYTHONDONTWRITEBYTECODE is set, which no installed copy does.
The runs of the two apps are interleaved so that a busy moment of the machine hits both; the
minimum of each is printed too, as the least disturbed run.

    python bench/startup.py [--runs 7]

Not a test: timings depend on the machine. The wizard starts against a small configuration
with no [vcenter] and no [azure] table, so nothing is contacted; the check catalog loads in a
worker after the first screen, which is the point being measured.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Both print READY once their first screen has been drawn, then leave at once. The parent
# times from starting the process to reading that line: interpreter start-up counts too.
BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(self.report)

    def report(self):
        print("READY", flush=True)
        self.exit()

Bare().run(headless=True)
"""

WIZARD = """
import sys
from tui import app as wizard
from screens.base import WizardScreen

original = WizardScreen.on_mount

def report(self):
    original(self)
    self.app.call_after_refresh(lambda: (print("READY", flush=True), self.app.exit()))

WizardScreen.on_mount = report
App = wizard.WizardApp
run = App.run
App.run = lambda self, **kw: run(self, headless=True)
sys.exit(wizard.run_wizard(config=sys.argv[1], transcript_dir=sys.argv[2]))
"""


PACKAGES = ("tui", "screens", "checks", "assets")


def installed_copy(into: Path) -> Path:
    """The packages as a wheel install lays them out: plain files with compiled bytecode."""
    site = into / "site"
    for name in PACKAGES:
        shutil.copytree(ROOT / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(str(site), quiet=1):
        raise RuntimeError("could not compile the packages")
    return site


def one(code: str, *args: str, path: Path = ROOT) -> float:
    env = {**os.environ, "PYTHONPATH": str(path), "FAILBACK_PREP_RECHECK_SECONDS": "0"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - started
            proc.communicate(timeout=60)
            return elapsed
    _, err = proc.communicate(timeout=60)
    raise RuntimeError(f"no READY line (exit {proc.returncode}): {err[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = installed_copy(Path(tmp))
        config = Path(tmp) / "bench.toml"
        config.write_text('[site]\nmaster_target = "mt-win01"\nfailback_vms = ["app01"]\n', encoding="utf-8")
        transcripts = Path(tmp) / "transcripts"
        bare, wizard = [], []
        one(BARE)  # warm the file cache for both
        one(WIZARD, str(config), str(transcripts), path=site)
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            bare.append(one(BARE))
            wizard.append(one(WIZARD, str(config), str(transcripts), path=site))
    b, w = statistics.median(bare), statistics.median(wizard)
    print(f"bare Textual app   median {b:.3f} s  min {min(bare):.3f} s  ({', '.join(f'{x:.3f}' for x in bare)})")
    print(f"failback-prep      median {w:.3f} s  min {min(wizard):.3f} s  ({', '.join(f'{x:.3f}' for x in wizard)})")
    ratio = w / b
    print(f"ratio {ratio:.2f}x of medians, {min(wizard) / min(bare):.2f}x of minimums (target <= 1.30x); "
          f"wizard {'under' if w < 0.6 else 'OVER'} 0.6 s")
    print(f"target (<= 1.3x and < 0.6 s): {'met' if ratio <= 1.3 and w < 0.6 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
