"""The component table: five things that must be ready before reprotect, each with its live status."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from checks.model import Component
from screens.base import NEXT_PROBLEM, KeyBar, WizardScreen, show_causes
from control.status import PROBLEMS as SHOWN_PROBLEMS
from control.status import ROW_ORDER, Shown, worst
from screens.marks import STYLES, mark

# Where the overview leads, besides the components: (screen id, key).
PLACES = (
    ("process-server", "d"),
    ("master-target", "t"),
    ("failback-vms", "v"),
    ("port-map", "p"),
    ("readiness", "g"),
    ("connect", "o"),
)


# Places a modernized vault has no use for: no process server or master target to prepare (its port
# map shows the appliance's links instead of the classic port table).
CLASSIC_PLACES = ("process-server", "master-target")


class OverviewScreen(WizardScreen):
    screen_id = "overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        NEXT_PROBLEM,
        Binding("1", "component(0)", "open-component", key_display="1-5", id="open-component"),
        Binding("d", "go('process-server')", "deploy-ps", id="deploy-ps"),
        Binding("t", "go('master-target')", "prepare-mt", id="prepare-mt"),
        Binding("v", "go('failback-vms')", "failback-vms", id="failback-vms"),
        Binding("p", "go('port-map')", "port-map", id="port-map"),
        Binding("g", "go('readiness')", "readiness", id="readiness"),
        Binding("o", "go('connect')", "connect", id="connect"),
        Binding("2", "component(1)", show=False, id="component-2"),
        Binding("3", "component(2)", show=False, id="component-3"),
        Binding("4", "component(3)", show=False, id="component-4"),
        Binding("5", "component(4)", show=False, id="component-5"),
    ]

    shown_components: tuple[Component, ...] = ()  # the rows on screen (the classic five, or the appliance's)
    places_disabled = False  # the classic procedures and the port map, not offered on a modernized vault

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On a modernized vault the classic procedures and the port map are not offered: their keys
        neither act nor show (Textual leaves a binding out when this says False)."""
        if action == "go" and parameters and parameters[0] in CLASSIC_PLACES and self.places_disabled:
            return False
        return True

    def intro_text(self) -> str:
        """What the table is, for this vault: a modernized one fails back through its appliance; a
        classic one is retired, yet its failed-over VMs must still come home through it."""
        architecture = self.control.architecture
        if architecture == "modernized":
            return self.t("overview.intro-modernized")
        if architecture == "classic":
            return self.t("overview.intro-classic")
        return self.t("overview.intro")

    def compose(self) -> ComposeResult:
        yield from self.header()
        yield Static(self.intro_text(), classes="intro", id="intro")
        yield Static(id="causes")
        yield DataTable(id="components", cursor_type="row", classes="panel")
        yield Static(self.legend(), id="legend")
        yield OptionList(
            *(Option(f"{key}  {self.t('screen.' + place)}", id=place) for place, key in PLACES),
            id="places", classes="panel",
        )
        yield from self.footer()

    def on_mount(self) -> None:
        table = self.query_one("#components", DataTable)
        table.add_column(self.t("col.component"), key="name", width=30)
        table.add_column(self.t("col.status"), key="status", width=12)
        table.add_column(self.t("col.counts"), key="counts")
        self.show_components()
        table.focus()

    def show_components(self) -> None:
        """The rows for this vault; rebuilt when the vault turns out to be the other architecture."""
        components = self.control.components()
        if components == self.shown_components:
            return
        self.shown_components = components
        table = self.query_one("#components", DataTable)
        table.clear()
        for index, component in enumerate(components, 1):
            table.add_row(f"{index} {self.control.texts.get('components', self.control.component_key(component))}",
                          "", "", key=str(component))
        self.query_one("#intro", Static).update(self.intro_text())
        # A modernized vault has no process server or master target to prepare, and no port table.
        modernized = self.control.architecture == "modernized"
        if modernized != self.places_disabled:
            self.places_disabled = modernized
            places = self.query_one("#places", OptionList)
            for place in CLASSIC_PLACES:
                (places.disable_option if modernized else places.enable_option)(place)
            self.refresh_bindings()  # the keys for them go, or come back
            self.query_one(KeyBar).refresh_keys()

    def check_ids(self) -> tuple[str, ...]:
        engine = self.control.engine
        return tuple(c.id for c in engine.checks) if engine else ()

    def place_checks(self, place: str) -> list[str]:
        """The checks a place of the list shows (the procedures, the VMs, the port map, connect)."""
        from screens.connect import CONNECT_CHECKS
        from screens.failback_vms import VM_CHECKS

        engine = self.control.engine
        if engine is None:
            return []
        found = {
            "process-server": [c.id for c in engine.of_component(Component.PROCESS_SERVER)],
            "master-target": [c.id for c in engine.of_component(Component.MASTER_TARGET)],
            "failback-vms": list(VM_CHECKS),
            "port-map": (["net.azure-outbound", "app.registered", "app.reprotect-agent"]
                         if self.control.architecture == "modernized" else ["net.ports", "ps.reachable"]),
            "connect": list(CONNECT_CHECKS.values()),
        }.get(place, [])
        return [i for i in found if i in engine.by_id]

    def place_status(self, place: str) -> Shown | None:
        if place in CLASSIC_PLACES and self.control.architecture == "modernized":
            return None  # not offered on this vault (disabled), so never a problem to go to
        ids = self.place_checks(place)
        statuses = [self.control.status(i) for i in ids]
        ports = self.control.result("net.ports")
        if place == "port-map" and ports is not None and ports.evidence.get("not_testable_here"):
            statuses.append(Shown.MANUAL)  # links the map shows as still to be tested where they start
        return worst(statuses) if statuses else None

    def refresh_places(self) -> None:
        """Each place with the worst status of its checks: a failed-over VM that is off shows here too."""
        places = self.query_one("#places", OptionList)
        for place, key in PLACES:
            status = self.place_status(place)
            prompt = Text(f"{key}  ")
            if status is not None:
                prompt.append_text(mark(self.control.texts, status))
                prompt.append("  ")
            prompt.append(self.t("screen." + place))
            places.replace_option_prompt(place, prompt)

    def refresh_results(self) -> None:
        table = self.query_one("#components", DataTable)
        engine = self.control.engine
        self.show_components()
        self.show_causes()
        if engine is not None:
            self.refresh_places()
        for component in self.shown_components:
            if engine is None:
                table.update_cell(str(component), "status", Text(self.t("loading"), style="dim"))
                continue
            statuses = [self.control.status(c.id) for c in self.control.of_component(component)]
            table.update_cell(str(component), "status", mark(self.control.texts, worst(statuses)))
            table.update_cell(str(component), "counts", self.counts(statuses), update_width=True)

    def show_causes(self) -> None:
        """A reason that holds up several checks (no password, vCenter down), said once at the top."""
        from checks.report import causes

        found = causes(self.control.shown_results(), self.control.texts)
        show_causes(self.query_one("#causes", Static), found, self.t, plain=self.plain)

    def legend(self) -> Text:
        """What the marks in the counts mean."""
        out = Text(self.t("legend") + " ", style="dim")
        for status in ROW_ORDER:
            if status == Shown.PENDING:
                continue
            out.append_text(mark(self.control.texts, status))
            out.append("  ")
        return out

    def counts(self, statuses: list[Shown]) -> Text:
        found = Counter(statuses)
        out = Text()
        for status in (*SHOWN_PROBLEMS, Shown.RUNNING, *ROW_ORDER[len(SHOWN_PROBLEMS) + 1:], Shown.PENDING):
            if found[status]:
                out.append(f"{status.glyph(self.plain)}{found[status]} ", style=STYLES[status])
        return out

    def action_next_problem(self) -> None:
        """The next component, then the next place, whose checks need the operator."""
        engine = self.control.engine
        table = self.query_one("#components", DataTable)
        places = self.query_one("#places", OptionList)
        if engine is None:
            return
        stops: list[tuple[str, int, Shown]] = [
            ("component", i, worst([self.control.status(c.id) for c in self.control.of_component(component)]))
            for i, component in enumerate(self.shown_components)]
        stops += [("place", i, self.place_status(place) or Shown.PASS) for i, (place, _) in enumerate(PLACES)]
        here = table.cursor_row if not places.has_focus else len(self.shown_components) + (places.highlighted or 0)
        for step in range(1, len(stops) + 1):
            kind, index, status = stops[(here + step) % len(stops)]
            if status.problem:
                if kind == "component":
                    table.focus()
                    table.move_cursor(row=index)
                else:
                    places.focus()
                    places.highlighted = index
                return
        self.notify(self.t("no-problems"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from screens.component import ComponentScreen

        self.app.push_screen(ComponentScreen(self.control, Component(str(event.row_key.value))))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_go(str(event.option.id))

    def action_go(self, place: str) -> None:
        from screens.registry import make

        screen = make(self.control, place, {})
        if place == "connect":
            from screens.connect import ConnectScreen

            screen = ConnectScreen(self.control, resumed=True)
        if screen is not None:
            self.app.push_screen(screen)

    def action_component(self, index: int) -> None:
        from screens.component import ComponentScreen

        if index < len(self.shown_components):
            self.app.push_screen(ComponentScreen(self.control, self.shown_components[index]))
