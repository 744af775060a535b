"""What every wizard screen shares: its place in the session, its checks, the common keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from tui.widgets import CheckDetail, CheckTable, describe, fix_from_button

if TYPE_CHECKING:
    from checks.model import Check
    from tui.app import WizardApp


class WizardScreen(Screen[None]):
    """A step of the wizard. `screen_id` and `place_args` are what resume brings back."""

    screen_id: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "back", key_display="Esc"),
        Binding("f5,a", "run_all", "run-all", key_display="F5/a"),
        Binding("s,f4", "stop", "stop", key_display="s", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.app.localize_bindings(self)  # type: ignore[attr-defined]

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def t(self, key: str, **params: object) -> str:
        return self.wizard.t(key, **params)

    def place_args(self) -> dict[str, str]:
        return {}

    def check_ids(self) -> tuple[str, ...]:
        """The checks this screen shows; re-run all and live re-checks run these."""
        return ()

    def refresh_results(self) -> None:
        """Show the session's latest results and answers."""

    def header(self) -> ComposeResult:
        yield Header(icon="*" if self.wizard.basic else "⭘")

    def footer(self) -> ComposeResult:
        yield Static(id="run-status")
        yield Footer()

    def subtitle(self) -> str:
        return self.t(f"screen.{self.screen_id}")

    # Textual calls on_mount of every class in the MRO: subclasses define their own, never super().
    def on_mount(self) -> None:
        self.title = self.t("title")
        self.sub_title = self.subtitle()

    def on_screen_resume(self) -> None:
        self.wizard.screen_opened(self)
        self.show_latest()

    def show_latest(self) -> None:
        """Results and the run line, now; a screen still composing shows them once it is ready."""
        try:
            self.refresh_results()
            self.update_run_status()
        except NoMatches:
            self.call_after_refresh(self.show_latest)

    def update_run_status(self) -> None:
        for widget in self.query("#run-status").results(Static):
            running = len(self.wizard.running)
            widget.update(Text(self.t("running", count=running), style="yellow") if running else "")
            widget.display = bool(running)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:  # the bottom screen is where the wizard began
            self.app.pop_screen()

    def action_run_all(self) -> None:
        self.wizard.request_checks(self.check_ids(), force=True)

    def action_stop(self) -> None:
        self.wizard.stop_checks()

    def action_help(self) -> None:
        self.wizard.action_help()


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
