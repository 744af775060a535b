"""The screens that are a table of checks with the highlighted one explained below it.

Apart from WizardScreen so that the first screen does not load the table widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, DataTable

from screens.base import WizardScreen
from tui.widgets import CheckDetail, CheckTable, describe, fix_from_button

if TYPE_CHECKING:
    from checks.spec import Check


class ChecksScreen(WizardScreen):
    """A table of checks with the highlighted one explained below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_one", "run-one", key_display="r"),
        Binding("x,f8", "fix", "fix", key_display="x"),
        Binding("m", "answer", "answer", key_display="m", show=False),
        Binding("c,f6", "copy", "copy-remedy", key_display="c"),
    ]

    def checks(self) -> list[Check]:
        return []

    def check_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.checks())

    def intro(self) -> ComposeResult:
        return iter(())

    def compose(self) -> ComposeResult:
        yield from self.header()
        yield from self.intro()
        yield CheckTable(id="checks")
        yield CheckDetail(id="detail")
        yield from self.footer()

    def rows(self) -> list[tuple[str, str, str, str]]:
        app = self.wizard
        out = []
        for check in self.checks():
            status = app.status(check.id)
            result = app.session.state.results.get(check.id)
            summary = app.texts.summary(result) if result is not None and status != "running" else ""
            out.append((check.id, status, app.texts.check_title(check.id), summary))
        return out

    def refresh_results(self) -> None:
        if self.wizard.engine is None:
            return
        table = self.query_one(CheckTable)
        table.show(self.rows())
        self.show_detail()

    def selected_check(self) -> Check | None:
        if self.wizard.engine is None:
            return None
        key = self.query_one(CheckTable).selected
        return self.wizard.engine.by_id.get(key) if key else None

    def show_detail(self) -> None:
        check = self.selected_check()
        detail = self.query_one(CheckDetail)
        if check is None:
            detail.show(Text(self.t("detail.none")), [])
            return
        status = self.wizard.status(check.id)
        fixes = []
        if status in ("fail", "warn"):
            fixes = [(fid, self.wizard.texts.fix_title(fid)) for fid in check.fixes if fid in self.wizard.engine.fixes]
        detail.show(describe(self.wizard, check, status, self.wizard.answer_line), fixes)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_answer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("fix-"):
            event.stop()
            self.wizard.open_fix(fix_from_button(event.button.id))

    def action_run_one(self) -> None:
        check = self.selected_check()
        if check is not None:
            self.wizard.request_checks([check.id], force=True)

    def action_fix(self) -> None:
        check = self.selected_check()
        if check is None:
            return
        fixes = [f for f in check.fixes if self.wizard.engine and f in self.wizard.engine.fixes]
        if not fixes:
            self.notify(self.t("fix.none"), severity="information")
            return
        self.wizard.open_fix(fixes[0])

    def action_answer(self) -> None:
        check = self.selected_check()
        if check is None:
            return
        if check.manual:
            self.wizard.open_answer(check.id)
        elif check.fixes and self.wizard.status(check.id) in ("fail", "warn"):
            self.action_fix()

    def action_copy(self) -> None:
        check = self.selected_check()
        if check is not None:
            self.wizard.copy_text(self.wizard.texts.check_remedy(check.id))
