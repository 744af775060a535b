"""Launcher of ``failback-vcsim``, a vCenter simulator built from govmomi's vcsim.

The Go sources live next to this module (``vcsim/``) and are compiled on first
use in GOPATH mode against the Debian govmomi source package; the binary is
cached under a key of the sources and the Go version.

    with VCenterSimulator() as vc:
        si = SmartConnect(host=vc.host, port=vc.port, user=vc.username,
                          pwd=vc.password, serverPemCert=vc.server_pem)
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import secrets
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
import weakref
from pathlib import Path

GOPATH_SYSTEM = Path("/usr/share/gocode")
GOVMOMI_SIMULATOR = GOPATH_SYSTEM / "src/github.com/vmware/govmomi/simulator"
BINARY_NAME = "failback-vcsim"
SCENARIOS = ("failback-site", "scale")
DEFAULT_USERNAME = "administrator@vsphere.local"


class SimulatorUnavailable(RuntimeError):
    """The simulator cannot be built here (no Go toolchain or no govmomi source)."""


class SimulatorError(RuntimeError):
    """The simulator was built but failed to start or to answer."""


def _sources_dir() -> Path:
    """The Go sources, shipped in the wheel beside this module."""
    return Path(__file__).parent / "vcsim"


def _go() -> str:
    go = shutil.which("go") or next(
        (p for p in ("/usr/lib/go/bin/go", "/usr/local/go/bin/go") if os.access(p, os.X_OK)), None
    )
    if go is None:
        raise SimulatorUnavailable(
            "the vCenter simulator needs the Go toolchain: install the Debian package golang-go "
            "(and golang-github-vmware-govmomi-dev for the govmomi sources)"
        )
    if not GOVMOMI_SIMULATOR.is_dir():
        raise SimulatorUnavailable(
            f"the vCenter simulator needs the govmomi sources at {GOVMOMI_SIMULATOR}: "
            "install the Debian package golang-github-vmware-govmomi-dev (and golang-go)"
        )
    return go


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("failback-prep")) / "vcsim"


def _build_key(go: str, sources: list[Path]) -> str:
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True).stdout.strip()
    digest = hashlib.sha256(version.encode())
    digest.update(str(GOVMOMI_SIMULATOR.resolve()).encode())
    for src in sources:
        digest.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(cache_dir: Path | None = None) -> Path:
    """Compile the simulator (or reuse the cached binary) and return its path."""
    go = _go()
    src_dir = _sources_dir()
    sources = sorted(p for p in src_dir.glob("*.go") if not p.name.endswith("_test.go"))
    if not sources:
        raise SimulatorUnavailable(f"no Go sources of the simulator in {src_dir}")
    cache = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    binary = cache / f"{BINARY_NAME}-{_build_key(go, sources)}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary

    # One build at a time per cache (pytest-xdist workers start together).
    with open(cache / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.is_file():
            return binary
        with tempfile.TemporaryDirectory(prefix="build-", dir=cache) as tmp:
            # GOPATH mode needs the package outside any module; copy the sources.
            pkg = Path(tmp) / "src" / BINARY_NAME
            pkg.mkdir(parents=True)
            for src in sources:
                shutil.copy2(src, pkg / src.name)
            env = dict(os.environ)
            env.update(
                GO111MODULE="off",
                GOPATH=f"{tmp}{os.pathsep}{GOPATH_SYSTEM}",
                GOCACHE=str(cache / "go-build"),
                GOFLAGS="",
                CGO_ENABLED="0",
            )
            out = Path(tmp) / BINARY_NAME
            proc = subprocess.run(
                [go, "build", "-o", str(out), "."], cwd=pkg, env=env, capture_output=True, text=True
            )
            if proc.returncode != 0:
                raise SimulatorUnavailable(
                    f"building the vCenter simulator failed ({go} build in GOPATH mode):\n{proc.stderr.strip()}"
                )
            os.replace(out, binary)
    return binary


_live: "weakref.WeakSet[VCenterSimulator]" = weakref.WeakSet()
_live_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        sims = list(_live)
    for sim in sims:
        sim.stop()


class VCenterSimulator:
    """A running ``failback-vcsim`` process (see simulators/SITE.md for the inventory).

    ``vms`` is the number of extra VMs of the ``scale`` scenario (0 means the
    simulator's default of 5000); ``password`` defaults to a random one.
    """

    def __init__(
        self,
        scenario: str = "failback-site",
        vms: int = 0,
        username: str = DEFAULT_USERNAME,
        password: str | None = None,
        listen: str = "127.0.0.1:0",
        *,
        cache_dir: Path | None = None,
        log_dir: Path | None = None,
        startup_timeout: float = 180.0,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
        self.scenario = scenario
        self.vms = vms
        self.username = username
        self.password = password if password is not None else secrets.token_urlsafe(16)
        self.listen = listen
        self.cache_dir = cache_dir
        self.log_dir = log_dir
        self.startup_timeout = startup_timeout

        self.url: str | None = None
        self.host: str | None = None
        self.port: int | None = None
        self.thumbprint_sha256: str | None = None
        self.thumbprint_sha1: str | None = None
        self.cert_pem: str | None = None
        self.server_pem: str | None = None
        self.admin_url: str | None = None
        self.log_path: Path | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> "VCenterSimulator":
        if self._proc is not None:
            return self
        binary = build(self.cache_dir)
        log_dir = Path(self.log_dir) if self.log_dir else Path(tempfile.gettempdir())
        log_dir.mkdir(parents=True, exist_ok=True)
        fd, log_name = tempfile.mkstemp(prefix=f"failback-vcsim-{self.scenario}-", suffix=".log", dir=log_dir)
        self.log_path = Path(log_name)
        self._log_file = os.fdopen(fd, "wb")

        args = [str(binary), "-listen", self.listen, "-scenario", self.scenario, "-username", self.username]
        if self.scenario == "scale" and self.vms > 0:
            args += ["-vms", str(self.vms)]
        env = dict(os.environ, FAILBACK_VCSIM_PASSWORD=self.password)  # not on the command line
        started = time.monotonic()
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log_file, env=env
        )
        with _live_lock:
            _live.add(self)
        try:
            ready = self._read_ready_line(started + self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        self.url = ready["url"]
        self.host = ready["host"]
        self.port = int(ready["port"])
        self.thumbprint_sha256 = ready["thumbprint_sha256"]
        self.thumbprint_sha1 = ready["thumbprint_sha1"]
        self.cert_pem = ready["cert_pem"]
        self.server_pem = Path(self.cert_pem).read_text()
        self.admin_url = ready["admin"]
        return self

    def _read_ready_line(self, deadline: float) -> dict:
        assert self._proc is not None and self._proc.stdout is not None
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SimulatorError(
                        f"vCenter simulator not ready after {self.startup_timeout:.0f} s; log: {self.log_path}"
                    )
                if sel.select(timeout=min(remaining, 0.5)):
                    chunk = os.read(self._proc.stdout.fileno(), 65536)
                    if not chunk:
                        self._proc.wait(timeout=5)
                        raise SimulatorError(
                            f"vCenter simulator exited with status {self._proc.returncode} before it was ready: "
                            f"{self._log_tail()} (log: {self.log_path})"
                        )
                    buf += chunk
        try:
            return json.loads(buf.split(b"\n", 1)[0])
        except ValueError as exc:
            raise SimulatorError(f"unexpected ready line {buf[:200]!r}; log: {self.log_path}") from exc

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()  # the simulator stops at EOF on stdin
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            finally:
                if proc.stdout:
                    proc.stdout.close()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        with _live_lock:
            _live.discard(self)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "VCenterSimulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- admin endpoint --------------------------------------------------------------

    def _admin(self, method: str, path: str) -> dict:
        if self.admin_url is None:
            raise SimulatorError("the vCenter simulator is not started")
        req = urllib.request.Request(self.admin_url + path, method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return json.loads(resp.read() or b"{}")
        except OSError as exc:
            raise SimulatorError(f"vCenter simulator admin {path} failed: {exc}; log: {self.log_path}") from exc

    def expire_sessions(self) -> int:
        """Invalidate every vCenter session; returns how many there were."""
        return int(self._admin("POST", "/expire-sessions").get("expired", 0))

    def healthy(self) -> bool:
        try:
            return bool(self._admin("GET", "/healthz").get("ok"))
        except SimulatorError:
            return False


def fixable_faults(sim: VCenterSimulator, vm_name: str) -> None:
    """Give a VM of the site the faults the fix-its mend (for the demo that is one fix-all away from
    ready): a snapshot, and disk.EnableUUID set to FALSE. Through the vSphere API, as an operator would."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    si = SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password, serverPemCert=sim.server_pem)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        try:
            vm = next(v for v in view.view if v.name == vm_name)
        finally:
            view.DestroyView()
        WaitForTask(vm.CreateSnapshot_Task(name="before-failover", description="taken before the failover",
                                           memory=False, quiesce=False))
        spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key="disk.EnableUUID", value="FALSE")])
        WaitForTask(vm.ReconfigVM_Task(spec))
    finally:
        Disconnect(si)
