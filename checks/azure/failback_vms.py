"""vm.failed-over: each VM is failed over and committed, its Azure VM exists and runs, and reprotect is allowed.

Where the VM is comes from the protected item's provider: InMageAzureV2 (classic) and InMageRcm
(modernized) replicate towards Azure, so "Recovery" means the VM runs in Azure; InMage and
InMageRcmFailback replicate back, so the VM was already reprotected (and, once that failover is
committed, is back on-premises). Whether the Azure VM still exists and runs is not in the vault:
it is read from Resource Manager (source azure.resources).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from checks.azure.fields import (
    age_minutes,
    child,
    health_errors,
    health_level,
    mappings,
    number,
    shown_age,
    strings,
    text,
)
from checks.azure.resources import FORWARD, REVERSE, ArmRead, Resources, power_state, provider
from checks.architecture import modernized_only_skip
from checks.azure.site import failback_items, vault_of, vm_site
from checks.azure.vault import Resource, props
from checks.model import Component, SourceUnavailable, Status
from checks.spec import Check, CheckContext, Verdict, verdict

# Reprotect is offered as "ReverseReplicate", or, for classic items committed in Azure, as
# "SwitchProtection" (recorded: such an item lists it, and its reprotect job is "Reprotect").
REPROTECT_OPERATIONS = ("ReverseReplicate", "SwitchProtection")
# An Azure VM must run for its Mobility service to replicate back; one that is starting soon will.
RUNNING = "running"
COMING_UP = ("starting",)
# The Mobility service in a running Azure VM reports to the configuration server; silent for longer
# than this, it likely cannot reach it (error 95226), which no probe from on-premises can see.
AGENT_SILENT_MIN = 30


def _errors(p: Mapping[str, Any]) -> list[str]:
    """Health errors of both recorded schemas: healthErrors (2021), replication/failover lists (2017)."""
    out: list[str] = []
    for key in ("healthErrors", "replicationHealthErrors", "failoverHealthErrors"):
        for line in health_errors(p.get(key)):
            if line not in out:
                out.append(line)
    return out


def _flag(value: Any) -> bool | None:
    """A true/false field as Site Recovery sends it (a bool, or "true"/"false"); None when absent."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    return True if word == "true" else False if word == "false" else None


def _disk_sizes(item: Resource, arm: ArmRead | None) -> dict[str, Any] | None:
    """Modernized: the disks' sizes at the source (GB, from the item) against the Azure VM's managed disks
    (GB, from Resource Manager). A disk grown in Azure makes failback create a new VM on-premises."""
    source = [math.ceil(float(d.get("capacityInBytes") or 0) / 2**30) for d in
              mappings(child(props(item), "providerSpecificDetails").get("protectedDisks"))]
    if arm is None or not arm.ok or not source:
        return None
    storage = child(child(arm.body, "properties"), "storageProfile")
    disks = [child(storage, "osDisk"), *mappings(storage.get("dataDisks"))]
    stated = [number(d.get("diskSizeGB")) for d in disks if d]
    if any(size is None for size in stated):
        return {"source_gb": sorted(source), "azure_gb": None}  # a size not stated: nothing to compare
    azure = sorted(round(size) for size in stated if size is not None)
    remaining = sorted(source)
    grown = []
    for size in azure:
        if size in remaining:
            remaining.remove(size)
        else:
            grown.append(size)
    return {"source_gb": sorted(source), "azure_gb": azure, "changed_gb": grown}


def _state(item: Resource, arm: ArmRead | None) -> dict[str, Any]:
    p = props(item)
    details = child(p, "providerSpecificDetails")
    allowed = strings(p.get("allowedOperations"))
    state = text(p.get("protectionState"))
    location = text(p.get("activeLocation")).lower()
    committed = "failovercommitted" in state.lower()
    # Classic items carry the Mobility service's heartbeat as lastHeartbeat; modernized ones under
    # mobilityAgentDetails.lastHeartbeatUtc.
    heartbeat = details.get("lastHeartbeat") or child(details, "mobilityAgentDetails").get("lastHeartbeatUtc")
    agent_age = age_minutes(heartbeat)
    row: dict[str, Any] = {
        "provider": text(details.get("instanceType")),
        "protection_state": state,
        "protection_state_description": text(p.get("protectionStateDescription")),
        "active_location": text(p.get("activeLocation")),
        "allowed_operations": allowed,
        "reprotect_offered_as": next((op for op in REPROTECT_OPERATIONS if op in allowed), None),
        "replication_health": text(p.get("replicationHealth")) or None,
        "failover_health": text(p.get("failoverHealth")) or None,
        "health_errors": _errors(p),
        "current_scenario": text(child(p, "currentScenario").get("scenarioName")),
        "agent_last_heartbeat": heartbeat,
        "agent_heartbeat_age_min": None if agent_age is None else round(agent_age, 1),
        "committed": committed,
    }
    if arm is not None:
        row["azure_vm"] = arm.evidence()
        if arm.ok:
            row["azure_vm"]["power_state"] = power_state(arm.body) or None
            row["azure_vm"]["provisioning_state"] = text(child(arm.body, "properties").get("provisioningState")) or None

    kind = provider(item)
    if kind == "inmagercm":
        row["agent_registered_after_failover"] = _flag(details.get("isAgentRegistrationSuccessfulAfterFailover"))
        row["disk_sizes"] = _disk_sizes(item, arm)
    if kind in REVERSE:
        # Replicating back: "Recovery" is on-premises once the failback's failover ran.
        if location != "recovery":
            row["where"] = "reprotected"
        else:
            row["where"] = "on-premises" if committed else "failed-back-uncommitted"
    elif kind in ("", *FORWARD):
        row["where"] = "azure" if location == "recovery" else "on-premises-replicating"
    else:
        row["where"] = "unknown-provider"
    return row


