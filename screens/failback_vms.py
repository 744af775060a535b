"""The VMs coming home: failed over and ready for reprotect, and where each one will land."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from checks.spec import Check
from screens.table import ChecksScreen

# Original location needs the VM's datastores on the master target's host; alternate
# location needs room for new VMs there. The check that does not apply says so (skip).
VM_CHECKS = ("vm.failed-over", "vm.original-location", "mt.datastore-access", "mt.host-capacity")


class FailbackVMsScreen(ChecksScreen):
    screen_id = "failback-vms"

    def intro(self) -> ComposeResult:
        site = self.control.settings.site
        vms = ", ".join(site.failback_vms) or "-"
        yield Static(self.t("vms.intro", vms=vms, recovery=self.t(f"vms.{site.recovery}"),
                            master_target=site.master_target or "-"), classes="intro")

    def checks(self) -> list[Check]:
        engine = self.control.engine
        if engine is None:
            return []
        return engine.ordered(VM_CHECKS)
