"""Status marks: the glyph, word and colour of each status (control.status.Shown), plain and --basic.

Rich text only, no Textual widget: the first screen uses these, and must not pay for loading
the table widgets the later screens need.
"""

from __future__ import annotations

from rich.text import Text

from checks.model import Status
from checks.texts import Texts
from control.status import Shown

# ANSI colour names only, so --basic (16 colours) keeps their meaning; every problem is also bold,
# which is all that is left without colour (NO_COLOR), beside the glyph.
STYLES = {
    Shown.PASS: "green",
    Shown.FAIL: "bold red",
    Shown.WARN: "bold yellow",
    Shown.ERROR: "bold magenta",
    Shown.SKIP: "dim",
    Shown.MANUAL: "bold cyan",
    Shown.RUNNING: "yellow",
    Shown.PENDING: "dim",
}


def label(texts: Texts, status: Shown) -> str:
    """The status in words: a check's status, or the wizard's own (running, not yet run)."""
    if status in (Shown.RUNNING, Shown.PENDING):
        return texts.ui(f"wizard.status.{status}")
    return texts.status(Status(status))


def mark(texts: Texts, status: Shown) -> Text:
    """Glyph and word: "✗ fail" (ASCII under --basic)."""
    return Text(f"{status.glyph(texts.plain)} {label(texts, status)}", style=STYLES[status])


def symbol(texts: Texts, status: Shown) -> Text:
    return Text(status.glyph(texts.plain), style=STYLES[status])
