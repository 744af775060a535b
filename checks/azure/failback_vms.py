"""vm.failed-over: each VM is failed over, committed, still present, and reprotect is allowed."""

from __future__ import annotations

from typing import Any

from checks.azure.site import Site, failback_items, find_site_fabric, health_errors, props, vault_of
from checks.model import Component, SourceUnavailable, Status
from checks.spec import Check, CheckContext, Verdict, verdict

REPROTECT = "ReverseReplicate"


def _state(item: dict[str, Any]) -> dict[str, Any]:
    p = props(item)
    details = p.get("providerSpecificDetails") or {}
    state = str(p.get("protectionState") or "")
    allowed = [str(op) for op in p.get("allowedOperations") or ()]
    failed_over = str(p.get("activeLocation") or "").lower() == "recovery"
    committed = "failovercommitted" in state.lower()
    azure_vm = details.get("targetVmId") or details.get("recoveryAzureVMName") or details.get("targetVmName")
    # The Azure VM is gone when Site Recovery no longer knows its resource id or name.
    present = bool(azure_vm or details.get("azureVirtualMachineId"))
    return {
        "protection_state": state,
        "active_location": p.get("activeLocation"),
        "failed_over": failed_over,
        "committed": committed,
        "present": present,
        "azure_vm": azure_vm,
        "reprotect_allowed": REPROTECT in allowed,
        "allowed_operations": allowed,
        "replication_health": p.get("replicationHealth"),
        "health_errors": health_errors(p.get("healthErrors")),
    }


def failed_over(ctx: CheckContext) -> Verdict:
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    vault = vault_of(ctx)
    # Architecture-neutral: classic and modernized items carry the same state fields, and
    # find_site_fabric looks at both kinds of site fabric (VMware, InMageRcm).
    fabric = find_site_fabric(vault.fabrics, ctx.settings.site.configuration_server)
    if fabric is None and vault.architecture == "modernized":
        # A modernized site has no configuration server; its appliance's site is the fabric.
        fabric = find_site_fabric(vault.fabrics, "")
    if fabric is None:
        raise SourceUnavailable(f"the site's fabric is not found in vault {vault.name}; check site.configuration_server")
    site = Site(vault, fabric, str(props(fabric).get("friendlyName")))
    found, missing = failback_items(site, vms)
    states = {vm: _state(item) for vm, item in found.items()}
    not_ready = [
        f"{vm} ({s['protection_state'] or '?'})"
        for vm, s in states.items()
        if not (s["failed_over"] and s["committed"] and s["present"] and s["reprotect_allowed"])
    ]
    warnings = [vm for vm, s in states.items() if s["health_errors"]]
    evidence = {"vms": states, "missing": missing, "not_ready": not_ready}
    if missing or not_ready:
        return verdict(Status.FAIL, "not-ready", evidence, not_ready=not_ready, missing=missing)
    if warnings:
        return verdict(Status.WARN, "health", evidence, vms=warnings,
                       errors=[e for vm in warnings for e in states[vm]["health_errors"]])
    return verdict(Status.PASS, "ok", evidence, count=len(states), vms=list(states))


CHECK = Check("vm.failed-over", Component.FAILBACK_VMS, None, reads=("azure.vault",), decide=failed_over)
