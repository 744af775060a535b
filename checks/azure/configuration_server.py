"""cs.connected and cs.vm-known: the configuration server as Site Recovery sees it."""

from __future__ import annotations

from checks.azure.site import (
    HEARTBEAT_LIMIT_MIN,
    age_minutes,
    classic_only,
    failback_items,
    props,
    shown_age,
    site_of,
)
from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict


@classic_only
def connected(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    details = site.details
    age = age_minutes(details.get("lastHeartbeat"))
    service = str(details.get("csServiceStatus") or "unknown")
    providers = site.providers()
    connection = ", ".join(str(props(p).get("connectionStatus") or "unknown") for p in providers) or "none"
    problems = []
    if age is None or age >= HEARTBEAT_LIMIT_MIN:
        problems.append("heartbeat-stale")
    if service.lower() != "running":
        problems.append("services-stopped")
    if not providers or any(str(props(p).get("connectionStatus", "")).lower() != "connected" for p in providers):
        problems.append("provider-not-connected")
    evidence = {
        "configuration_server": site.name,
        "fabric": site.fabric_name,
        "ip_address": details.get("ipAddress"),
        "host_name": details.get("hostName"),
        "agent_version": details.get("agentVersion"),
        "last_heartbeat": details.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "service_status": service,
        "providers": [
            {
                "name": p.get("name"),
                "friendly_name": props(p).get("friendlyName"),
                "connection_status": props(p).get("connectionStatus"),
                "last_heartbeat": props(p).get("lastHeartBeat"),
            }
            for p in providers
        ],
        "problems": problems,
    }
    params = {"name": site.name, "ip": details.get("ipAddress") or "?", "age": shown_age(age),
              "service": service, "connection": connection}
    if problems:
        return verdict(Status.FAIL, "not-ready", evidence, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


@classic_only
def vm_known(ctx: CheckContext) -> Verdict:
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    site = site_of(ctx)
    found, missing = failback_items(site, vms)
    evidence = {
        "configuration_server": site.name,
        "protected_items": {vm: item.get("id") for vm, item in found.items()},
        "missing": missing,
    }
    if missing:
        return verdict(Status.FAIL, "missing", evidence, cs=site.name, missing=missing)
    return verdict(Status.PASS, "ok", evidence, cs=site.name, count=len(found), vms=list(found))


CHECKS = (
    Check("cs.connected", Component.CONFIGURATION_SERVER, None, reads=("azure.vault",), decide=connected,
          fixes=("cs.refresh",)),
    Check("cs.vm-known", Component.CONFIGURATION_SERVER, None, reads=("azure.vault",), decide=vm_known),
)
