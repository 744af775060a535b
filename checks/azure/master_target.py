"""The master target as Site Recovery knows it: registration, groups, agent, host discovery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.azure.fields import (
    KNOWN_VERSION_STATUSES,
    UNSUPPORTED,
    UPDATE_NEEDED,
    age_minutes,
    child,
    error_levels,
    fresh,
    health_errors,
    mappings,
    same_name,
    shown_age,
    text,
    version_key,
    version_statuses,
    worst_version_status,
)
from checks.azure.site import (
    classic_only,
    failback_items,
    find_master_target,
    find_process_server,
    master_target_info,
    site_of,
)
from checks.azure.vault import props
from checks.model import Component, Status
from checks.sources import Source
from checks.spec import Check, CheckContext, Verdict, verdict


def _master_target(ctx: CheckContext) -> tuple[Any, Mapping[str, Any] | None, list[str]]:
    site = site_of(ctx)
    mt, known = find_master_target(site, ctx.settings.site.master_target)
    return site, mt, known


@classic_only
def registered(ctx: CheckContext) -> Verdict:
    name = ctx.settings.site.master_target
    if not name:
        return verdict(Status.SKIP, "not-configured")
    site, mt, known = _master_target(ctx)
    if mt is None:
        return verdict(Status.FAIL, "not-found", {"registered": known}, name=name, cs=site.name, known=known)
    age = age_minutes(mt.get("lastHeartbeat"))
    errors = health_errors(mt.get("healthErrors"))
    validation = health_errors(mt.get("validationErrors"))
    evidence = {
        "master_target": mt.get("name"),
        "id": mt.get("id"),
        "ip_address": mt.get("ipAddress"),
        "os_type": mt.get("osType"),
        "os_version": mt.get("osVersion"),
        "agent_version": mt.get("agentVersion"),
        "last_heartbeat": mt.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "health_errors": errors,
        "validation_errors": validation,
        "retention_volumes": [v.get("volumeName") for v in mappings(mt.get("retentionVolumes"))],
    }
    params = {"name": mt.get("name"), "cs": site.name, "age": shown_age(age), "errors": errors + validation}
    if not fresh(age) or errors or validation:
        return verdict(Status.FAIL, "not-ready", evidence, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


@classic_only
def group_os(ctx: CheckContext) -> Verdict:
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    site = site_of(ctx)
    found, _missing = failback_items(site, vms)
    groups: dict[str, dict[str, list[str]]] = {}
    unknown: list[str] = []
    wanted_groups = set()
    for vm, item in found.items():
        group = text(child(props(item), "providerSpecificDetails").get("multiVmGroupName"))
        if group:
            wanted_groups.add(group.lower())
        else:
            groups[f"({vm})"] = {item_os_type(item) or "?": [vm]}
    for item in site.items():
        group = text(child(props(item), "providerSpecificDetails").get("multiVmGroupName"))
        if group.lower() in wanted_groups:
            name = text(props(item).get("friendlyName"))
            os_type = item_os_type(item)
            if not os_type:
                # A list read leaves some items' OS out (an InMage item's osDetails); it is no third family.
                unknown.append(name)
                continue
            groups.setdefault(group, {}).setdefault(os_type, []).append(name)
    mixed = sorted(name for name, by_os in groups.items() if len(by_os) > 1)
    evidence = {"groups": groups, "mixed": mixed, "os_unknown": unknown}
    if mixed:
        detail = [f"{g} ({_members(groups[g])})" for g in mixed]
        return verdict(Status.FAIL, "mixed", evidence, groups=detail)
    return verdict(Status.PASS, "ok", evidence, groups=[f"{g}: {'/'.join(groups[g])}" for g in groups])


def item_os_type(item: Any) -> str:
    """"Windows" or "Linux" as a protected item records it (osType, or osDetails.osType on InMage items)."""
    details = child(props(item), "providerSpecificDetails")
    raw = text(details.get("osType")) or text(child(details, "osDetails").get("osType"))
    return raw.capitalize() if raw.lower() in ("windows", "linux") else ""


ROLES = ("master_target", "process_server", "configuration_server")


def _newer(mine: tuple[int, ...], theirs: tuple[int, ...]) -> bool:
    """Newer at the precision both state: 9.55.6765.1 is not newer than a server that says only 9.55."""
    depth = min(len(mine), len(theirs))
    return mine[:depth] > theirs[:depth]


@classic_only
def agent_version(ctx: CheckContext) -> Verdict:
    name = ctx.settings.site.master_target
    if not name:
        return verdict(Status.SKIP, "not-configured")
    site, mt, known = _master_target(ctx)
    if mt is None:
        return verdict(Status.ERROR, "mt-unknown", name=name, cs=site.name)
    ps, _ = find_process_server(site, ctx.settings.site.process_server)
    servers: dict[str, Mapping[str, Any] | None] = {
        "master_target": mt, "process_server": ps, "configuration_server": site.details}
    versions = {role: text(server.get("agentVersion")) or None if server else None for role, server in servers.items()}
    # What Site Recovery says of each agent's support, as it says it (versionStatus, agentVersionDetails.status).
    stated = {role: version_statuses(server) if server else {} for role, server in servers.items()}
    status = {role: worst_version_status(found.values()) for role, found in stated.items()}
    keys = {role: version_key(v) for role, v in versions.items()}
    mt_key = keys["master_target"]
    newer_than = [r for r in ROLES[1:] if mt_key is not None and (theirs := keys[r]) is not None and _newer(mt_key, theirs)]
    compared = [r for r in ROLES[1:] if keys[r] is not None]
    unsupported = [r for r in ROLES if status[r].lower() in UNSUPPORTED]
    update = [r for r in ROLES if status[r].lower() in UPDATE_NEEDED]
    unknown_status = [r for r in ROLES if status[r] and status[r].lower() not in KNOWN_VERSION_STATUSES]
    evidence = {"versions": versions, "version_status": stated, "newer_than": newer_than, "compared_with": compared,
                "unsupported": unsupported, "update_required": update, "status_unknown": unknown_status}
    params = _vparams(versions)
    fails = [{"key": "unsupported", "role": role, "version": versions[role] or "?", "status": status[role]}
             for role in unsupported]
    if newer_than:
        fails.insert(0, {"key": "newer", **params})
    warns = [{"key": "update-required", "role": role, "version": versions[role] or "?", "status": status[role]}
             for role in update]
    warns += [{"key": "status-unknown", "role": role, "status": status[role]} for role in unknown_status]
    if mt_key is None and not fails:
        return verdict(Status.ERROR, "unreadable", evidence, **params)
    if fails:
        return verdict(Status.FAIL, "not-ready", evidence, parts=fails + warns, **params)
    if len(compared) < 2:
        warns.insert(0, {"key": "partly", **params})
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


def _members(by_os: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{os_type}: {', '.join(vms)}" for os_type, vms in by_os.items())


def _vparams(versions: Mapping[str, Any]) -> dict[str, Any]:
    return {"mt": versions["master_target"] or "?", "ps": versions["process_server"] or "?",
            "cs": versions["configuration_server"] or "?"}


DISCOVERY_DONE = frozenset({"completed"})
DISCOVERY_PENDING = frozenset({"pending", "inprogress", "started", "notstarted"})


def _discovery(entry: Mapping[str, Any]) -> str:
    """done, failed, pending or unknown, from a vCenter's discoveryStatus and its serious health errors."""
    status = text(entry["discovery_status"]).lower()
    if status == "failed" or entry["serious_errors"]:
        return "failed"
    if status in DISCOVERY_DONE:
        return "done"
    return "pending" if status in DISCOVERY_PENDING else "unknown"


