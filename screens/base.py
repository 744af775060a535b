"""What every wizard screen shares: its place in the session, its checks, the common keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Static

if TYPE_CHECKING:
    from tui.app import WizardApp


class WizardScreen(Screen[None]):
    """A step of the wizard. `screen_id` and `place_args` are what resume brings back."""

    screen_id: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "back", key_display="Esc"),
        Binding("f5,a", "run_all", "run-all", key_display="F5"),
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


def described_bindings(screen: Screen[Any]) -> Iterator[ActiveBinding]:
    """The keys a screen answers to that say what they do, once per action (help and the palette list these)."""
    seen = set()
    for active in screen.active_bindings.values():
        if active.binding.description and active.binding.action not in seen:
            seen.add(active.binding.action)
            yield active


class WizardDialog(ModalScreen[None]):
    """A dialog over a wizard screen (an answer, a fix-it, help): Esc closes it, and its keys and
    sentences come from the texts in the session's language."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", key_display="Esc"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.app.localize_bindings(self)  # type: ignore[attr-defined]

    def t(self, key: str, **params: object) -> str:
        return self.app.t(key, **params)  # type: ignore[attr-defined,no-any-return]

    def action_close(self) -> None:
        self.dismiss()
