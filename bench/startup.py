"""Time to the first screen: `failback-prep` against a bare Textual app, measured in the same run.

Each run is a fresh process (cold imports, as an operator sees it). A process reports the
moment its first screen is ready, measured from the interpreter's start. Targets: within
1.3x of the bare app, and under 0.6 s.

    python bench/startup.py [--runs 21] [--instructions]

How it is measured, and why:
- The wizard runs from a copy of its packages with their bytecode compiled, as an installed
  tool has it (pip, pipx and `uv tool install --compile-bytecode` compile at install; Textual
  in the venv is compiled the same way). Run from the source tree, it would pay for compiling
  its own modules on every start wherever PYTHONDONTWRITEBYTECODE is set.
- The two apps run in pairs, back to back, the first of each pair alternating. On a shared or
  virtual machine one run can take half again as long as the next; a pair shares the moment,
  so the ratio of a pair cancels most of it. The target is judged on the median of the pairs'
  ratios. The ratio of the medians and of the minimums (the least disturbed runs) are printed
  beside it.
- --instructions also counts the CPU instructions each app's main thread executes up to its
  first screen (valgrind's callgrind, one run each, hash seed fixed). The count does not
  depend on what else the machine is doing, so it shows a change of a few percent that timing
  cannot. It leaves out the wizard's worker threads, which timing includes.

Not a test: timings depend on the machine. The wizard starts against a small configuration
with no [vcenter] and no [azure] table, so nothing is contacted; the check catalog loads in a
worker after the first screen, which is the point being measured.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the wheel ships (simulators aside: the wizard never loads them), as pyproject.toml lists it.
PACKAGES = tuple(name for name in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] if name != "simulators")

# "The first screen" is Textual's own Ready event ("the DOM is ready and the first frame has
# been displayed"), the same in both apps. Each prints READY then, and leaves: at once when
# counting instructions, else through an orderly exit. The parent times from starting the
# process to reading that line, so interpreter start-up counts too.
BARE = """
import os
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

    def on_ready(self):
        print("READY", flush=True)
        if os.environ.get("BENCH_EXIT_AT_READY"):
            os._exit(0)
        self.exit()

Bare().run(headless=True)
"""

# The wizard through its command, `failback-prep --config FILE --transcript-dir DIR`, but
# headless and leaving at its first frame (its own on_ready would go on to load the checks).
WIZARD = """
import os
import sys
from tui import app as wizard
from tui import cli

def ready(self):
    print("READY", flush=True)
    if os.environ.get("BENCH_EXIT_AT_READY"):
        os._exit(0)
    self.exit()

App = wizard.WizardApp
App.on_ready = ready
run = App.run
App.run = lambda self, **kw: run(self, headless=True)
sys.exit(cli.main(["--config", sys.argv[1], "--transcript-dir", sys.argv[2]]))
"""


def installed_copy(into: Path) -> Path:
    """The packages as a wheel install lays them out: plain files with compiled bytecode."""
    site = into / "site"
    for name in PACKAGES:
        shutil.copytree(ROOT / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(str(site), quiet=1):
        raise RuntimeError("could not compile the packages")
    return site


def _env(path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(path), "FAILBACK_PREP_RECHECK_SECONDS": "0", **extra}


def _command(code: str, args: tuple[str, ...]) -> list[str]:
    # -P: `python -c` would otherwise put the working directory first on sys.path, and run from
    # the repository the wizard would import its uncompiled sources instead of the copy.
    return [sys.executable, "-P", "-c", code, *args]


def one(code: str, *args: str, path: Path = ROOT) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(_command(code, args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(path))
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - started
            proc.communicate(timeout=60)
            return elapsed
    _, err = proc.communicate(timeout=60)
    raise RuntimeError(f"no READY line (exit {proc.returncode}): {err[-2000:]}")


def instructions(code: str, *args: str, path: Path = ROOT) -> int:
    """CPU instructions of the main thread, from the interpreter's start to the first screen.

    Counted by callgrind, per thread: a worker the app starts (the wizard loads its checks in
    one) runs in valgrind whenever the main thread waits, so a whole-process count would vary
    with valgrind's scheduling rather than with the code.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}",
             *_command(code, args)],
            capture_output=True, text=True, timeout=600,
            env=_env(path, BENCH_EXIT_AT_READY="1", PYTHONHASHSEED="0"))
        main_thread = Path(f"{out}-01")
        totals = re.findall(r"^totals: (\d+)", main_thread.read_text(), re.M) if main_thread.exists() else []
    if "READY" not in done.stdout or not totals:
        raise RuntimeError(f"callgrind run failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return int(totals[0])


def _times(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="pairs of runs (default 21)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions to the first screen (needs valgrind)")
    args = parser.parse_args()
    if args.instructions and not shutil.which("valgrind"):
        print("--instructions needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        site = installed_copy(Path(tmp))
        config = Path(tmp) / "bench.toml"
        config.write_text('[site]\nmaster_target = "mt-win01"\nfailback_vms = ["app01"]\n', encoding="utf-8")
        wizard_args = (str(config), str(Path(tmp) / "transcripts"))

        def bare_run() -> float:
            return one(BARE)

        def wizard_run() -> float:
            return one(WIZARD, *wizard_args, path=site)

        bare_run(), wizard_run()  # warm the file cache for both
        bare, wizard = [], []
        for n in range(args.runs):
            if n % 2:
                wizard.append(wizard_run())
                bare.append(bare_run())
            else:
                bare.append(bare_run())
                wizard.append(wizard_run())
        counted = (instructions(BARE), instructions(WIZARD, *wizard_args, path=site)) if args.instructions else None

    b, w = statistics.median(bare), statistics.median(wizard)
    paired = statistics.median(x / y for x, y in zip(wizard, bare, strict=True))
    print(f"bare Textual app   median {b:.3f} s  min {min(bare):.3f} s  ({_times(bare)})")
    print(f"failback-prep      median {w:.3f} s  min {min(wizard):.3f} s  ({_times(wizard)})")
    print(f"ratio {paired:.2f}x (median of {args.runs} pairs); of medians {w / b:.2f}x; "
          f"of minimums {min(wizard) / min(bare):.2f}x")
    if counted is not None:
        ib, iw = counted
        print(f"instructions to the first screen: bare {ib / 1e6:.0f}M, failback-prep {iw / 1e6:.0f}M, "
              f"ratio {iw / ib:.2f}x")
    met = paired <= 1.3 and w < 0.6
    print(f"target (<= 1.3x and < 0.6 s): {'met' if met else 'NOT met'} ({paired:.2f}x, {w:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
