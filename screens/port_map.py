"""The port map: who talks to whom on which port, each link coloured by what the probes found.

Every link starts on a machine other than this one, so none is proven here: a link whose far end
answers from this machine (net.ports) still waits to be tested where it starts, with the command to
run there; one whose far end does not answer here is shown failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from screens.base import NEXT_PROBLEM, WizardScreen
from checks.model import Said
from control.status import Shown
from screens.marks import STYLES


@dataclass(frozen=True)
class Link:
    key: str
    source: str  # node keys, named in [ui] "wizard.node.<key>"
    target: str
    port: str  # "https" | "data" | "vcenter" | "443"
    probe: str  # the key of the net.ports "tested" item that reaches the same far end, or ""
    manual: str  # the key of the net.ports "not_testable_here" item with the command to run
    check: str = ""  # modernized: the check whose answer is this link's (the link itself is not probed)


# The port table of the article, in its order.
LINKS = (
    Link("vm-cs", "azure-vm", "cs", "https", "here-cs", "vm-cs"),
    Link("vm-ps", "azure-vm", "ps", "data", "here-ps-data", "vm-ps-data"),
    Link("ps-cs", "ps", "cs", "https", "here-cs", "ps-cs"),
    Link("ps-mt", "ps", "mt", "data", "", "ps-mt-data"),
    Link("cs-vc", "cs", "vcenter", "vcenter", "here-vcenter", "cs-vcenter"),
    Link("cs-azure", "cs", "azure", "443", "", "cs-azure"),
    Link("ps-azure", "ps", "azure", "443", "", "ps-azure"),
)

# A modernized failback's links: no VPN or ExpressRoute, no process server or master target, and no
# port beyond those of the forward replication. The Azure VMs reach Site Recovery on 443 (outbound, over
# the internet or private endpoints); the appliance reaches Azure and vCenter. Each shows the check that
# answers for it.
MODERNIZED_LINKS = (
    Link("vm-asr", "azure-vm", "azure", "443", "", "", check="net.azure-outbound"),
    Link("app-azure", "appliance", "azure", "443", "", "", check="app.registered"),
    Link("app-vc", "appliance", "vcenter", "vcenter", "", "", check="app.reprotect-agent"),
)

# net.ports evidence recorded before its items carried a key (a resumed older session) names links
# only by their labels: the key each of those labels stood for.
LEGACY_LABELS = {
    "here -> configuration server": "here-cs",
    "here -> process server (https)": "here-ps-https",
    "here -> process server (data)": "here-ps-data",
    "here -> vCenter": "here-vcenter",
    "Azure VM -> configuration server": "vm-cs",
    "Azure VM -> process server (data)": "vm-ps-data",
    "process server -> configuration server": "ps-cs",
    "process server -> master target (data)": "ps-mt-data",
    "configuration server -> vCenter": "cs-vcenter",
    "configuration server -> Azure (outbound)": "cs-azure",
    "process server -> Azure (outbound)": "ps-azure",
}


def by_key(items: Any) -> dict[str, Mapping[str, Any]]:
    """The evidence items of one net.ports list, by their machine key."""
    found: dict[str, Mapping[str, Any]] = {}
    for item in items or ():
        if isinstance(item, Mapping):
            key = item.get("key") or LEGACY_LABELS.get(str(item.get("link")))
            if key:
                found.setdefault(str(key), item)
    return found


class PortMapScreen(WizardScreen):
    screen_id = "port-map"
    BINDINGS: ClassVar[list[BindingType]] = [
        NEXT_PROBLEM,
        Binding("c,f6", "copy", "copy-command", key_display="c", id="copy-command"),
        Binding("i", "probe_inside", "probe-inside", key_display="i", id="probe-inside"),
    ]

    def action_probe_inside(self) -> None:
        """i: test the links that start in Azure from inside the VMs (Run Command): the exact script and
        the VMs are shown, and nothing is sent until the operator applies it."""
        from screens.fix import FixScreen

        fix = self.control.fixes.get("net.probe-inside")
        if fix is not None:
            self.app.push_screen(FixScreen(self.control, fix))

    @property
    def links(self) -> tuple[Link, ...]:
        return MODERNIZED_LINKS if self.control.architecture == "modernized" else LINKS

    def compose(self) -> ComposeResult:
        yield from self.header()
        modernized = self.control.architecture == "modernized"
        yield Static(self.t("ports.intro-modernized" if modernized else "ports.intro"), classes="intro")
        yield DataTable(id="links", cursor_type="row", classes="panel")
        yield Static(id="link-detail", classes="detail panel")
        yield from self.footer()

    def on_mount(self) -> None:
        table = self.query_one("#links", DataTable)
        table.add_column(self.t("ports.from"), key="from", width=15)
        table.add_column("", key="arrow", width=10)
        table.add_column(self.t("ports.to"), key="to", width=15)
        table.add_column(self.t("col.status"), key="status")
        for link in self.links:
            table.add_row(self.t("node." + link.source), "", self.t("node." + link.target), "", key=link.key)
        table.focus()

    def check_ids(self) -> tuple[str, ...]:
        engine = self.control.engine
        ids = [link.check for link in self.links if link.check] if self.control.architecture == "modernized" \
            else ["net.ports", "ps.reachable"]
        return tuple(i for i in ids if engine and i in engine.by_id)

    def port(self, link: Link) -> str:
        net = self.control.settings.network
        vc = self.control.settings.vcenter
        return {"https": str(net.https_port), "data": str(net.data_port),
                "vcenter": str(vc.port if vc else 443)}.get(link.port, link.port)

    def evidence(self) -> Mapping[str, Any]:
        result = self.control.result("net.ports")
        return result.evidence if result is not None else {}

    def link_state(self, link: Link) -> tuple[Shown, str]:
        """(status, words) for one link."""
        if link.check:
            status = self.control.status(link.check)
            result = self.control.result(link.check)
            words = self.control.texts.summary(result) if result is not None else self.t("status.pending")
            return status, words
        if "net.ports" in self.control.runs.running:
            return Shown.RUNNING, self.t("status.running")
        evidence = self.evidence()
        probe = by_key(evidence.get("tested")).get(link.probe) if link.probe else None
        if not evidence:
            return Shown.PENDING, self.t("status.pending")
        inside = self.inside(link)
        if inside is not None:
            # Tested where it starts, inside the VMs (Run Command): a closed link fails, naming where from;
            # one every VM found open passes; one some VM could not test stays to test there.
            if inside.get("closed_from"):
                return Shown.FAIL, self.t("ports.closed-inside", vms=", ".join(inside["closed_from"]))
            if not inside.get("untested"):
                return Shown.PASS, self.t("ports.open-inside", vms=", ".join(inside.get("open_from", ())))
        if probe is not None:
            # No link here starts on this host: a far end that answers here proves only that it is up
            # (still to be tested where the link starts); one that does not answer here is down or walled off.
            result = self.control.texts.value(probe.get("result", ""))
            return (Shown.MANUAL, self.t("ports.answers", result=result)) if probe.get("answered") else \
                (Shown.FAIL, self.t("ports.no-answer", result=result))
        return Shown.MANUAL, self.t("ports.test-there", where=self.t("node." + link.source))

    def inside(self, link: Link) -> Mapping[str, Any] | None:
        """What the last probe inside the VMs found for this link (net.ports evidence), or None."""
        evidence = self.evidence()
        tested = by_key(evidence.get("tested_inside")).get(link.manual)
        if tested is not None:
            return tested
        item = by_key(evidence.get("not_testable_here")).get(link.manual)
        found = item.get("inside") if item else None
        return found if isinstance(found, Mapping) else None

    def refresh_results(self) -> None:
        table = self.query_one("#links", DataTable)
        for link in self.links:
            status, words = self.link_state(link)
            style = STYLES[status]
            line, head = ("-", ">") if self.plain else ("─", "▶")
            table.update_cell(link.key, "arrow", Text(f"{line * 2}{self.port(link)}{line * 2}{head}", style=style))
            table.update_cell(link.key, "status", Text(f"{status.glyph(self.plain)} {words}", style=style),
                              update_width=True)
        self.show_detail()

    def selected(self) -> Link | None:
        table = self.query_one("#links", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((link for link in self.links if link.key == key), None)

    def command(self, link: Link) -> Mapping[str, Any]:
        """The command that tests the link where it starts: net.ports names it for the classic links (a
        modernized link is answered by its check)."""
        if link.check:
            return {}
        return by_key(self.evidence().get("not_testable_here")).get(link.manual, {})

    def show_detail(self) -> None:
        link = self.selected()
        detail = self.query_one("#link-detail", Static)
        if link is None:
            detail.update("")
            return
        text = Text()
        text.append(self.t("ports.link", source=self.t("node." + link.source), target=self.t("node." + link.target),
                           port=self.port(link)) + "\n", style="bold")
        text.append(self.t("ports.about." + link.key) + "\n")
        probe = by_key(self.evidence().get("tested")).get(link.probe) if link.probe else None
        if probe is not None:
            result = self.control.texts.value(probe.get("result", ""))
            key = "ports.from-here" if probe.get("answered") else "ports.from-here-not"
            text.append(self.t(key, result=result) + "\n", style="bold" if probe.get("answered") else "bold red")
        inside = self.inside(link)
        if inside is not None:
            if inside.get("open_from"):
                text.append(self.t("ports.open-inside", vms=", ".join(inside["open_from"])) + "\n", style="bold")
            if inside.get("closed_from"):
                text.append(self.t("ports.closed-inside", vms=", ".join(inside["closed_from"])) + "\n", style="bold red")
            for untested in inside.get("untested", ()):
                cause = self.control.texts.say(Said(f"probe-causes:{untested.get('cause')}"))
                text.append(self.t("ports.untested-inside", vm=untested.get("vm") or "-", cause=cause) + "\n")
        if link.check:
            text.append(f"{link.check}: {self.link_state(link)[1]}\n", style="bold")
        command = self.command(link)
        if command:
            text.append(self.t("ports.run-on", where=self.t("node." + link.source)) + "\n", style="cyan")
            text.append(f"  Windows: {command.get('windows', '')}\n" +
                        (f"  Linux:   {command['linux']}\n" if command.get("linux") else ""))
        detail.update(text)

    def action_next_problem(self) -> None:
        """The next link that does not answer or waits to be tested where it starts."""
        table = self.query_one("#links", DataTable)
        links = self.links
        for step in range(1, len(links) + 1):
            index = (table.cursor_row + step) % len(links)
            if self.link_state(links[index])[0] in (Shown.FAIL, Shown.MANUAL):
                table.move_cursor(row=index)
                return
        self.notify(self.t("no-problems"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def action_copy(self) -> None:
        link = self.selected()
        if link is None:
            return
        command = self.command(link)
        if command:
            self.copy("\n".join(c for c in (command.get("windows"), command.get("linux")) if c))
