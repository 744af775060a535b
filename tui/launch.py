"""Starting the wizard: a new session or a resumed one, on a configuration or on the demo's site.

Imports stay light until the app runs: the wizard's start-up time is counted from here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from checks.model import Settings
from checks.sources import KNOWN_SECRETS
from checks.texts import Texts
from control.credentials import Lookup
from control.session import Session
from control.transcript import Entry
from tui import __version__
from tui.app import DEFAULT_RECHECK_S, WizardApp


def open_session(directory: Path, entry: Any, command: str, secrets: Iterable[str] = (), **fields: Any) -> Session:
    """A new session, or the saved one `entry` names. What it writes is scrubbed of every secret the
    process knows (checks.sources.KNOWN_SECRETS), these among them, as are the log and the screens."""
    KNOWN_SECRETS.update(secrets)
    if entry is not None:
        return Session.resume(entry, KNOWN_SECRETS.redact)
    return Session.start(directory, KNOWN_SECRETS.redact, command, **fields)


def _recheck_seconds(explicit: float | None) -> float:
    if explicit is not None:
        return explicit
    env = os.environ.get("FAILBACK_PREP_RECHECK_SECONDS")
    try:
        return float(env) if env else DEFAULT_RECHECK_S
    except ValueError:
        return DEFAULT_RECHECK_S


def _wizard_entry(directory: Path, ident: str) -> Entry:
    from control.session import WIZARD_COMMANDS
    from control.transcript import NotFound, entries, resolve

    if ident == "latest":
        found = [e for e in entries(directory) if e.command in WIZARD_COMMANDS]
        if not found:
            raise NotFound(f"no saved wizard sessions in {directory}; start one with `failback-prep`")
        return found[-1]
    return resolve(directory, ident)


def _first_event(entry: Any) -> dict[str, Any]:
    from control.transcript import read

    return next(iter(read(entry.path)), {})


def run_wizard(
    config: str | None = None,
    lang: str = "en",
    resume: str | None = None,
    transcript_dir: str | None = None,
    no_mouse: bool = False,
    basic: bool = False,
    recheck: float | None = None,
) -> int:
    from control import config as config_module
    from control import credentials
    from control.transcript import default_dir

    directory = Path(transcript_dir) if transcript_dir else default_dir()
    entry = _wizard_entry(directory, resume) if resume else None
    if entry is not None:
        start = _first_event(entry)
        if start.get("command") == "demo":
            return run_demo(lang, str(directory), str(start.get("scenario", "windows")), no_mouse=no_mouse,
                            basic=basic, resume=entry, recheck=recheck, site=str(start.get("site", "classic")))
        config = config or start.get("config") or None
    settings = config_module.load(config_module.find_config(config))
    if settings.keys:
        from tui.app import binding_ids

        config_module.refuse_unknown_key_ids(settings, binding_ids())
    return launch(settings, credentials.Lookup(settings), Texts(lang), directory, entry, "wizard", {},
                  no_mouse=no_mouse, basic=basic, recheck=recheck)


def launch(
    settings: Settings,
    lookup: Any,
    texts: Texts,
    directory: Path,
    entry: Any,
    command: str,
    extra: Mapping[str, Any],
    *,
    no_mouse: bool,
    basic: bool,
    recheck: float | None,
    secrets: Iterable[str] = (),
) -> int:
    session = open_session(directory, entry, command, secrets, config=settings.source, lang=texts.lang,
                           version=__version__, **extra)
    app = WizardApp(settings, texts, session, lookup, recheck_s=_recheck_seconds(recheck), basic=basic,
                    resume=entry is not None, keymap=dict(settings.keys))
    try:
        app.run(mouse=not no_mouse)
    except OSError:
        pass  # the terminal is gone; the session is already on disk
    finally:
        # Once the app's loop is closed a second hang-up would kill us before the session is closed.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        app.finish()
    return app.return_code or 0


def run_demo(
    lang: str,
    transcript_dir: str | None,
    scenario: str = "windows",
    no_mouse: bool = False,
    basic: bool = False,
    resume: Any = None,
    recheck: float | None = None,
    site: str = "classic",
) -> int:
    import sys

    from control import config as config_module
    from control import credentials
    from tui.demo import SimulatedSite
    from control.transcript import default_dir

    texts = Texts(lang)
    directory = Path(transcript_dir) if transcript_dir else default_dir()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with SimulatedSite(scenario, say=lambda key, **p: say(texts.ui("wizard.demo." + key, **p)), site=site) as running:
        settings = config_module.load(running.config_path)
        lookup = credentials.Lookup(settings, extra=running.secrets)
        code = launch(settings, lookup, texts, directory, resume, "demo", {"scenario": scenario, "site": site},
                      no_mouse=no_mouse, basic=basic, recheck=recheck, secrets=running.secrets.values())
    say(texts.ui("wizard.demo.try-headless"))
    return code
