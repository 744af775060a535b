"""Ready for reprotect? What still blocks it, in the order to deal with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from checks.model import Component
from checks.spec import Check
from control.status import Shown
from screens.table import ChecksScreen
from screens.widgets import CheckDetail, CheckTable, Row

# Not ready while any of these stands: a problem that blocks, or a check still running or not yet run.
BLOCKING = (Shown.FAIL, Shown.ERROR, Shown.MANUAL, Shown.RUNNING, Shown.PENDING)
PROCEDURES = (("ps", Component.PROCESS_SERVER, 3), ("mt", Component.MASTER_TARGET, 10))


class ReadinessScreen(ChecksScreen):
    screen_id = "readiness"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "fix_all", "fix-all", key_display="f", id="fix-all"),
        Binding("R", "reprotect", "reprotect", key_display="R", id="reprotect"),
    ]

    def action_reprotect(self) -> None:
        """R: start the reprotect of the failback VMs (refused, with the failing checks, while any fails)."""
        from screens.reprotect import ReprotectScreen

        if self.control.engine is not None:
            self.app.push_screen(ReprotectScreen(self.control))

    def action_fix_all(self) -> None:
        """f: every fix-it the checks call for, in one plan, with one confirmation."""
        from screens.fix_all import FixAllScreen

        if self.control.engine is not None and not self.control.fix_all.busy:
            self.app.push_screen(FixAllScreen(self.control))

    def intro(self) -> ComposeResult:
        yield Static(id="verdict", classes="intro")

    def check_ids(self) -> tuple[str, ...]:
        engine = self.control.engine
        return tuple(c.id for c in engine.checks) if engine else ()

    def checks(self) -> list[Check]:
        """What blocks reprotect, and what leaves it unconfirmed (a check that could not look)."""
        from checks.report import readiness

        engine = self.control.engine
        if engine is None:
            return []
        results = self.control.results
        unconfirmed = set(readiness([results[c.id] for c in engine.checks if c.id in results]).unconfirmed)
        return [c for c in engine.checks if self.control.status(c.id) in BLOCKING or c.id in unconfirmed]

    def open_steps(self) -> list[str]:
        """Procedure steps that no check covers and the operator has not answered yet."""
        engine = self.control.engine
        if engine is None or self.control.architecture == "modernized":  # the classic procedures' steps
            return []
        return [f"{prefix}.step-{n}" for prefix, component, count in PROCEDURES for n in range(1, count + 1)
                if not engine.of_step(component, n) and self.control.answers.answer_of(f"{prefix}.step-{n}") is None]

    def rows(self, cause_of: Mapping[str, int]) -> list[Row]:
        rows = super().rows(cause_of)
        rows += [(key, Shown.MANUAL, self.control.texts.get("steps", key), self.t("steps.confirm-hint"))
                 for key in self.open_steps()]
        return rows

    def refresh_results(self) -> None:
        super().refresh_results()
        engine = self.control.engine
        if engine is None:
            return
        from checks.report import readiness

        results = self.control.results
        state = readiness([results[c.id] for c in engine.checks if c.id in results])
        shown = self.query_one(CheckTable).statuses  # the table just shown: blockers, the unconfirmed, open steps
        blockers = sum(1 for status in shown.values() if status in BLOCKING)
        verdict = self.query_one("#verdict", Static)
        session = self.control.session_id
        if blockers:
            text = Text(self.t("ready.blocked", count=blockers, warnings=state.warnings), style="bold red")
        elif state.unconfirmed:
            text = Text(self.t("ready.unconfirmed", count=len(state.unconfirmed), warnings=state.warnings),
                        style="bold yellow")
        else:
            text = Text(self.t("ready.ok", warnings=state.warnings), style="bold green")
        text.append("\n" + self.t("ready.export", session=session), style="dim")
        verdict.update(text)

    def show_detail(self) -> None:
        key = self.query_one(CheckTable).selected
        if key and ".step-" in key:
            texts = self.control.texts
            text = Text(texts.get("steps", key) + "\n", style="bold")
            text.append(texts.get("steps", key + ".about") + "\n")
            text.append(self.t("steps.manual-hint"), style="cyan")
            self.query_one(CheckDetail).show(text, [])
            return
        super().show_detail()

    def action_answer(self) -> None:
        key = self.query_one(CheckTable).selected
        if key and ".step-" in key:
            self.open_answer(key)
            return
        super().action_answer()
