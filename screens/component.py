"""One component of the table: its checks, what they found, their remedies and fix-its."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Static

from checks.model import Component
from checks.spec import Check
from screens.table import ChecksScreen

if TYPE_CHECKING:
    from control.controller import Controller


class ComponentScreen(ChecksScreen):
    screen_id = "component"

    def __init__(self, control: Controller, component: Component) -> None:
        super().__init__(control)
        self.component = component

    def place_args(self) -> dict[str, str]:
        return {"component": str(self.component)}

    def subtitle(self) -> str:
        return self.control.texts.get("components", self.control.component_key(self.component))

    def intro(self) -> ComposeResult:
        yield Static(self.control.texts.get("components", f"{self.control.component_key(self.component)}.about"),
                     classes="intro")

    def checks(self) -> list[Check]:
        engine = self.control.engine
        return self.control.of_component(self.component) if engine else []
