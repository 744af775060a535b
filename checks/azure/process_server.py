"""ps.in-azure: a process server registered to the CS runs in the failed-over VMs' Azure network."""

from __future__ import annotations

import ipaddress

from checks.azure.site import (
    HEARTBEAT_LIMIT_MIN,
    age_minutes,
    azure_networks,
    classic_only,
    failback_items,
    find_process_server,
    health_errors,
    props,
    shown_age,
    site_of,
)
from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict


def _in_networks(ip: str, networks: list) -> bool | None:
    if not networks:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in networks)


@classic_only
def in_azure(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    wanted = ctx.settings.site.process_server
    ps, known = find_process_server(site, wanted)
    if ps is None:
        key = "not-found" if wanted else "not-chosen"
        return verdict(Status.FAIL, key, {"registered": known}, name=wanted or "-", cs=site.name, known=known)

    vms = ctx.settings.site.failback_vms
    items = list(failback_items(site, vms)[0].values()) if vms else [
        i for i in site.items() if str(props(i).get("activeLocation", "")).lower() == "recovery"
    ]
    try:
        networks = azure_networks(ctx.settings.network.azure_vnet, items)
    except ValueError:
        return verdict(Status.ERROR, "bad-vnet", vnet=ctx.settings.network.azure_vnet)
    ip = str(ps.get("ipAddress") or "")
    inside = _in_networks(ip, networks)
    age = age_minutes(ps.get("lastHeartbeat"))
    service = str(ps.get("psServiceStatus") or "unknown")
    health = str(ps.get("health") or "unknown")
    errors = health_errors(ps.get("healthErrors"))
    problems = []
    if inside is False:
        problems.append("outside-network")
    if age is None or age >= HEARTBEAT_LIMIT_MIN:
        problems.append("heartbeat-stale")
    if service.lower() != "running":
        problems.append("service-stopped")
    if errors or health.lower() not in ("normal", "unknown"):
        problems.append("unhealthy")
    evidence = {
        "process_server": ps.get("friendlyName"),
        "id": ps.get("id"),
        "ip_address": ip,
        "azure_networks": [str(n) for n in networks],
        "networks_from": "network.azure_vnet" if ctx.settings.network.azure_vnet else "failed-over VM addresses",
        "in_network": inside,
        "last_heartbeat": ps.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "service_status": service,
        "health": health,
        "health_errors": errors,
        "agent_version": ps.get("agentVersion"),
        "problems": problems,
    }
    params = {
        "name": ps.get("friendlyName"),
        "ip": ip or "?",
        "networks": [str(n) for n in networks],
        "age": shown_age(age),
        "service": service,
        "health": health,
        "errors": errors,
    }
    if problems:
        return verdict(Status.FAIL, "not-ready", evidence, **params)
    if inside is None:
        return verdict(Status.WARN, "network-unknown", evidence, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


CHECK = Check("ps.in-azure", Component.PROCESS_SERVER, 1, reads=("azure.vault",), decide=in_azure)
