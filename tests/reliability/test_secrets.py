"""Planted secrets never leave the keyring or the environment.

A unique vCenter password and Azure client secret (and a wrong password, also unique)
are used for a whole run: checks, every fix-it dry and real, failed logins, exception
paths, exports, the log. Then every file under the test's home and temp folders and
everything printed is searched for them.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import OFFLINE_SITE, start_vcsim
from tests.reliability.conftest import FIX_ARGS, Site, make_site

pytestmark = pytest.mark.slow


def _unique(prefix: str) -> str:
    # Letters and digits only, so URL-encoding or JSON escaping cannot hide a copy.
    return prefix + secrets.token_hex(10)


VC_PASSWORD = _unique("vcPlanted")
AZ_SECRET = _unique("azPlanted")
WRONG_PASSWORD = _unique("vcWrong")
WRONG_SECRET = _unique("azWrong")
PLANTED = (VC_PASSWORD, AZ_SECRET, WRONG_PASSWORD, WRONG_SECRET)


@pytest.fixture
def planted_site(hermetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # Anything the product puts in a temporary file lands where it is searched.
    scratch = hermetic / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    vc = start_vcsim(password=VC_PASSWORD)
    try:
        yield from make_site(vc, hermetic, client_secret=AZ_SECRET)
    finally:
        vc.stop()


def _search(roots: list[Path], printed: list[str]) -> list[str]:
    leaks = []
    for text_no, text in enumerate(printed):
        for secret in PLANTED:
            if secret in text:
                leaks.append(f"printed output #{text_no} holds {secret[:9]}...")
    for root in roots:
        for path in root.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            for secret in PLANTED:
                if secret.encode() in data:
                    leaks.append(f"{path} holds {secret[:9]}...")
    return leaks


def test_planted_secrets_appear_nowhere(planted_site: Site, hermetic: Path, tmp_path: Path) -> None:
    site = planted_site
    printed: list[str] = []
    codes: dict[str, int] = {}

    def run(label: str, *args: str, **env: str) -> None:
        done = site.run(*args, **env)
        assert "Traceback" not in done.stderr, (label, done.stderr)
        printed.extend([done.stdout, done.stderr])
        codes[label] = done.returncode

    config = str(site.config)
    run("check json", "check", "--config", config, "--format", "json")
    run("check text", "check", "--config", config)
    assert codes["check json"] == 1 and codes["check text"] == 1
    for fix_id, args in FIX_ARGS.items():
        run(f"{fix_id} dry", "fix", fix_id, "--config", config, "--dry-run", *args)
        run(f"{fix_id} yes", "fix", fix_id, "--config", config, "--yes", *args)
        assert codes[f"{fix_id} dry"] == 0 and codes[f"{fix_id} yes"] in (0, 1), (fix_id, codes)

    # Refused logins: the wrong secrets are planted too.
    run("wrong password", "check", "--config", config, "--only", "vc.,mt.disk-count", "--format", "json",
        FAILBACK_PREP_VCENTER_PASSWORD=WRONG_PASSWORD)
    run("wrong secret", "check", "--config", config, "--only", "az.,cs.", "--format", "json",
        FAILBACK_PREP_AZURE_CLIENT_SECRET=WRONG_SECRET)
    run("wrong fix", "fix", "mt.set-disk-enableuuid", "--config", config, "--yes",
        FAILBACK_PREP_VCENTER_PASSWORD=WRONG_PASSWORD)
    assert codes["wrong password"] == 1 and codes["wrong secret"] == 1

    # Exception paths: broken vault payloads, answers cut during the login, an expired vCenter session.
    site.emu.malform(r"replicationFabrics|replicationPolicies")
    run("malformed vault", "check", "--config", config, "--only", "az.,cs.,policy.", "--format", "json")
    site.emu.clear_faults()
    site.vc_proxy.cut_after(1500)
    site.az_proxy.cut_after(1500)
    run("cut login", "check", "--config", config, "--format", "json")
    site.normal()
    site.vc.expire_sessions()
    run("after expiry", "check", "--config", config, "--only", "vc.,mt.", "--format", "json")

    # The sessions of the failed logins and exception paths, and some fix-its, exported every way.
    listing = site.run("transcript", "list")
    printed.append(listing.stdout)
    sessions = [line.split()[0] for line in listing.stdout.splitlines() if line.strip()]
    assert len(sessions) >= 14
    exports = hermetic / "exports"
    exports.mkdir()
    run("show", "transcript", "show", sessions[-1])
    for session in dict.fromkeys(sessions[2:12:3] + sessions[-6:]):
        for fmt in ("md", "html", "json"):
            run(f"export {session} {fmt}", "transcript", "export", session, "--format", fmt,
                "--output", str(exports / f"{session}.{fmt}"))
    log = Path(os.environ["FAILBACK_PREP_LOG"])
    assert "Traceback" in log.read_text(), "no traceback was logged: the exception paths did not run"

    control = tmp_path / "control"
    control.mkdir()
    (control / "planted.txt").write_text(f"x{WRONG_SECRET}x")
    assert _search([control], [f"y{VC_PASSWORD}"]), "the search itself finds nothing"
    (control / "planted.txt").unlink()
    leaks = _search([hermetic, tmp_path], printed)
    assert not leaks, "\n".join(leaks)

    # What holds operators' data is readable by them only.
    for path in [log, *site.transcripts.glob("*.jsonl"), *exports.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(site.transcripts.stat().st_mode) == 0o700


@pytest.mark.keyring
def test_secrets_from_the_keyring_appear_nowhere(planted_site: Site, hermetic: Path, tmp_path: Path,
                                                 secret_service: str) -> None:
    site = planted_site
    config = str(site.config)
    no_env = {"FAILBACK_PREP_VCENTER_PASSWORD": "", "FAILBACK_PREP_AZURE_CLIENT_SECRET": ""}
    printed: list[str] = []
    for kind, value in (("vcenter", VC_PASSWORD), ("azure", AZ_SECRET)):
        stored = site.run("creds", "set", kind, "--config", config, input=value + "\n", **no_env)
        assert stored.returncode == 0, stored.stderr
        printed += [stored.stdout, stored.stderr]
    done = site.run("check", "--config", config, "--format", "json", **no_env)
    printed += [done.stdout, done.stderr]
    assert done.returncode == 1, done.stderr
    assert '"vc.connect"' in done.stdout and '"status": "pass"' in done.stdout
    fixed = site.run("fix", "mt.set-disk-enableuuid", "--config", config, "--yes", **no_env)
    printed += [fixed.stdout, fixed.stderr]
    assert fixed.returncode == 0, fixed.stderr
    for kind in ("vcenter", "azure"):
        status = site.run("creds", "status", kind, "--config", config, **no_env)
        assert "in the OS keyring" in status.stdout
        printed += [status.stdout, status.stderr]
    leaks = _search([hermetic, tmp_path], printed)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize(
    "table,key",
    [("vcenter", "password"), ("azure", "client_secret"), ("vcenter", "api_key"), ("azure", "token")],
)
def test_config_with_a_secret_is_refused_without_echoing_it(cli, tmp_path: Path, table: str, key: str) -> None:
    value = _unique("inConfig")
    config = tmp_path / "site.toml"
    config.write_text(
        OFFLINE_SITE.replace(f"[{table}]\n", f'[{table}]\n{key} = "{value}"\n'),
        encoding="utf-8",
    )
    done = cli("check", "--config", str(config))
    assert done.returncode == 2
    assert f"[{table}] {key} is a secret" in done.stderr and "creds set" in done.stderr
    assert value not in done.stdout + done.stderr


async def test_wizard_screens_hold_no_secret(planted_site: Site, hermetic: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard's screens (SVG snapshots at 80x24) after a refused login, the overview, a component and a
    fix-it preview; its transcript and log too."""
    from checks.model import Status
    from screens.fix import FixScreen
    from tests.wizard.harness import make_app, wait_for
    from control import config, credentials
    from screens.widgets import CheckTable

    site = planted_site
    settings = config.load(site.config)
    shots = hermetic / "screens"
    shots.mkdir()
    monkeypatch.setenv("FAILBACK_PREP_AZURE_CLIENT_SECRET", AZ_SECRET)
    monkeypatch.setenv("FAILBACK_PREP_AZURE_TIMEOUT_S", "2")

    def status(app, check_id: str):
        result = app.control.session.state.results.get(check_id)
        return result.status if result else None

    monkeypatch.setenv("FAILBACK_PREP_VCENTER_PASSWORD", WRONG_PASSWORD)
    refused = make_app(settings, credentials.Lookup(settings), site.transcripts)
    async with refused.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(refused, "vc.connect") == Status.FAIL, timeout=60)
        (shots / "refused.svg").write_text(refused.export_screenshot())
    refused.finish()

    monkeypatch.setenv("FAILBACK_PREP_VCENTER_PASSWORD", VC_PASSWORD)
    app = make_app(settings, credentials.Lookup(settings), site.transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(app, "vc.connect") == Status.PASS, timeout=60)
        (shots / "connect.svg").write_text(app.export_screenshot())
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running
                       and len(app.control.session.state.results) == len(app.control.engine.checks), timeout=90)
        (shots / "overview.svg").write_text(app.export_screenshot())
        await pilot.press("3")
        await pilot.pause()
        (shots / "master-target.svg").write_text(app.export_screenshot())
        table = app.screen.query_one(CheckTable)
        table.move_cursor(row=table.get_row_index("mt.disk-enableuuid"))
        table.focus()
        await pilot.pause()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and app.screen.stage == "planned", timeout=60)
        (shots / "fix.svg").write_text(app.export_screenshot())
        assert "disk.EnableUUID" in (shots / "fix.svg").read_text()
    app.finish()

    assert len(list(shots.glob("*.svg"))) == 5
    leaks = _search([hermetic, tmp_path], [])
    assert not leaks, "\n".join(leaks)


