"""Widgets the table screens share: the table of checks and the panel under it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Static

from checks.model import Status
from checks.spec import Check
from checks.texts import Texts
from control.status import Shown
from screens.marks import mark, symbol

if TYPE_CHECKING:
    from control.controller import Controller

Row = tuple[str, Shown, str, str]  # key (a check id or a step's), status, title, what it found


class CheckTable(DataTable[Text | str]):
    """One row per check: status, title, summary. Row keys are check ids."""

    DEFAULT_CLASSES = "checks"
    statuses: dict[str, Shown] = {}
    touched = False  # the operator has moved the cursor (keys or mouse)

    def __init__(self, texts: Texts, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.texts = texts

    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end"):
            self.touched = True

    def on_click(self, event: events.Click) -> None:
        self.touched = True

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = False
        # The mark alone: the panel below spells the status out; the width goes to the words.
        self.add_column("", key="status", width=1)
        self.add_column(self.texts.ui("wizard.col.check"), key="title", width=34)
        self.add_column(self.texts.ui("wizard.col.summary"), key="summary")

    def show(self, rows: Iterable[Row]) -> None:
        """(key, status, title, summary) rows; updates in place so the cursor stays put.

        When the order changes (a problem was fixed and moved down), the cursor stays on its row if
        that row is still a problem, else where it was: on the next problem in the list.
        """
        rows = list(rows)
        keys = [r[0] for r in rows]
        current = [str(k.value) for k in self.rows]
        self.statuses = {key: status for key, status, _, _ in rows}
        if current != keys:
            selected, cursor = self.selected, self.cursor_row
            self.clear()
            for key, status, title, summary in rows:
                self.add_row(symbol(self.texts, status), title, summary, key=key)
            if rows:
                # A row being re-run keeps its place (rows are ordered by their last result): it stays.
                now = self.statuses.get(selected or "")
                still = selected in keys and now is not None and (now.problem or now == Shown.RUNNING)
                self.move_cursor(row=keys.index(selected) if still and selected else min(cursor, len(rows) - 1))
            return
        for key, status, title, summary in rows:
            self.update_cell(key, "status", symbol(self.texts, status))
            self.update_cell(key, "title", title)
            self.update_cell(key, "summary", summary)

    def next_problem(self, targets: Callable[[str], bool] = lambda key: True, from_top: bool = False) -> bool:
        """Move the cursor to the next problem row after it (round to the top), or to the first one
        (`from_top`); False when there is none."""
        keys = [str(k.value) for k in self.rows]
        if not keys:
            return False
        start = -1 if from_top else self.cursor_row
        for step in range(1, len(keys) + 1):
            index = (start + step) % len(keys)
            status = self.statuses.get(keys[index])
            if status is not None and status.problem and targets(keys[index]):
                self.move_cursor(row=index)
                return True
        return False

    @property
    def selected(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # the table was cleared between the event and now
            return None


class CheckDetail(VerticalScroll):
    """What the highlighted check found, what to do about it, and its fix-it buttons."""

    DEFAULT_CLASSES = "detail panel"
    fixes_shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="detail-text")
        yield Horizontal(id="detail-fixes")

    def show(self, text: Text, fixes: Sequence[tuple[str, str]]) -> None:
        self.query_one("#detail-text", Static).update(text)
        box = self.query_one("#detail-fixes", Horizontal)
        # The fix id is the button's name, not its id: moving fast through the rows mounts the next
        # buttons before the last ones are gone, and ids would then collide.
        wanted = [fid for fid, _ in fixes]
        if self.fixes_shown != wanted:
            self.fixes_shown = wanted
            box.remove_children()
            box.mount_all(Button(title, name=fid, classes="fix", variant="warning", compact=True)
                          for fid, title in fixes)
        box.display = bool(fixes)


def describe(control: Controller, check: Check, status: Shown, answer_line: Callable[[str], str | None]) -> Text:
    """The detail text of one check in the operator's language."""
    texts = control.texts
    result = control.result(check.id)
    out = Text()
    out.append(texts.check_title(check.id), style="bold")
    out.append("  ")
    out.append_text(mark(texts, status))
    out.append(f"  {check.id}\n", style="dim")
    if result is not None and status != Shown.RUNNING:
        out.append(texts.summary(result) + "\n")
        reason = texts.reason(result)
        if reason and result.status in (Status.ERROR, Status.SKIP) and reason not in texts.summary(result):
            out.append(reason + "\n", style="dim")
    elif status == Shown.RUNNING:
        out.append(texts.ui("wizard.detail.running") + "\n", style="yellow")
        if result is not None:  # the last answer stays in sight until the new one comes
            out.append(texts.ui("wizard.detail.last") + " ", style="bold")
            out.append_text(mark(texts, Shown.of(result.status)))
            out.append("  " + texts.summary(result) + "\n")
    else:
        out.append(texts.ui("wizard.detail.pending") + "\n", style="dim")
    if result is not None and status.problem:
        remedy = texts.remedy(result)
        if remedy:
            out.append(texts.ui("wizard.detail.remedy") + " ", style="bold")
            out.append(remedy + "\n")
    line = answer_line(check.id)
    if line:
        out.append(line + "\n", style="cyan")
    return out
