"""Deploy the process server in Azure: three steps."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from checks.model import Component
from screens.steps import StepsScreen


class ProcessServerScreen(StepsScreen):
    screen_id = "process-server"
    component = Component.PROCESS_SERVER
    prefix = "ps"
    count = 3

    def intro(self) -> ComposeResult:
        yield Static(self.t("ps.intro"), classes="intro")
