"""A whole site behind fault proxies: vCenter (vcsim) and the vault emulator, the real CLI in front.

`site` starts the vault emulator and one FaultProxy in front of each simulator, and
writes a configuration that names only the proxies (127.0.0.1, so TLS hostname checks
and the vCenter thumbprint pin work exactly as they do without the proxy).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from checks import catalog
from simulators.azure import AzureEmulator
from simulators.faultproxy import FaultProxy
from simulators.settings import simulated_settings, write_config
from simulators.vcenter import VCenterSimulator
from tests.conftest import start_vcsim

ROOT = Path(__file__).resolve().parents[2]
ALL_CHECK_IDS = [c.id for c in catalog.all_checks()]
FIX_ARGS: dict[str, tuple[str, ...]] = {
    "mt.set-disk-enableuuid": (),
    "mt.remove-snapshots": (),
    "mt.add-retention-disk": ("--param", "size_gb=1"),
    "mt.exclude-storage-drs": (),
    "cs.refresh": (),
}
# Azure read timeout for these tests: a stalled endpoint costs 2 s, not 20.
AZURE_TIMEOUT_S = "2"


@pytest.fixture(scope="session")
def shared_vcsim() -> Iterator[VCenterSimulator]:
    """A simulator that no test changes (checks only, dry runs)."""
    sim = start_vcsim()
    yield sim
    sim.stop()


@dataclass
class Site:
    vc: VCenterSimulator
    emu: AzureEmulator
    vc_proxy: FaultProxy
    az_proxy: FaultProxy
    home: Path
    config: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def transcripts(self) -> Path:
        return Path(os.environ["FAILBACK_PREP_TRANSCRIPT_DIR"])

    def write_config(self, **site: Any) -> Path:
        """The configuration naming only the proxies; `site`: raw [site] values (bad input too)."""
        settings = simulated_settings(self.vc, self.emu, vcenter_port=self.vc_proxy.port, cs_address="",
                                      https_port=self.az_proxy.port, data_port=self.az_proxy.port, timeout_s=1.0)
        return write_config(self.config, settings, **site)

    @property
    def azure_url(self) -> str:
        return f"https://127.0.0.1:{self.az_proxy.port}"

    def normal(self) -> None:
        self.vc_proxy.normal()
        self.az_proxy.normal()

    def cli_env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, **self.env, **extra}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    def run(self, *args: str, timeout: float = 120, input: str | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args], env=self.cli_env(**extra), capture_output=True, text=True,
            timeout=timeout, input=input, stdin=None if input is not None else subprocess.DEVNULL,
        )

    def spawn(self, *args: str, **extra: str) -> Spawned:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], env=self.cli_env(**extra), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        return Spawned(proc)


class Spawned:
    """A running CLI whose stdout and stderr lines can be waited for as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.out: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._pump, args=(proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._pump, args=(proc.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _pump(self, stream: Any, into: list[str]) -> None:
        for line in stream:
            with self._cond:
                into.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_line(self, needle: str, stream: str = "out", timeout: float = 60) -> bool:
        lines = self.out if stream == "out" else self.err
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(needle in line for line in lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and all(not t.is_alive() for t in self._threads)):
                    return any(needle in line for line in lines)
                self._cond.wait(min(left, 0.05))
            return True

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=10)
        return code, "".join(self.out), "".join(self.err)


def make_site(vc: VCenterSimulator, home: Path, scenario: str = "healthy-classic", client_secret: str | None = None,
              **site: Any) -> Iterator[Site]:
    with AzureEmulator(scenario, device_poll_interval=0, client_secret=client_secret) as emu, \
            FaultProxy("127.0.0.1", int(vc.port or 0)) as vc_proxy, FaultProxy("127.0.0.1", emu.port) as az_proxy:
        # Every URL the emulator hands out (OIDC endpoints, nextLink, Location) leads back through the proxy.
        emu.base_url = emu.authority = f"https://127.0.0.1:{az_proxy.port}"
        s = Site(vc, emu, vc_proxy, az_proxy, home, home / "site.toml")
        s.env = {
            "FAILBACK_PREP_VCENTER_PASSWORD": vc.password,
            "FAILBACK_PREP_AZURE_CLIENT_SECRET": emu.client_secret,
            "FAILBACK_PREP_AZURE_TIMEOUT_S": AZURE_TIMEOUT_S,
            "FAILBACK_PREP_LANG": "en",
        }
        s.write_config(**site)
        yield s


@pytest.fixture
def site(shared_vcsim: VCenterSimulator, hermetic: Path) -> Iterator[Site]:
    """The whole site behind proxies, on the shared (unchanged) vCenter simulator."""
    yield from make_site(shared_vcsim, hermetic)


@pytest.fixture
def own_site(hermetic: Path) -> Iterator[Site]:
    """The whole site behind proxies, on a vCenter simulator of its own (for fix-its that change it)."""
    vc = start_vcsim()
    try:
        yield from make_site(vc, hermetic)
    finally:
        vc.stop()


def report_of(stdout: str) -> dict[str, Any]:
    data = json.loads(stdout)
    assert data["schema"] == "failback-prep/report/v1"
    return data


def assert_complete_report(done_code: int, stdout: str, stderr: str, ids: Sequence[str] = ALL_CHECK_IDS) -> dict[str, Any]:
    """Every check has a result; errors say why; the exit code follows the contract; no traceback."""
    assert "Traceback" not in stderr, stderr
    data = report_of(stdout)
    by_id = {c["id"]: c for c in data["checks"]}
    assert sorted(by_id) == sorted(ids)
    for entry in data["checks"]:
        assert entry["status"] in ("pass", "fail", "warn", "error", "skip", "manual"), entry
        assert entry["summary"].strip(), entry
        if entry["status"] == "error":
            assert len(entry["summary"]) > 20, entry  # a reason, not just a word
    statuses = {c["status"] for c in data["checks"]}
    expected = 1 if "fail" in statuses else 3 if "error" in statuses else 0
    assert done_code == expected, (done_code, data["summary"], stderr)
    return data
