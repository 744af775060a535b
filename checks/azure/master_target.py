"""The master target as Site Recovery knows it: registration, groups, agent, host discovery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.azure.site import (
    HEARTBEAT_LIMIT_MIN,
    age_minutes,
    classic_only,
    failback_items,
    find_master_target,
    find_process_server,
    health_errors,
    master_target_info,
    props,
    same_name,
    shown_age,
    site_of,
    version_key,
)
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
        "retention_volumes": [v.get("volumeName") for v in mt.get("retentionVolumes") or () if isinstance(v, Mapping)],
    }
    params = {"name": mt.get("name"), "cs": site.name, "age": shown_age(age), "errors": errors + validation}
    if age is None or age >= HEARTBEAT_LIMIT_MIN or errors or validation:
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
    wanted_groups = set()
    for vm, item in found.items():
        details = props(item).get("providerSpecificDetails") or {}
        group = str(details.get("multiVmGroupName") or "")
        if group:
            wanted_groups.add(group.lower())
        else:
            groups[f"({vm})"] = {str(details.get("osType") or "unknown"): [vm]}
    for item in site.items():
        details = props(item).get("providerSpecificDetails") or {}
        group = str(details.get("multiVmGroupName") or "")
        if group.lower() in wanted_groups:
            os_type = str(details.get("osType") or "unknown")
            groups.setdefault(group, {}).setdefault(os_type, []).append(str(props(item).get("friendlyName")))
    mixed = sorted(name for name, by_os in groups.items() if len(by_os) > 1)
    evidence = {"groups": groups, "mixed": mixed}
    if mixed:
        detail = [f"{g} ({_members(groups[g])})" for g in mixed]
        return verdict(Status.FAIL, "mixed", evidence, groups=detail)
    return verdict(Status.PASS, "ok", evidence, groups=[f"{g}: {'/'.join(groups[g])}" for g in groups])


@classic_only
def agent_version(ctx: CheckContext) -> Verdict:
    name = ctx.settings.site.master_target
    if not name:
        return verdict(Status.SKIP, "not-configured")
    site, mt, known = _master_target(ctx)
    if mt is None:
        return verdict(Status.ERROR, "mt-unknown", name=name, cs=site.name)
    ps, _ = find_process_server(site, ctx.settings.site.process_server)
    versions = {
        "master_target": mt.get("agentVersion"),
        "process_server": ps.get("agentVersion") if ps else None,
        "configuration_server": site.details.get("agentVersion"),
    }
    mt_version = version_key(versions["master_target"])
    if mt_version is None:
        return verdict(Status.ERROR, "unreadable", {"versions": versions}, **_vparams(versions))
    newer_than = [
        role
        for role in ("process_server", "configuration_server")
        if version_key(versions[role]) is not None and mt_version > version_key(versions[role])  # type: ignore[operator]
    ]
    compared = [r for r in ("process_server", "configuration_server") if version_key(versions[r]) is not None]
    evidence = {"versions": versions, "newer_than": newer_than, "compared_with": compared}
    if newer_than:
        return verdict(Status.FAIL, "newer", evidence, **_vparams(versions))
    if len(compared) < 2:
        return verdict(Status.WARN, "partly", evidence, **_vparams(versions))
    return verdict(Status.PASS, "ok", evidence, **_vparams(versions))


def _members(by_os: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{os_type}: {', '.join(vms)}" for os_type, vms in by_os.items())


def _vparams(versions: Mapping[str, Any]) -> dict[str, Any]:
    return {"mt": versions["master_target"] or "?", "ps": versions["process_server"] or "?",
            "cs": versions["configuration_server"] or "?"}


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
    datastores = [d.get("symbolicName") for d in (mt or {}).get("dataStores") or () if isinstance(d, Mapping)]
    evidence = {"vcenters": listed, "configured_vcenter": host or None, "master_target_datastores": datastores}
    if not match:
        return verdict(Status.FAIL, "no-vcenter", evidence, cs=site.name, host=host or "-",
                       known=[e["name"] for e in listed])
    failed = [e for e in match if str(e["discovery_status"] or "").lower() == "failed" or e["health_errors"]]
    if len(failed) == len(match):
        first = failed[0]
        return verdict(Status.FAIL, "discovery-failed", evidence, vcenter=first["name"],
                       discovery=first["discovery_status"] or "?", errors=first["health_errors"])
    if mt is not None and not datastores:
        return verdict(Status.FAIL, "no-datastores", evidence, mt=mt.get("name"))
    good = next(e for e in match if e not in failed)
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
