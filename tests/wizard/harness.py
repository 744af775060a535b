"""Building the wizard for tests: against the simulated site, or against canned sources for pure-UI tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from checks.model import Settings
from checks.texts import Texts
from control.engine import Engine
from tests.canned import (  # noqa: F401 (the canned site, for the wizard's tests)
    CANNED_STATUS,
    PORTS_EVIDENCE,
    SAMPLE,
    Canned,
    NoSecrets,
    canned_check,
    canned_factory,
    canned_settings,
)
from tui.app import WizardApp
from tui.launch import open_session

FIXED_CLOCK = "2026-11-25T21:00:00Z"


def fixed_clock() -> str:
    return FIXED_CLOCK


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0, step: float = 0.05) -> None:
    """Let the app run until the condition holds (workers are threads: poll, don't sleep long)."""
    waited = 0.0
    while not condition():
        if waited >= timeout:
            raise AssertionError(f"condition not met within {timeout} s; {_last_events(pilot.app)}")
        await pilot.pause(step)
        waited += step


def _last_events(app: Any) -> str:
    """What the session recorded last: a worker that failed says why here."""
    from control.transcript import read

    try:
        events = list(read(app.control.session.transcript.path))[-5:]
    except (AttributeError, OSError):
        return "no session events readable"
    return "last events: " + "; ".join(
        f"{e['type']} {e.get('id') or e.get('step') or ''} {e.get('reason') or e.get('text') or ''}".strip()
        for e in events
    )


def make_app(
    settings: Settings,
    lookup: Any,
    directory: Path,
    lang: str = "en",
    *,
    engine_factory: Callable[[Settings, Any], Engine] | None = None,
    recheck_s: float = 0,
    resume: Any = None,
    secrets: tuple[str, ...] = (),
    needed_secrets: tuple[str, ...] | None = None,
    session_id: str | None = None,
    keymap: dict[str, str] | None = None,
) -> WizardApp:
    session = open_session(directory, resume, "wizard", secrets, session_id=session_id, config=settings.source,
                           lang=lang)
    session.clock = fixed_clock
    session.transcript.clock = fixed_clock
    kwargs: dict[str, Any] = {}
    if engine_factory is not None:
        kwargs["engine_factory"] = engine_factory
    return WizardApp(settings, Texts(lang), session, lookup, recheck_s=recheck_s,
                     resume=resume is not None, needed_secrets=needed_secrets, keymap=keymap, **kwargs)


def texts(lang: str) -> Texts:
    return Texts(lang)
