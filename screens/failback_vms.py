"""The VMs coming home: failed over and ready for reprotect, and where each one will land."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from checks.spec import Check
from screens.table import ChecksScreen

# Original location needs the VM's datastores on the master target's host; alternate
# location needs room for new VMs there. The check that does not apply says so (skip). The vCenter
# account Site Recovery uses must be allowed to create, register and reconfigure them. Modernized vaults
# add the agent in each Azure VM and the VMs' disk.EnableUUID; the checks of the other architecture
# are left out once they have said so.
VM_CHECKS = ("vm.failed-over", "vm.azure-agent", "vm.original-location", "vm.disk-enableuuid", "mt.datastore-access",
             "mt.host-capacity", "vc.failback-role")


class FailbackVMsScreen(ChecksScreen):
    screen_id = "failback-vms"

    def intro(self) -> ComposeResult:
        site = self.control.settings.site
        vms = ", ".join(site.failback_vms) or "-"
        if self.control.architecture == "modernized":
            yield Static(self.t("vms.intro-modernized", vms=vms, recovery=self.t(f"vms.{site.recovery}"),
                                appliance=self.appliance()), classes="intro")
        else:
            yield Static(self.t("vms.intro", vms=vms, recovery=self.t(f"vms.{site.recovery}"),
                                master_target=site.master_target or "-"), classes="intro")

    def appliance(self) -> str:
        """The appliance as configured, else as the vault named it (app.registered)."""
        site = self.control.settings.site
        registered = self.control.result("app.registered")
        found = registered.params.get("appliance") if registered is not None else None
        return site.appliance_vm or site.appliance or str(found or "-")

    def checks(self) -> list[Check]:
        engine = self.control.engine
        if engine is None:
            return []
        modernized = self.control.architecture == "modernized"  # no master target: none of its checks
        return [c for c in engine.ordered(VM_CHECKS)
                if not self.control.not_for_this_vault(c.id) and not (modernized and c.id.startswith("mt."))]
