"""Screens by id: how the wizard starts, and how a resumed session gets back to its screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from screens.base import WizardScreen

if TYPE_CHECKING:
    from control.controller import Controller


def make(control: Controller, screen_id: str, args: Mapping[str, str]) -> WizardScreen | None:
    from checks.model import Component
    from screens.component import ComponentScreen
    from screens.connect import ConnectScreen
    from screens.failback_vms import FailbackVMsScreen
    from screens.master_target import MasterTargetScreen
    from screens.overview import OverviewScreen
    from screens.port_map import PortMapScreen
    from screens.process_server import ProcessServerScreen
    from screens.readiness import ReadinessScreen

    if screen_id == "component":
        try:
            return ComponentScreen(control, Component(args.get("component", "")))
        except ValueError:
            return None
    simple: dict[str, type[WizardScreen]] = {
        "connect": ConnectScreen,
        "overview": OverviewScreen,
        "port-map": PortMapScreen,
        "process-server": ProcessServerScreen,
        "master-target": MasterTargetScreen,
        "failback-vms": FailbackVMsScreen,
        "readiness": ReadinessScreen,
    }
    cls = simple.get(screen_id)
    return cls(control) if cls else None


def first_screens(control: Controller) -> list[WizardScreen]:
    """A new session starts at connect; a resumed one at the overview with its last screen on top."""
    place = control.place
    if not control.resumed or place is None or place.screen == "connect":
        from screens.connect import ConnectScreen

        return [ConnectScreen(control)]
    from screens.overview import OverviewScreen

    stack: list[WizardScreen] = [OverviewScreen(control)]
    if place.screen != "overview":
        last = make(control, place.screen, place.args)
        if last is not None:
            stack.append(last)
    stack[-1].restore_row = place.args.get("row")
    return stack
