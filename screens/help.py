"""F1: what this screen is for and which keys it answers to."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.base import WizardDialog, described_bindings


class HelpScreen(WizardDialog):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "close", key_display="Esc"),
    ]

    def __init__(self, about: Screen[Any]) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        app: Any = self.app
        screen_id = getattr(self.about, "screen_id", "") or "dialog"
        text = Text()
        text.append(app.t("help.title") + "\n", style="bold")
        text.append(app.t("help." + screen_id) + "\n\n")
        text.append(app.t("help.keys") + "\n", style="bold")
        for active in described_bindings(self.about):
            binding = active.binding
            keys = binding.key_display if binding.key_display and "-" in binding.key_display else \
                ", ".join(k.strip() for k in binding.key.split(","))
            text.append(f"  {keys:<22}", style="cyan")
            text.append(f"{app.t('key.' + binding.description)}\n")
        text.append("\n" + app.t("help.general"))
        with Vertical(classes="dialog panel", id="help-dialog"):
            with VerticalScroll():
                yield Static(text)

