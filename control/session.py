"""The wizard's session: what the operator has seen and said, kept in the transcript.

The transcript IS the session. Every change goes through `record`, which appends
the event (flushed at once) and then applies it to the in-memory state; resuming
reads the same events back through the same `apply`, so a killed wizard comes
back exactly where it was.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from checks.model import Answer
from control.transcript import Entry, Transcript, read, utc_stamp
from control.transcript import operator as system_operator

if TYPE_CHECKING:
    from checks.spec import Result

WIZARD_COMMANDS = ("wizard", "demo")


def operator() -> str:
    """user@host of the person at the keyboard; FAILBACK_PREP_OPERATOR names a shared account's real user."""
    return os.environ.get("FAILBACK_PREP_OPERATOR") or system_operator()


# Small immutable records are NamedTuples: a frozen dataclass costs ~0.8 ms to define at import,
# and this module is on the wizard's way to its first screen.
class Note(NamedTuple):
    step: str
    text: str
    by: str
    at: str


class Place(NamedTuple):
    """A screen and what it shows (e.g. which component), as recorded by screen.shown."""

    screen: str
    args: Mapping[str, str]


@dataclass
class State:
    results: dict[str, Result] = field(default_factory=dict)
    checked: dict[str, str] = field(default_factory=dict)  # check id -> when its latest result came
    result_seq: dict[str, int] = field(default_factory=dict)  # check id -> the seq of its latest result
    answers: dict[str, Answer] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    place: Place | None = None
    start: dict[str, Any] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    # Operations a fix-it started and whose end the session has not seen (killed, hung up): fix id ->
    # {target: operation}, followed again on resume rather than started twice.
    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.start" and not self.start:
            self.start = dict(event)
        elif kind == "check.result":
            from checks.spec import Result  # not needed to start a session, only to read one back

            result = Result.from_json(event)
            self.results[result.id] = result
            self.checked[result.id] = str(event.get("ts", ""))
            self.result_seq[result.id] = int(event.get("seq") or 0)
        elif kind in ("step.confirmed", "step.skipped"):
            status = "confirmed" if kind == "step.confirmed" else "skipped"
            step = str(event.get("step", ""))
            self.answers[step] = Answer(status, str(event.get("note", "")), str(event.get("by", "")),
                                        str(event.get("at", event.get("ts", ""))))
        elif kind == "note" and event.get("step"):
            self.notes.append(Note(str(event["step"]), str(event.get("text", "")), str(event.get("by", "")),
                                   str(event.get("at", event.get("ts", "")))))
        elif kind == "screen.shown":
            self.place = Place(str(event.get("screen", "")), dict(event.get("args") or {}))
        elif kind in ("step.failed", "fix.failed"):
            self.failures.append(dict(event))
        elif kind == "fix.progress":
            # A step that names an operation it started (or follows) for a target: followed again on resume.
            params = event.get("params") or {}
            if params.get("operation") and params.get("target"):
                self.started.setdefault(str(event.get("fix")), {})[str(params["target"])] = params["operation"]
        elif kind == "fix.applied":
            # What ended is done with; what was only stopped being followed (stopped, timed out) still
            # runs where it was sent: it stays, to be followed rather than sent again.
            still = {str(o.get("vm")) for o in (event.get("evidence") or {}).get("outcomes", ())
                     if isinstance(o, Mapping) and o.get("state") in ("cancelled", "timeout")}
            started = self.started.pop(str(event.get("fix")), {})
            kept = {target: op for target, op in started.items() if target in still}
            if kept:
                self.started[str(event.get("fix"))] = kept

    def notes_for(self, step: str) -> list[Note]:
        return [n for n in self.notes if n.step == step]


def replay(events: Iterable[Mapping[str, Any]]) -> State:
    state = State()
    for event in events:
        state.apply(event)
    return state


class Session:
    """Thread-safe: workers record check results while the screen records answers."""

    def __init__(self, transcript: Transcript, state: State | None = None,
                 clock: Callable[[], str] = utc_stamp) -> None:
        self.transcript = transcript
        self.state = state or State()
        self.clock = clock
        self.operator = operator()
        self._lock = threading.Lock()

    @classmethod
    def start(cls, directory: Path, redact: Callable[[str], str], command: str, session_id: str | None = None,
              **fields: Any) -> Session:
        session = cls(Transcript(directory, redact=redact, session=session_id))
        session.record("session.start", command=command, operator=session.operator, **fields)
        return session

    @classmethod
    def resume(cls, entry: Entry, redact: Callable[[str], str]) -> Session:
        state = replay(read(entry.path))
        session = cls(Transcript(entry.path.parent, redact=redact, path=entry.path), state)
        session.record("note", text=f"session resumed by {session.operator}", resumed=True)
        return session

    @property
    def session_id(self) -> str:
        return self.transcript.session

    def started(self, fix_id: str) -> dict[str, Any]:
        """What a fix-it started and this session never saw end: {target: operation} (a copy)."""
        with self._lock:
            return dict(self.state.started.get(fix_id, {}))

    def record(self, type_: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            event = self.transcript.write(type_, **fields)
            self.state.apply(event)
            return event

    # -- what the wizard records ----------------------------------------------------

    def result(self, result: Result, **shown: Any) -> None:
        self.record("check.result", **result.to_json(), **shown)

    def shown(self, screen: str, args: Mapping[str, str] | None = None) -> None:
        place = Place(screen, dict(args or {}))
        if place != self.state.place:
            self.record("screen.shown", screen=screen, args=dict(args or {}))

    def confirm(self, step: str, note: str = "") -> Answer:
        self.record("step.confirmed", step=step, note=note, by=self.operator, at=self.clock())
        return self.state.answers[step]

    def skip(self, step: str, reason: str) -> Answer:
        self.record("step.skipped", step=step, note=reason, by=self.operator, at=self.clock())
        return self.state.answers[step]

    def note(self, step: str, text: str) -> None:
        self.record("note", step=step, text=text, by=self.operator, at=self.clock())

    def failed(self, what: str, reason: str) -> None:
        self.record("step.failed", step=what, reason=reason, by=self.operator)

    def end(self, **fields: Any) -> None:
        self.record("session.end", **fields)
        self.transcript.close()

    # -- reading it back ------------------------------------------------------------

    def results(self) -> dict[str, Result]:
        with self._lock:
            return dict(self.state.results)

    def answers(self) -> dict[str, Answer]:
        with self._lock:
            return dict(self.state.answers)