@classic_only
def host_discovered(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    vcenters = site.vcenters()
    host = ctx.settings.vcenter.host if ctx.settings.vcenter else ""
    listed = [
        {
            "name": props(v).get("friendlyName"),
            "ip_address": props(v).get("ipAddress"),
            "discovery_status": props(v).get("discoveryStatus"),
            "last_heartbeat": props(v).get("lastHeartbeat"),
            "health_errors": health_errors(props(v).get("healthErrors")),
            "serious_errors": [line for line, level in zip(health_errors(props(v).get("healthErrors")),
                                                           error_levels(props(v).get("healthErrors")))
                               if level != "warning"],
        }
        for v in vcenters
    ]
    short = host.split(".")[0] if host and not host.replace(".", "").isdigit() else host
    match = [
        entry for entry in listed
        if not host or any(same_name(entry[k], h) for k in ("name", "ip_address") for h in (host, short))
    ]
    if not match and listed:
        # Site Recovery may know the vCenter by another name than the one in the configuration.
        match = listed
        evidence_note = "no-name-match"
    else:
        evidence_note = ""

    mt = None
    if ctx.settings.site.master_target:
        _, mt, _ = _master_target(ctx)
    datastores = [text(d.get("symbolicName")) for d in mappings((mt or {}).get("dataStores")) if text(d.get("symbolicName"))]
    evidence = {"vcenters": listed, "configured_vcenter": host or None, "master_target_datastores": datastores,
                "master_target_datastore_types": sorted({text(d.get("type")) for d in mappings((mt or {}).get("dataStores"))})}
    if not match:
        return verdict(Status.FAIL, "no-vcenter", evidence, cs=site.name, host=host or "-",
                       known=[e["name"] for e in listed])
    state = {id(e): _discovery(e) for e in match}
    done = [e for e in match if state[id(e)] == "done"]
    if not done:
        first = next((e for e in match if state[id(e)] == "failed"), None)
        if first is not None and all(state[id(e)] == "failed" for e in match):
            return verdict(Status.FAIL, "discovery-failed", evidence, vcenter=first["name"],
                           discovery=first["discovery_status"] or "?", errors=first["serious_errors"])
        if mt is not None and not datastores:
            return verdict(Status.FAIL, "no-datastores-yet", evidence, mt=mt.get("name"),
                           discovery=text(match[0]["discovery_status"]) or "-")
        waiting = next(e for e in match if state[id(e)] != "failed")
        key = "discovery-pending" if state[id(waiting)] == "pending" else "discovery-unknown"
        return verdict(Status.WARN, key, evidence, vcenter=waiting["name"],
                       discovery=text(waiting["discovery_status"]) or "-", datastores=datastores)
    if mt is not None and not datastores:
        return verdict(Status.FAIL, "no-datastores", evidence, mt=mt.get("name"))
    good = done[0]
    if evidence_note:
        evidence["note"] = evidence_note
        return verdict(Status.WARN, "other-name", evidence, vcenter=good["name"], host=host, datastores=datastores)
    return verdict(Status.PASS, "ok", evidence, vcenter=good["name"], datastores=datastores)


SOURCE = Source("azure.master-target", master_target_info)

CHECKS = (
    Check("mt.registered", Component.MASTER_TARGET, 2, reads=("azure.vault",), decide=registered),
    Check("mt.group-os", Component.MASTER_TARGET, 1, reads=("azure.vault",), decide=group_os),
    Check("mt.agent-version", Component.MASTER_TARGET, 2, reads=("azure.vault",), decide=agent_version),
    Check("mt.host-discovered", Component.MASTER_TARGET, 9, reads=("azure.vault",), decide=host_discovered),
)
