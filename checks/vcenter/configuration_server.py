"""The configuration server's VM as vCenter sees it."""

from __future__ import annotations

from checks.architecture import classic_only_skip, vault_architecture
from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict
from checks.vcenter.subjects import inventory


def decide_failback_nic(ctx: CheckContext) -> Verdict:
    site = ctx.settings.site
    if vault_architecture(ctx) == "modernized":
        return classic_only_skip()  # no configuration server on a modernized vault
    if not site.retain_ip:
        return verdict(Status.SKIP, "not-needed", {"retain_ip": False})
    name = site.configuration_server_vm or site.configuration_server
    if not name:
        return verdict(Status.SKIP, "not-named", {"retain_ip": True})
    inv = inventory(ctx)
    vm = inv.vm(name)
    if vm is None:
        closest = inv.closest(name)
        return verdict(Status.ERROR, "vm-unknown", {"vm": name, "closest": closest}, name=name, closest=closest)
    evidence = {"vm": vm.ref, "nics": vm.nics}
    if len(vm.nics) >= 2:
        return verdict(Status.PASS, "two", evidence, name=vm.name, count=len(vm.nics))
    return verdict(Status.FAIL, "one", evidence, name=vm.name, count=len(vm.nics))


CHECKS: tuple[Check, ...] = (
    Check("cs.failback-nic", Component.CONFIGURATION_SERVER, None, reads=("vcenter.inventory",), decide=decide_failback_nic),
)