# --- the log file: a library that logs what it was handed --------------------------------------

LIBRARY_LOGGERS = ("failback_prep", "azure", "pyVmomi", "httpx")


@pytest.fixture
def log_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The log set up in this process as the CLI sets it up (tui.logs.setup), undone afterwards."""
    from tui import logs

    saved = {name: (list(logger.handlers), logger.propagate, logger.level)
             for name in LIBRARY_LOGGERS for logger in [logging.getLogger(name)]}
    monkeypatch.setattr(logs, "_configured", False)
    logs.setup()
    yield logs.log_path()
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        for handler in set(logger.handlers) - set(handlers):
            handler.close()
        logger.handlers[:], logger.propagate = handlers, propagate
        logger.setLevel(level)


def _libraries_log(*values: str) -> None:
    """What a library might do with what it was given: put it in a warning, in an exception it logs."""
    for value in values:
        logging.getLogger("azure").warning("token request failed: client_secret=%s", value)
        try:
            raise ConnectionError(f"login refused for administrator with password {value!r}")
        except ConnectionError:
            logging.getLogger("pyVmomi").warning("login failed", exc_info=True)


def _assert_scrubbed(log: Path, *values: str) -> None:
    text = log.read_text(encoding="utf-8")
    assert "token request failed" in text and "login refused for administrator" in text, "nothing was logged"
    assert "********" in text
    for value in values:
        assert value not in text, f"the log holds {value[:6]}..."


async def test_a_secret_typed_into_the_wizard_is_not_logged(own_site: Site, log_file: Path) -> None:
    """No environment, no keyring: the operator types the vCenter password (the Azure secret is the
    session's own, as in the demo); a library then logs both."""
    from textual.widgets import Input

    from checks.model import Status
    from tests.wizard.harness import make_app, wait_for
    from control import config, credentials

    typed, session_only = own_site.vc.password, own_site.emu.client_secret
    settings = config.load(own_site.config)
    app = make_app(settings, credentials.Lookup(settings, extra={"azure": session_only}), own_site.transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#secret-vcenter")))
        prompt = app.screen.query_one("#secret-vcenter", Input)
        await wait_for(pilot, lambda: app.focused is prompt)  # the prompt takes the keyboard when it appears
        await pilot.press(*typed)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.control.session.state.results.get("vc.connect") is not None
                       and app.control.status("vc.connect") == Status.PASS, timeout=60)
        _libraries_log(typed, session_only)
    app.finish()
    _assert_scrubbed(log_file, typed, session_only)


@pytest.mark.keyring
def test_a_secret_from_the_keyring_is_not_logged(own_site: Site, log_file: Path, secret_service: str,
                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No environment: the CLI reads both secrets from the OS keyring; a library then logs them."""
    import json

    from control import config, credentials
    from tui import cli

    monkeypatch.setenv("FAILBACK_PREP_AZURE_TIMEOUT_S", "2")
    settings = config.load(own_site.config)
    stored = (own_site.vc.password, own_site.emu.client_secret)
    for kind, value in zip(("vcenter", "azure"), stored):
        credentials.store(kind, settings, value)
    code = cli.main(["check", "--config", str(own_site.config), "--only", "vc.connect,az.connect", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and {c["id"]: c["status"] for c in report["checks"]} == {"vc.connect": "pass", "az.connect": "pass"}
    _libraries_log(*stored)
    _assert_scrubbed(log_file, *stored)
