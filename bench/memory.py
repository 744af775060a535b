"""Peak memory (RSS) of a wizard session against a vCenter with 5,000 VMs.

    PYTHONPATH=. python bench/memory.py [--vms 5000] [--mode wizard|headless] [--target-mb 200]

The vCenter simulator runs the `scale` scenario; the product runs as an operator runs
it, in its own process: the wizard in a pseudo-terminal (continue past the connect
screen, wait until every check has a result in the transcript, quit with q), or the
headless `check`. Its peak RSS is read from /proc/<pid>/status (VmHWM) while it runs,
and from getrusage(RUSAGE_CHILDREN) after it ends when /proc is not there.
Prints the peak, the target, and their ratio; exits 1 when the peak is over the target.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import catalog  # noqa: E402
from checks.model import SiteSettings  # noqa: E402
from simulators.settings import simulated_settings, write_config  # noqa: E402
from simulators.vcenter import VCenterSimulator  # noqa: E402


def _config(folder: Path, vc: VCenterSimulator) -> Path:
    """[vcenter] and [site] only: the network probes at the product's defaults."""
    site = SiteSettings(master_target="mt-win01", failback_vms=("app01", "db01"), configuration_server_vm="cs01")
    settings = simulated_settings(vc, site=site, ps_address="", cs_address="", timeout_s=None)
    return write_config(folder / "site.toml", settings)


def _env(folder: Path, vc: VCenterSimulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAILBACK_PREP_")}
    env.update(
        PYTHONPATH=str(ROOT),
        HOME=str(folder),
        XDG_STATE_HOME=str(folder / "state"),
        FAILBACK_PREP_TRANSCRIPT_DIR=str(folder / "transcripts"),
        FAILBACK_PREP_LOG=str(folder / "failback-prep.log"),
        FAILBACK_PREP_VCENTER_PASSWORD=vc.password,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        TERM="xterm-256color",
        COLUMNS="80",
        LINES="24",
        LANG="C.UTF-8",
    )
    return env


def _hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _results(folder: Path) -> int:
    count = 0
    for path in (folder / "transcripts").glob("*.jsonl"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                count += json.loads(line).get("type") == "check.result"
            except ValueError:
                pass
    return count


def run_headless(folder: Path, config: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tui", "check", "--config", str(config), "--format", "json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _hwm_kb(proc.pid) or 0)
        time.sleep(0.05)
    out, _ = proc.communicate()
    report = json.loads(out)
    return peak, f"{len(report['checks'])} checks, summary {report['summary']}"


def run_wizard(folder: Path, config: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    wanted = len(catalog.all_checks())
    pid, fd = pty.fork()
    if pid == 0:  # the child: the wizard, in a terminal of its own
        os.execvpe(sys.executable, [sys.executable, "-m", "tui", "--config", str(config)], env)
    peak = 0
    started = time.monotonic()
    last_count, last_change, pressed, presses = -1, started, 0.0, 0
    try:
        while time.monotonic() - started < timeout:
            readable, _, _ = select.select([fd], [], [], 0.1)
            if readable:
                try:
                    os.read(fd, 65536)  # keep the terminal drained so the wizard never blocks on output
                except OSError:
                    break
            peak = max(peak, _hwm_kb(pid) or 0)
            count = _results(folder)
            now = time.monotonic()
            if count != last_count:
                last_count, last_change = count, now
            if count >= wanted or (count and now - last_change > 10):
                break
            # Continue past the connect screen once its checks are in: the overview runs all the others.
            if presses < 5 and now - last_change > 1.5 and now - pressed > 1.5:
                os.write(fd, b"\r")
                pressed, presses = now, presses + 1
        peak = max(peak, _hwm_kb(pid) or 0)
        os.write(fd, b"q")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
        else:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak or children, f"{last_count} check results of {wanted} in the transcript"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=5000)
    parser.add_argument("--mode", choices=("wizard", "headless"), default="wizard")
    parser.add_argument("--target-mb", type=float, default=200.0)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fp-memory-") as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        with VCenterSimulator(scenario="scale", vms=args.vms) as vc:
            print(f"vCenter simulator: scale scenario, {args.vms} extra VMs, ready in {time.monotonic() - started:.1f} s")
            config = _config(folder, vc)
            env = _env(folder, vc)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            if args.mode == "wizard":
                peak_kb, what = run_wizard(folder, config, env, args.timeout)
            else:
                peak_kb, what = run_headless(folder, config, env)
        if peak_kb <= before:
            print("warning: the product's peak could not be told apart from other child processes")
    peak_mb = peak_kb / 1024
    ratio = peak_mb / args.target_mb
    print(f"{args.mode}: {what}")
    print(f"peak RSS {peak_mb:.1f} MB; target {args.target_mb:.0f} MB; ratio {ratio:.2f}")
    return 0 if ratio <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
