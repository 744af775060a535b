"""ps.in-azure: a healthy process server registered to the CS runs in the failed-over VMs' Azure network.

"The same network" is decided from the address space and subnets of the virtual networks the vault
names as the VMs' recovery networks, read from Resource Manager: failed-over VMs usually have dynamic
addresses, which the vault does not record.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from checks.azure.fields import (
    age_minutes,
    child,
    error_levels,
    fresh,
    health_errors,
    health_level,
    mappings,
    shown_age,
    text,
)
from checks.azure.resources import ArmRead, Resources
from checks.azure.site import classic_only, find_process_server, site_of
from checks.model import Component, SourceUnavailable, Status
from checks.spec import Check, CheckContext, Verdict, verdict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The process server's load indicators; the service colours them Green, Yellow or Red.
LOAD_FIELDS = {
    "cpuLoadStatus": "cpuLoad",
    "memoryUsageStatus": "",
    "spaceUsageStatus": "",
    "systemLoadStatus": "systemLoad",
    "throughputStatus": "",
}


def _prefixes(values: Any) -> list[Network]:
    out: list[Network] = []
    for value in values if isinstance(values, (list, tuple)) else [values]:
        try:
            out.append(ipaddress.ip_network(text(value), strict=False))
        except ValueError:
            continue
    return out


def _contains(prefixes: list[Network], ip: Any) -> Network | None:
    return next((p for p in prefixes if ip.version == p.version and ip in p), None)


def _network_facts(read: ArmRead, ip: Any) -> dict[str, Any]:
    """Where the address sits in one virtual network: its space, its subnet, or a connected peering."""
    properties = child(read.body, "properties")
    prefixes = _prefixes(child(properties, "addressSpace").get("addressPrefixes"))
    facts: dict[str, Any] = {
        "vnet": text(read.body.get("name")) or read.id.rsplit("/", 1)[-1],
        "id": read.id,
        "address_space": [str(p) for p in prefixes],
        "in_space": None,
        "subnet": None,
        "peered": None,
    }
    if ip is None or not prefixes:
        return facts  # no address space to place it in: unknown, never "outside"
    hit = _contains(prefixes, ip)
    facts["in_space"] = hit is not None
    for subnet in mappings(properties.get("subnets")):
        sub = child(subnet, "properties")
        ranges = _prefixes(sub.get("addressPrefixes") or sub.get("addressPrefix"))
        found = _contains(ranges, ip)
        if found is not None:
            facts["subnet"] = f"{text(subnet.get('name'))} {found}"
    if hit is None:
        for peering in mappings(properties.get("virtualNetworkPeerings")):
            peer = child(peering, "properties")
            if text(peer.get("peeringState")).lower() != "connected":
                continue
            if _contains(_prefixes(child(peer, "remoteAddressSpace").get("addressPrefixes")), ip):
                facts["peered"] = text(peering.get("name")) or "?"
    return facts


def _placement(ctx: CheckContext, ip: Any) -> dict[str, Any]:
    """Is the process server in the failed-over VMs' network? From network.azure_vnet, else from ARM."""
    configured = ctx.settings.network.azure_vnet
    if configured:
        prefixes = _prefixes([p.strip() for p in configured.split(",") if p.strip()])
        inside = None if ip is None else _contains(prefixes, ip) is not None
        return {"from": "network.azure_vnet", "networks": [{"address_space": [str(p) for p in prefixes],
                                                             "in_space": inside}], "unread": []}
    try:
        resources: Resources = ctx.source("azure.resources")
    except SourceUnavailable as exc:
        return {"from": "unknown", "networks": [], "unread": [], "why": str(exc)}
    networks = [_network_facts(r, ip) for r in resources.networks.values() if r.read]
    unread = [r for r in resources.networks.values() if not r.read]
    return {"from": "virtual networks (Resource Manager)", "networks": networks,
            "unread": [dict(r.evidence(), vnet=r.id.rsplit("/", 1)[-1]) for r in unread]}