def _health(vm: str, s: Mapping[str, Any]) -> list[dict[str, Any]]:
    if s["health_errors"] or health_level(s["replication_health"]) != "ok":
        return [{"key": "health", "vm": vm, "health": s["replication_health"] or "-", "errors": s["health_errors"]}]
    return []


def _blockers(vm: str, s: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(fails, warnings, undetermined) for one VM, each a summary part."""
    fails: list[dict[str, Any]] = []
    warns: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    where = s["where"]
    state = s["protection_state_description"] or s["protection_state"] or "?"
    if where == "reprotected":
        warns = [{"key": "already-reprotected", "vm": vm, "state": state}, *_health(vm, s)]
        points = s.get("recovery_points")
        if isinstance(points, Mapping) and points.get("problem"):
            unknown.append({"key": "points-unread", "vm": vm, "problem": points["problem"]})
        elif isinstance(points, Mapping) and not points.get("count"):
            warns.append({"key": "no-recovery-point", "vm": vm})  # replicating back, no point to fail back to yet
        return fails, warns, unknown
    if where == "failed-back-uncommitted":
        return fails, [{"key": "failback-not-committed", "vm": vm, "state": state}, *_health(vm, s)], unknown
    if where == "on-premises":
        return fails, [{"key": "already-failed-back", "vm": vm}], unknown
    if where == "unknown-provider":
        return fails, warns, [{"key": "unknown-provider", "vm": vm, "provider": s["provider"]}]
    if where != "azure":
        return [{"key": "not-failed-over", "vm": vm, "state": state}], warns, unknown
    if not s["committed"]:
        fails.append({"key": "not-committed", "vm": vm, "state": state})
    elif s["reprotect_offered_as"] is None:
        fails.append({"key": "reprotect-not-offered", "vm": vm, "state": state,
                      "operations": s["allowed_operations"]})
    azure = s.get("azure_vm") or {}
    problem = azure.get("problem")
    if problem == "not-found":
        fails.append({"key": "vm-gone", "vm": vm, "id": azure.get("id"), "code": azure.get("error_code") or "404"})
    elif problem == "no-id":
        unknown.append({"key": "vm-no-id", "vm": vm})
    elif problem == "forbidden":
        unknown.append({"key": "vm-forbidden", "vm": vm, "id": azure.get("id"), "needs": azure.get("needs")})
    elif problem:
        unknown.append({"key": "vm-unread", "vm": vm, "id": azure.get("id"), "problem": problem,
                        "status": azure.get("http_status") or "-"})
    elif azure:
        power = azure.get("power_state")
        if not power or power == "unknown":
            unknown.append({"key": "vm-power-unknown", "vm": vm})
        elif power in COMING_UP:
            warns.append({"key": "vm-starting", "vm": vm, "power": power})
        elif power != RUNNING:
            fails.append({"key": "vm-not-running", "vm": vm, "power": power})
        elif (s["provider"].lower() != "inmagercm" and s["agent_heartbeat_age_min"] is not None
              and s["agent_heartbeat_age_min"] > AGENT_SILENT_MIN):
            # Classic: the Mobility service reports to the configuration server (modernized: vm.azure-agent).
            warns.append({"key": "agent-silent", "vm": vm, "age": shown_age(s["agent_heartbeat_age_min"])})
    if s["provider"].lower() == "inmagercm":
        # Modernized: the disks as they were (a disk grown in Azure makes failback create a new VM). The
        # agent in the Azure VM is vm.azure-agent's.
        sizes = s.get("disk_sizes") or {}
        if sizes.get("changed_gb"):
            warns.append({"key": "disk-resized", "vm": vm, "sizes": ", ".join(f"{g} GB" for g in sizes["changed_gb"]),
                          "source": ", ".join(f"{g} GB" for g in sizes["source_gb"])})
    return fails, warns + _health(vm, s), unknown


def failed_over(ctx: CheckContext) -> Verdict:
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    site = vm_site(ctx)
    found, missing = failback_items(site, vms)
    try:
        resources: Resources | None = ctx.source("azure.resources") if found else None
        arm_problem = ""
    except SourceUnavailable as exc:
        resources, arm_problem = None, str(exc)
    states = {vm: _state(item, resources.vms.get(vm) if resources else None) for vm, item in found.items()}
    if any(provider(item) in ("inmagercm", "inmagercmfailback") for item in found.values()):
        try:
            points = ctx.source("azure.recovery-points")
        except SourceUnavailable as exc:
            points = {vm: _Unread(str(exc)) for vm in found}
        for vm, found_points in points.items():
            if vm in states and states[vm]["provider"].lower() in ("inmagercm", "inmagercmfailback"):
                states[vm]["recovery_points"] = found_points.evidence()
    fails: list[dict[str, Any]] = [{"key": "missing", "vms": missing}] if missing else []
    warns: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    for vm, s in states.items():
        f, w, u = _blockers(vm, s)
        fails += f
        warns += w
        unknown += u
    if arm_problem and any(s["where"] == "azure" for s in states.values()):
        unknown.append({"key": "arm-unavailable"})
    evidence = {"vms": states, "missing": missing, "problems": [p["key"] for p in fails + unknown + warns]}
    if arm_problem:
        evidence["resource_manager_problem"] = arm_problem
    if fails:
        return verdict(Status.FAIL, "not-ready", evidence, parts=fails + unknown + warns)
    if unknown:
        return verdict(Status.ERROR, "undetermined", evidence, parts=unknown + warns)
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns, count=len(states))
    return verdict(Status.PASS, "ok", evidence, count=len(states), vms=list(states))


def _agent_row(item: Resource) -> dict[str, Any]:
    details = child(props(item), "providerSpecificDetails")
    agent = child(details, "mobilityAgentDetails")
    age = age_minutes(agent.get("lastHeartbeatUtc"))
    return {"registered_after_failover": _flag(details.get("isAgentRegistrationSuccessfulAfterFailover")),
            "raw_registered_after_failover": details.get("isAgentRegistrationSuccessfulAfterFailover"),
            "version": agent.get("version"), "latest_version": agent.get("latestVersion"),
            "version_expiry": agent.get("agentVersionExpiryDate"), "last_heartbeat": agent.get("lastHeartbeatUtc"),
            "heartbeat_age_min": None if age is None else round(age, 1),
            "protection_state": text(props(item).get("protectionState")),
            "active_location": text(props(item).get("activeLocation"))}


def azure_agent(ctx: CheckContext) -> Verdict:
    """vm.azure-agent (modernized): the agent in each failed-over Azure VM registered with Site Recovery
    after failover and is heard from. Reprotect needs it: it is what replicates the disks back."""
    vault = vault_of(ctx)
    if vault.architecture != "modernized":
        return modernized_only_skip(vault.architecture)
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    found, missing = failback_items(vm_site(ctx), vms)
    rows = {vm: {"provider": text(child(props(item), "providerSpecificDetails").get("instanceType")), **_agent_row(item)}
            for vm, item in found.items()}
    evidence = {"vms": rows, "missing": missing, "silent_after_min": AGENT_SILENT_MIN}
    fails: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    warns: list[dict[str, Any]] = []
    in_azure = {vm: row for vm, row in rows.items()
                if row["provider"].lower() == "inmagercm" and row["active_location"].lower() == "recovery"}
    for vm, row in in_azure.items():
        if row["registered_after_failover"] is False:
            fails.append({"key": "not-registered", "vm": vm})
        elif row["registered_after_failover"] is None:
            unknown.append({"key": "registration-unknown", "vm": vm})
        age = row["heartbeat_age_min"]
        if age is None:
            unknown.append({"key": "no-heartbeat", "vm": vm})
        elif age > AGENT_SILENT_MIN:
            warns.append({"key": "silent", "vm": vm, "age": shown_age(age)})
    if not in_azure:  # not failed over, already replicating back, or not found: vm.failed-over says which
        return verdict(Status.SKIP, "none-in-azure", evidence)
    if fails:
        return verdict(Status.FAIL, "problems", evidence, parts=fails + unknown + warns)
    if unknown:
        return verdict(Status.ERROR, "undetermined", evidence, parts=unknown + warns)
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns)
    return verdict(Status.PASS, "ok", evidence, count=len(in_azure))


class _Unread:
    def __init__(self, problem: str) -> None:
        self.problem = problem

    def evidence(self) -> dict[str, Any]:
        return {"problem": self.problem}


CHECK = Check("vm.failed-over", Component.FAILBACK_VMS, None, reads=("azure.vault", "azure.resources"),
              decide=failed_over)
AGENT_CHECK = Check("vm.azure-agent", Component.FAILBACK_VMS, None, reads=("azure.vault",), decide=azure_agent)
