"""The screens that are a table of checks with the highlighted one explained below it.

Apart from WizardScreen so that the first screen does not load the table widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, DataTable, Static

from control.status import Shown
from screens.base import NEXT_PROBLEM, WizardScreen, answer_line, show_causes
from screens.widgets import CheckDetail, CheckTable, Row, describe

if TYPE_CHECKING:
    from checks.spec import Check


class ChecksScreen(WizardScreen):
    """A table of checks with the highlighted one explained below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        NEXT_PROBLEM,
        Binding("r", "run_one", "run-one", key_display="r", id="run-one"),
        Binding("x,f8", "fix", "fix", key_display="x", id="fix"),
        Binding("m", "answer", "answer", key_display="m", id="answer"),
        Binding("c,f6", "copy", "copy-remedy", key_display="c", id="copy-remedy"),
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
        yield Static(id="causes")
        yield CheckTable(self.control.texts, id="checks")
        yield CheckDetail(id="detail")
        yield from self.footer()

    def order(self, checks: list[Check]) -> list[Check]:
        """Problems first (fail, error, warn, to confirm), those a fix-it can mend first among them;
        a check being re-run keeps the place of its last result, so rows do not jump while running."""
        position = {c.id: i for i, c in enumerate(checks)}

        def key(check: Check) -> tuple[int, bool, int]:
            return self.control.settled(check.id).row_rank, not self.fixes_now(check), position[check.id]

        return sorted(checks, key=key)

    def found_causes(self) -> list[dict[str, Any]]:
        """The reasons shared by several checks of this screen that could not run (report.causes)."""
        from checks.report import causes

        results = self.control.results
        return causes([results[c.id] for c in self.checks() if c.id in results], self.control.texts)

    def summary(self, check_id: str, cause_of: Mapping[str, int]) -> str:
        result = self.control.result(check_id)
        if result is None:
            return ""
        if check_id in cause_of:
            return self.t("see-cause", number=cause_of[check_id])
        return self.control.texts.summary(result)

    def rows(self, cause_of: Mapping[str, int]) -> list[Row]:
        texts = self.control.texts
        return [(check.id, self.control.status(check.id), texts.check_title(check.id), self.summary(check.id, cause_of))
                for check in self.order(self.checks())]

    def is_target(self, key: str) -> bool:
        """A row the cursor may jump to: a check, or a step only the operator can answer."""
        return True

    def action_next_problem(self) -> None:
        table = self.query_one(CheckTable)
        table.touched = True
        if not table.next_problem(self.is_target):
            self.notify(self.t("no-problems"))

    placed = False  # the cursor was put where it starts once the results were first shown
    # Until the operator moves the cursor (or a resume put it back on its row), results that come in
    # later put it on the first problem again: a check that fails late goes to the top, and so does the cursor.
    follow_first_problem = True

    def refresh_results(self) -> None:
        if self.control.engine is None:
            return
        table = self.query_one(CheckTable)
        found = self.found_causes()
        table.show(self.rows({cid: n for n, cause in enumerate(found, 1) for cid in cause["checks"]}))
        show_causes(self.query_one("#causes", Static), found, self.t, plain=self.plain)
        if not self.placed and self.control.results:
            self.placed = True
            rows = [str(k.value) for k in table.rows]
            if self.restore_row in rows:
                table.move_cursor(row=rows.index(self.restore_row))
                self.follow_first_problem = False
            else:
                table.next_problem(self.is_target, from_top=True)
        elif self.follow_first_problem and not table.touched:
            table.next_problem(self.is_target, from_top=True)
        self.show_detail()

    def selected_check(self) -> Check | None:
        engine = self.control.engine
        if engine is None:
            return None
        key = self.query_one(CheckTable).selected
        return engine.by_id.get(key) if key else None

    def show_detail(self) -> None:
        check = self.selected_check()
        detail = self.query_one(CheckDetail)
        if check is None:
            detail.show(Text(self.t("detail.none")), [])
            return
        status = self.control.status(check.id)
        texts = self.control.texts
        fixes = [(fid, texts.fix_title(fid)) for fid in self.fixes_now(check)] if status != Shown.RUNNING else []
        detail.show(describe(self.control, check, status, self.answer_line), fixes)

    def fixes_now(self, check: Check) -> list[str]:
        """The fix-its that mend what the check found last, that this wizard can run."""
        from checks.spec import fixes_for

        engine = self.control.engine
        return [f for f in fixes_for(check, self.control.result(check.id)) if engine is not None and f in engine.fixes]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()
        if self.placed:
            self.remember_row()

    def current_row(self) -> str | None:
        tables = self.query(CheckTable)
        return tables.first().selected if tables else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("fix") and event.button.name:
            event.stop()
            self.open_fix(event.button.name)

    def action_run_one(self) -> None:
        check = self.selected_check()
        if check is not None:
            self.control.runs.request([check.id], force=True)

    def action_fix(self) -> None:
        check = self.selected_check()
        if check is None:
            return
        engine = self.control.engine
        fixes = self.fixes_now(check) or [f for f in check.fixes if engine is not None and f in engine.fixes]
        if not fixes:
            self.notify(self.t("fix.none"), severity="information")
            return
        self.open_fix(fixes[0])

    def action_answer(self) -> None:
        """m: confirm, skip or note a step only the operator can answer."""
        check = self.selected_check()
        if check is None:
            return
        if check.manual:
            self.open_answer(check.id)
        else:
            self.notify(self.t("answer.not-manual"), severity="information")

    def action_open(self) -> None:
        """Enter on a row: a step to confirm opens its answer, a finding a fix-it mends opens the fix-it."""
        check = self.selected_check()
        if check is None or check.manual:
            self.action_answer()  # a step of a procedure (screens listing those answer it) or a manual check
        elif self.fixes_now(check):
            self.action_fix()

    def action_copy(self) -> None:
        check = self.selected_check()
        if check is None:
            return
        result = self.control.result(check.id)
        texts = self.control.texts
        self.copy((texts.remedy(result) if result is not None else "") or texts.check_remedy(check.id))

    # -- the dialogs a row opens -------------------------------------------------------------

    def open_fix(self, fix_id: str) -> None:
        from screens.fix import FixScreen

        fix = self.control.fixes.get(fix_id)
        if fix is not None:
            self.app.push_screen(FixScreen(self.control, fix))

    def open_answer(self, step: str) -> None:
        from screens.answer import AnswerScreen

        self.app.push_screen(AnswerScreen(self.control, step))

    def answer_line(self, step: str) -> str | None:
        return answer_line(self.control, step)
