"""Status marks: the symbol, word and colour of each check status, plain and --basic.

Rich text only, no Textual widget: the first screen uses these, and must not pay for loading
the table widgets the later screens need.
"""

from __future__ import annotations

from rich.text import Text

from checks.model import Status

MARKS = {
    "pass": ("✓", "+"),
    "fail": ("✗", "x"),
    "warn": ("!", "!"),
    "error": ("?", "?"),
    "skip": ("–", "-"),
    "manual": ("◆", "*"),
    "running": ("…", "~"),
    "pending": ("·", "."),
}
# ANSI colour names only, so --basic (16 colours) keeps their meaning; every problem is also bold,
# which is all that is left without colour (NO_COLOR), beside the glyph.
STYLES = {
    "pass": "green",
    "fail": "bold red",
    "warn": "bold yellow",
    "error": "bold magenta",
    "skip": "dim",
    "manual": "bold cyan",
    "running": "yellow",
    "pending": "dim",
}


def status_label(app, status: str) -> str:  # type: ignore[no-untyped-def]
    if status in ("running", "pending"):
        return app.t(f"status.{status}")
    return app.texts.status(Status(status))


def glyph(app, status: str) -> str:  # type: ignore[no-untyped-def]
    """The status's symbol: ASCII under --basic."""
    return MARKS[status][1 if app.basic else 0]


def mark(app, status: str) -> Text:  # type: ignore[no-untyped-def]
    return Text(f"{glyph(app, status)} {status_label(app, status)}", style=STYLES[status])


def symbol(app, status: str) -> Text:  # type: ignore[no-untyped-def]
    return Text(glyph(app, status), style=STYLES[status])
