"""`failback-prep transcript list|show|export`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checks.texts import Texts
from control.language import detect_language
from control import transcript
from tui import export
from tui.errors import UsageError


def run(action: str, ident: str | None, fmt: str, output: str | None, directory: str | None, lang: str | None) -> int:
    texts = Texts(detect_language(lang))
    folder = Path(directory) if directory else transcript.default_dir()
    if action == "list":
        found = transcript.entries(folder)
        if not found:
            print(texts.ui("transcript.none", folder=folder))
            return 0
        for entry in found:
            state = texts.ui("transcript.ended") if entry.ended else texts.ui("transcript.open")
            print(f"{entry.session}  {entry.started}  {entry.command:<7} {entry.events:>5}  {state}  {entry.path}")
        return 0
    if not ident:
        raise UsageError(f"`transcript {action}` needs a session id or `latest`; `failback-prep transcript list` shows them")
    entry = transcript.resolve(folder, ident)
    events = list(transcript.read(entry.path))
    if action == "show":
        fmt = "md"
    # An export speaks the session's own language unless --lang chose one.
    recorded = events[0].get("lang") if events else None
    if recorded and not lang:
        texts = Texts(recorded)
    body = {"md": lambda: export.to_markdown(events, texts), "html": lambda: export.to_html(events, texts),
            "json": lambda: export.to_json(events)}[fmt]()
    if output:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        print(texts.ui("transcript.written", path=output), file=sys.stderr)
    else:
        sys.stdout.write(body)
    return 0
