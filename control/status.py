"""What a row shows: a check's status, or the wizard's own states (running, pending), as one type.

`checks.model.Status` is what a check decided; `Shown` adds what only the wizard knows: the check is
running now, or has not run yet. Each has its place in two orders (the order to list rows in, the
order that makes one status the worst of several) and its glyph, in Unicode and in ASCII.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from checks.model import CONCERN, Status


class Shown(enum.StrEnum):
    FAIL = "fail"
    ERROR = "error"
    WARN = "warn"
    MANUAL = "manual"
    RUNNING = "running"
    PENDING = "pending"
    PASS = "pass"
    SKIP = "skip"

    @classmethod
    def of(cls, status: Status | str) -> Shown:
        return cls(str(status))

    @property
    def problem(self) -> bool:
        """Something the operator must deal with: it failed, could not be decided, warns, or waits."""
        return self in PROBLEMS

    @property
    def row_rank(self) -> int:
        """Where its row goes: problems first, then not yet run, then what is fine. A running check
        is ranked by its last result by whoever lists it (rows do not jump while they run)."""
        return ROW_ORDER.index(self) if self in ROW_ORDER else ROW_ORDER.index(Shown.PENDING)

    def glyph(self, ascii_only: bool = False) -> str:
        return _GLYPHS[self][1 if ascii_only else 0]


PROBLEMS = tuple(Shown(s) for s in CONCERN[:4])
# Rows: fail, error, warn, to confirm, not yet run, pass, skip.
ROW_ORDER = (*PROBLEMS, Shown.PENDING, *(Shown(s) for s in CONCERN[4:]))
# The worst of several (a component's status from its checks): running sits between what is known
# to be wrong and what waits for a person.
SEVERITY = (Shown.FAIL, Shown.ERROR, Shown.RUNNING, Shown.MANUAL, Shown.WARN, Shown.PENDING, Shown.PASS, Shown.SKIP)
_GLYPHS = {
    Shown.PASS: ("✓", "+"),
    Shown.FAIL: ("✗", "x"),
    Shown.WARN: ("!", "!"),
    Shown.ERROR: ("?", "?"),
    Shown.SKIP: ("–", "-"),
    Shown.MANUAL: ("◆", "*"),
    Shown.RUNNING: ("…", "~"),
    Shown.PENDING: ("·", "."),
}


def worst(statuses: Iterable[Shown]) -> Shown:
    found = list(statuses)
    return min(found, key=SEVERITY.index) if found else Shown.SKIP