def _load(ps: Mapping[str, Any]) -> list[str]:
    """Indicators the service colours Red, with their value where it has one: "cpuLoadStatus Red (92%)"."""
    red = []
    for status_field, value_field in LOAD_FIELDS.items():
        if text(ps.get(status_field)).lower() == "red":
            value = text(ps.get(value_field)) if value_field else ""
            red.append(f"{status_field} Red" + (f" ({value})" if value else ""))
    return red


@classic_only
def in_azure(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    wanted = ctx.settings.site.process_server
    ps, known = find_process_server(site, wanted)
    if ps is None:
        key = "not-found" if wanted else "not-chosen"
        return verdict(Status.FAIL, key, {"registered": known}, name=wanted or "-", cs=site.name, known=known)

    ip_text = text(ps.get("ipAddress"))
    try:
        ip = ipaddress.ip_address(ip_text)
    except ValueError:
        ip = None
    placement = _placement(ctx, ip)
    networks = placement["networks"]
    age = age_minutes(ps.get("lastHeartbeat"))
    service = text(ps.get("psServiceStatus")) or "unknown"
    health = text(ps.get("health"))
    errors = health_errors(ps.get("healthErrors"))
    levels = error_levels(ps.get("healthErrors"))
    load = _load(ps)

    fails: list[dict[str, Any]] = []
    warns: list[dict[str, Any]] = []
    inside = [n for n in networks if n["in_space"]]
    outside = [n for n in networks if n["in_space"] is False]
    peered = [n for n in outside if n.get("peered")]
    if ip is None:
        fails.append({"key": "no-address", "address": ip_text or "-"})
    elif outside and len(peered) < len(outside):
        fails.append({"key": "outside", "ip": ip_text,
                      "networks": [f"{n.get('vnet', '')} {'/'.join(n['address_space'])}".strip()
                                   for n in outside if not n.get("peered")]})
    elif peered:
        warns.append({"key": "peered", "networks": [f"{n['vnet']} (peering {n['peered']})" for n in peered]})
    if not fresh(age):
        fails.append({"key": "heartbeat", "age": shown_age(age)})
    if service.lower() != "running":
        fails.append({"key": "service", "service": service})
    level = health_level(health)
    serious = [e for e, lvl in zip(errors, levels) if lvl != "warning"]
    if level == "bad" or serious:
        fails.append({"key": "unhealthy", "health": health or "-", "errors": serious or errors})
    elif level in ("warn", "unknown") or errors:
        warns.append({"key": "health-warning", "health": health or "-", "errors": errors})
    if load:
        warns.append({"key": "load", "load": load})

    evidence = {
        "process_server": ps.get("friendlyName"),
        "id": ps.get("id"),
        "ip_address": ip_text,
        "networks_from": placement["from"],
        "networks": networks,
        "networks_unread": placement["unread"],
        "in_network": bool(inside) and not outside if networks else None,
        "last_heartbeat": ps.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "service_status": service,
        "health": health or None,
        "health_errors": errors,
        "load": {k: ps.get(k) for k in (*LOAD_FIELDS, "cpuLoad", "systemLoad") if k in ps},
        "agent_version": ps.get("agentVersion"),
        "problems": [p["key"] for p in fails] + [p["key"] for p in warns],
    }
    if "why" in placement:
        evidence["networks_unknown_because"] = placement["why"]
    where = ", ".join(f"{n['vnet']} ({n['subnet'] or '/'.join(n['address_space'])})" for n in inside) or "-"
    params = {"name": text(ps.get("friendlyName")), "ip": ip_text or "?", "where": where, "age": shown_age(age),
              "service": service, "health": health or "-"}
    if fails:
        return verdict(Status.FAIL, "not-ready", evidence, parts=fails + warns, **params)
    unread = placement["unread"]
    if not networks and unread:
        first = unread[0]
        key = "network-forbidden" if first.get("problem") == "forbidden" else "network-unread"
        return verdict(Status.ERROR, key, evidence, vnet=first["vnet"], id=first["id"], needs=first["needs"],
                       problem=first.get("problem"), http=first.get("http_status") or "-", **params)
    if not networks or all(n["in_space"] is None for n in networks):
        return verdict(Status.WARN, "network-unknown", evidence, **params)
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


CHECK = Check("ps.in-azure", Component.PROCESS_SERVER, 1, reads=("azure.vault", "azure.resources"), decide=in_azure)
