"""Session transcripts: one JSON Lines file per session, appended and flushed per event.

Each event is written with a single os.write on an O_APPEND descriptor, so a killed
process leaves whole lines behind (at worst the last one cut short, which readers
skip). Secrets are removed from every line before it is written.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

EVENT_TYPES = (
    "session.start",
    "check.result",
    "fix.preview",
    "fix.applied",
    "fix.failed",
    "fix.progress",  # a step of a fix-it being applied, with its values (an operation to follow again)
    # Operations on the protected items (reprotect): who started which, when, with which request and job;
    # each change of the job and its tasks; its end; the replication back; a start that was refused.
    "operation.requested",  # written before the request is sent: a run killed before the answer is followed too
    "operation.started",
    "operation.task",
    "operation.ended",
    "operation.state",
    "operation.failed",
    "step.confirmed",
    "step.skipped",
    "note",
    "session.end",
    # Added for the wizard's resume: where the operator was.
    "screen.shown",
    # Added for the wizard: a background task (a run of checks, loading them) stopped on an error.
    "step.failed",
)


def default_dir() -> Path:
    env = os.environ.get("FAILBACK_PREP_TRANSCRIPT_DIR")
    if env:
        return Path(env)
    from platformdirs import user_state_dir

    return Path(user_state_dir("failback-prep")) / "transcripts"


def operator() -> str:
    """`user@host`, as recorded with every confirmation."""
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def utc_stamp(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class Transcript:
    def __init__(
        self,
        directory: Path,
        redact: Callable[[str], str] = lambda s: s,
        session: str | None = None,
        path: Path | None = None,
    ) -> None:
        self.directory = directory
        self.redact = redact
        self.clock: Callable[[], str] = utc_stamp
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path is None:
            self.session = session or uuid.uuid4().hex[:8]
            start = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            path = directory / f"{start}-{self.session}.jsonl"
            self.seq = 0
        else:
            # Resuming: keep appending to the same file, after its last sequence number.
            events = list(read(path))
            self.session = session or (events[0]["session"] if events else uuid.uuid4().hex[:8])
            self.seq = max((e.get("seq", 0) for e in events), default=0)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(path, 0o600)
        if path.stat().st_size and not _ends_with_newline(path):
            os.write(self._fd, b"\n")  # close a line cut short by a kill, so the next one stands alone

    def write(self, type_: str, **fields: Any) -> dict[str, Any]:
        if type_ not in EVENT_TYPES:
            raise ValueError(f"{type_!r} is not a transcript event type; add it to EVENT_TYPES first")
        with self._lock:
            self.seq += 1
            event = {"ts": self.clock(), "seq": self.seq, "session": self.session, "type": type_, **fields}
            line = self.redact(json.dumps(event, ensure_ascii=False, default=str)) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            return event

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Events of a transcript; a line cut short by a kill is skipped, not fatal."""
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and "type" in event:
                yield event


class Entry(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    session: str
    path: Path
    started: str
    command: str
    events: int
    ended: bool


def entries(directory: Path) -> list[Entry]:
    """Transcripts in the folder, oldest first."""
    found: list[Entry] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.jsonl")):
        events = list(read(path))
        if not events:
            continue
        first = events[0]
        found.append(
            Entry(
                session=str(first.get("session", path.stem.rsplit("-", 1)[-1])),
                path=path,
                started=str(first.get("ts", "")),
                command=str(first.get("command", "")),
                events=len(events),
                ended=any(e["type"] == "session.end" for e in events),
            )
        )
    return found


class NotFound(LookupError):
    pass


def resolve(directory: Path, ident: str, command: str | None = None) -> Entry:
    """A transcript by session id (or a unique prefix), or `latest` (optionally of one command)."""
    found = entries(directory)
    if command:
        found = [e for e in found if e.command == command]
    if not found:
        raise NotFound(f"no saved sessions in {directory}")
    if ident == "latest":
        return found[-1]
    matches = [e for e in found if e.session.startswith(ident) or e.path.stem.endswith(ident)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no saved session {ident!r} in {directory}; `failback-prep transcript list` shows them")
    raise NotFound(f"{ident!r} matches {len(matches)} sessions; give more of the id")
