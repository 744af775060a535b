"""Fixtures every test gets: a hermetic home, no user config, no keyring unless a test starts one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulators.vcenter import SimulatorUnavailable, VCenterSimulator

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "netguard"
# The Go simulator's build cache, shared by every test and worker: building it takes ~25 s.
CACHE_HOME = Path(os.environ.get("FAILBACK_PREP_TEST_CACHE", str(ROOT / ".cache")))
# The same site for tests that run no simulator: every table present, nothing reachable needed.
OFFLINE_SITE = """\
[vcenter]
host = "vcenter.corp.example"
user = "administrator@vsphere.local"
insecure = true

[azure]
tenant_id = "contoso.onmicrosoft.com"
subscription_id = "00000000-0000-0000-0000-000000000001"
resource_group = "rg"
vault = "v"
auth = "client-secret"
client_id = "11111111-1111-1111-1111-111111111111"
"""


def start_vcsim(scenario: str = "failback-site", **kwargs: Any) -> VCenterSimulator:
    """A running vCenter simulator; the test is skipped where it cannot be built (no Go, no govmomi)."""
    sim = VCenterSimulator(scenario=scenario, cache_dir=CACHE_HOME / "failback-prep" / "vcsim", **kwargs)
    try:
        return sim.start()
    except SimulatorUnavailable as exc:
        pytest.skip(str(exc))


def pytest_configure(config: pytest.Config) -> None:
    # Every process a test starts inherits the loopback-only guard; this one loads it now.
    paths = [str(NETGUARD), str(ROOT), os.environ.get("PYTHONPATH", "")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    sys.path.insert(0, str(NETGUARD))
    import sitecustomize  # noqa: F401

    global _NO_SKIPS
    _NO_SKIPS = os.environ.get("FAILBACK_PREP_NO_SKIPS") == "1"


# `./dev test` (and so CI) installs every tool the tests use; there a test that skips (no Go build,
# no tmux, no Secret Service) would hide a missing install step behind a green run, so it fails.
_NO_SKIPS = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if _NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped where everything it needs should be installed: {reason}"


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("FAILBACK_PREP_") or name.startswith("TEXTUAL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("FAILBACK_PREP_TRANSCRIPT_DIR", str(home / "transcripts"))
    monkeypatch.setenv("FAILBACK_PREP_LOG", str(home / "failback-prep.log"))
    # The Go simulator's build cache is shared across tests: building it takes ~25 s.
    monkeypatch.setenv("XDG_CACHE_HOME", str(CACHE_HOME))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # keyring keeps the backend it chose for the whole process; a test that used the real
    # Secret Service must not hand that backend to the next test in this worker.
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    # Process-wide settings a wizard makes (Chinese line breaks, --basic's scroll bars): put back after
    # each test, so the next one starts as a fresh process would.
    import rich._wrap
    from textual.scrollbar import ScrollBar

    monkeypatch.setattr(rich._wrap, "re_word", rich._wrap.re_word)
    monkeypatch.setattr(ScrollBar, "renderer", ScrollBar.renderer)
    # The terminal the screens are drawn for: a colour one, whatever the developer's shell says.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(home)
    return home


def run_cli(*args: str, input: str | None = None, timeout: float = 120, env: dict[str, str] | None = None):
    """The real command in a subprocess, as an operator or a runbook runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def _secret_service_daemon() -> Iterator[str]:
    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("needs dbus-daemon and gnome-keyring-daemon (Debian: dbus, gnome-keyring)")
    base = Path(tempfile.mkdtemp(prefix="fp-keyring-"))
    env = {**os.environ, "HOME": str(base), "XDG_DATA_HOME": str(base / "data"), "XDG_RUNTIME_DIR": str(base / "run")}
    (base / "run").mkdir(mode=0o700)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE, text=True, env=env
    )
    address = bus.stdout.readline().strip() if bus.stdout else ""
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    keyring_daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets", "--foreground"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    assert keyring_daemon.stdin is not None
    keyring_daemon.stdin.write(b"test-keyring-unlock")
    keyring_daemon.stdin.close()
    deadline = time.monotonic() + 10
    probe = [sys.executable, "-c", "import secretstorage as s; c=s.dbus_init(); s.get_default_collection(c)"]
    while subprocess.run(probe, env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            pytest.fail("the Secret Service did not come up within 10 s")
        time.sleep(0.2)
    try:
        yield address
    finally:
        for proc in (keyring_daemon, bus):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def secret_service(_secret_service_daemon: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real Secret Service (gnome-keyring on a private D-Bus) for this test."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", _secret_service_daemon)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    return _secret_service_daemon


# --- one language, at run time: every sentence a fix-it gives, on every path a test drives ------------


def _saids(value: Any) -> Iterator[Any]:
    from checks.model import Said

    if isinstance(value, Said):
        yield value
        for inner in value.params.values():
            yield from _saids(inner)


def _unworded(said: Any) -> str | None:
    """Why a sentence the engine gave would reach a Chinese operator in English, or None."""
    import re as _re

    from checks.texts import Texts
    from tests.english import english_words

    if said.key == "raw:code":
        return None  # code shown as it is (a script)
    if said.key == "raw:text":
        return f"came worded, in no language: {said.params.get('text')!r}"
    en, zh = Texts("en"), Texts("zh-CN")
    names = set(_re.findall(r"\{(\w+)", en.reason_text(said.key, {}) + zh.reason_text(said.key, {})))
    chinese = zh.reason_text(said.key, {name: "mt-win01" for name in names})
    if not chinese:
        return f"{said.key}: no text"
    words = english_words(chinese)
    return f"{said.key}: English in Chinese: {sorted(words)}" if words else None


@pytest.fixture(autouse=True)
def fix_its_speak_one_language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fix-it a test plans or applies in its own process (through the catalog, as the wizard and
    the CLI do) has each sentence it gives (its changes, its progress, its result, the FixError it
    stops with) held to the one language path: a text key with Chinese and no English in it. So every
    failure and progress path the in-process fault and simulator tests drive is checked in zh-CN.
    (A fix-it run by a CLI subprocess is not wrapped here; tests/engine/test_one_language.py holds
    every key written in checks/.) A sentence given after the test ended, by a thread still running,
    is not heard."""
    from dataclasses import replace as _replace

    from checks import catalog
    from checks.model import FixError

    found: list[str] = []

    def hear(value: Any) -> None:
        for said in _saids(value):
            problem = _unworded(said)
            if problem:
                found.append(problem)

    def wrapped(fix: Any) -> Any:
        def plan(ctx: Any, params: Any) -> Any:
            try:
                result = fix.plan(ctx, params)
            except FixError as exc:
                hear(exc.said)
                raise
            for change in result.changes:
                hear(change)
            return result

        def apply(ctx: Any, plan_: Any, progress: Any) -> Any:
            def told(said: Any) -> None:
                hear(said)
                progress(said)

            try:
                applied = fix.apply(ctx, plan_, told)
            except FixError as exc:
                hear(exc.said)
                raise
            hear(applied.detail)
            return applied

        return _replace(fix, plan=plan, apply=apply)

    real = catalog.all_fixes
    monkeypatch.setattr(catalog, "all_fixes", lambda: {k: wrapped(f) for k, f in real().items()})
    yield
    assert not found, "sentences outside the one language path:\n" + "\n".join(sorted(set(found)))
