"""F1: what this screen is for and which keys it answers to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.base import WizardDialog, WizardScreen, described_bindings, key_name

if TYPE_CHECKING:
    from control.controller import Controller


class HelpScreen(WizardDialog, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "close", key_display="Esc", id="close-help"),
        Binding("down", "scroll_help(1)", "scroll", key_display="Up/Down", id="scroll-down"),
        Binding("up", "scroll_help(-1)", "scroll", show=False, id="scroll-up"),
        Binding("pagedown,space", "scroll_help(10)", "scroll", show=False, id="scroll-page-down"),
        Binding("pageup", "scroll_help(-10)", "scroll", show=False, id="scroll-page-up"),
    ]

    def __init__(self, control: Controller, about: Screen[Any]) -> None:
        super().__init__(control)
        self.about = about

    def compose(self) -> ComposeResult:
        about = self.about
        screen_id = about.screen_id if isinstance(about, WizardScreen) and about.screen_id else "dialog"
        text = Text()
        text.append(self.t("help.title") + "\n", style="bold")
        text.append(self.t("help." + screen_id) + "\n\n")
        text.append(self.t("help.keys") + "\n", style="bold")
        for active in described_bindings(about, self.control.texts):
            binding = active.binding
            keys = [key_name(a.binding.key) for a in self.about.active_bindings.values()
                    if a.binding.action == binding.action]
            shown = binding.key_display or keys[0]
            aliases = [k for k in keys if k.lower() != shown.lower()]
            label = shown + (f" ({', '.join(aliases)})" if aliases and "-" not in shown else "")
            text.append(f"  {label:<16}", style="bold" if self.plain else "bold cyan")
            text.append(f"{self.t('key-long.' + binding.description)}\n")
        text.append("\n" + self.t("help.general"))
        with Vertical(classes="dialog panel", id="help-dialog"):
            with VerticalScroll():
                yield Static(text)
        yield from self.key_bar()

    def action_scroll_help(self, lines: int) -> None:
        self.query_one("#help-dialog VerticalScroll", VerticalScroll).scroll_relative(y=lines, animate=False)

