"""Prepare the master target: ten steps."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from checks.model import Component
from screens.steps import StepsScreen


class MasterTargetScreen(StepsScreen):
    screen_id = "master-target"
    component = Component.MASTER_TARGET
    prefix = "mt"
    count = 10

    def intro(self) -> ComposeResult:
        site = self.control.settings.site
        yield Static(self.t("mt.intro", master_target=site.master_target or "-"), classes="intro")
