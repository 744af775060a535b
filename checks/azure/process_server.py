"""ps.in-azure: a healthy process server registered to the CS runs in the failed-over VMs' Azure network.

"The same network" is decided from the address space and subnets of the virtual networks the vault
names as the VMs' recovery networks, read from Resource Manager: failed-over VMs usually have dynamic
addresses, which the vault does not record.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checks.azure.fields import (
    HEARTBEAT_LIMIT_MIN,
    age_minutes,
    certificate,
    child,
    fresh,
    health_errors,
    health_level,
    judge_health,
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
# (A Red spaceUsageStatus is its own finding: the cache volume is nearly full.)
LOAD_FIELDS = {
    "cpuLoadStatus": "cpuLoad",
    "memoryUsageStatus": "",
    "systemLoadStatus": "systemLoad",
    "throughputStatus": "",
}


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _prefixes(values: Any) -> list[Network]:
    out: list[Network] = []
    for value in values if isinstance(values, (list, tuple)) else [values]:
        try:
            out.append(ipaddress.ip_network(text(value), strict=False))
        except ValueError:
            continue
    return out


def _contains(prefixes: list[Network], ip: Address) -> Network | None:
    return next((p for p in prefixes if ip.version == p.version and ip in p), None)


@dataclass
class NetworkFacts:
    """Where the process server's address sits in one network of the failed-over VMs.

    `in_space` is None when there is no address space to place it in: unknown, never "outside".
    """

    vnet: str
    id: str
    address_space: list[str]
    in_space: bool | None = None
    subnet: str | None = None
    peered: str | None = None  # the connected peering whose remote space holds the address

    @property
    def shown(self) -> str:
        return f"{self.vnet} {'/'.join(self.address_space)}".strip()


def _network_facts(read: ArmRead, ip: Address | None) -> NetworkFacts:
    properties = child(read.body, "properties")
    prefixes = _prefixes(child(properties, "addressSpace").get("addressPrefixes"))
    facts = NetworkFacts(text(read.body.get("name")) or read.id.rsplit("/", 1)[-1], read.id,
                         [str(p) for p in prefixes])
    if ip is None or not prefixes:
        return facts
    hit = _contains(prefixes, ip)
    facts.in_space = hit is not None
    for subnet in mappings(properties.get("subnets")):
        sub = child(subnet, "properties")
        found = _contains(_prefixes(sub.get("addressPrefixes") or sub.get("addressPrefix")), ip)
        if found is not None:
            facts.subnet = f"{text(subnet.get('name'))} {found}"
    if hit is None:
        for peering in mappings(properties.get("virtualNetworkPeerings")):
            peer = child(peering, "properties")
            if text(peer.get("peeringState")).lower() != "connected" or peer.get("allowVirtualNetworkAccess") is False:
                continue
            if _contains(_prefixes(child(peer, "remoteAddressSpace").get("addressPrefixes")), ip):
                facts.peered = text(peering.get("name")) or "?"
    return facts


@dataclass
class Placement:
    origin: str  # "network.azure_vnet", "virtual networks (Resource Manager)" or "unknown"
    networks: list[NetworkFacts]
    unread: list[dict[str, Any]]  # networks the vault names that Resource Manager did not give
    why: str = ""  # why no network could be looked for at all
    bad_setting: bool = False  # network.azure_vnet holds something that is not an address range


def _placement(ctx: CheckContext, ip: Address | None) -> Placement:
    """Is the process server in the failed-over VMs' network? From network.azure_vnet, else from ARM."""
    configured = ctx.settings.network.azure_vnet
    if configured:
        parts = [p.strip() for p in configured.split(",") if p.strip()]
        prefixes = _prefixes(parts)
        facts = NetworkFacts("network.azure_vnet", "", [str(p) for p in prefixes])
        if ip is not None and prefixes:
            facts.in_space = _contains(prefixes, ip) is not None
        return Placement("network.azure_vnet", [facts], [], bad_setting=len(prefixes) != len(parts))
    try:
        resources: Resources = ctx.source("azure.resources")
    except SourceUnavailable as exc:
        return Placement("unknown", [], [], why=str(exc))
    return Placement(
        "virtual networks (Resource Manager)",
        [_network_facts(r, ip) for r in resources.networks.values() if r.ok],
        [dict(r.evidence(), vnet=r.id.rsplit("/", 1)[-1]) for r in resources.networks.values() if not r.ok],
    )


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
        ip: Address | None = ipaddress.ip_address(ip_text)
    except ValueError:
        ip = None
    placement = _placement(ctx, ip)
    if placement.bad_setting:
        return verdict(Status.ERROR, "bad-vnet", vnet=ctx.settings.network.azure_vnet)
    networks = placement.networks
    age = age_minutes(ps.get("lastHeartbeat"))
    service = text(ps.get("psServiceStatus")) or "unknown"
    health = text(ps.get("health"))
    load = _load(ps)

    fails: list[dict[str, Any]] = []
    warns: list[dict[str, Any]] = []
    inside = [n for n in networks if n.in_space]
    outside = [n for n in networks if n.in_space is False]
    peered = [n for n in outside if n.peered]
    if ip is None:
        fails.append({"key": "no-address", "address": ip_text or "-"})
    elif inside and outside:
        # The VMs of the other networks reach the process server only through peering or routing.
        warns.append({"key": "other-networks", "networks": [n.shown for n in outside]})
    elif len(peered) < len(outside):
        fails.append({"key": "outside", "ip": ip_text, "networks": [n.shown for n in outside if not n.peered]})
    elif peered:
        warns.append({"key": "peered", "networks": [f"{n.vnet} (peering {n.peered})" for n in peered]})
    if not fresh(age):
        fails.append({"key": "heartbeat", "age": shown_age(age), "limit": HEARTBEAT_LIMIT_MIN})
    if service.lower() != "running":
        fails.append({"key": "service", "service": service})
    cert = certificate(ps)
    if cert is not None:
        (fails if cert["key"] == "certificate-expired" else warns).append(cert)
    judged = judge_health(health, ps.get("healthErrors"))
    if judged is not None:
        bad = judged["level"] == "bad"
        # A health word that says all is well beside serious errors: name the errors, not the word.
        key = ("unhealthy" if bad else "health-warning") if health_level(health) != "ok" else "health-errors"
        (fails if bad else warns).append({"key": key, "health": health or "-", "errors": judged["errors"]})
    if text(ps.get("spaceUsageStatus")).lower() == "red":
        warns.append({"key": "cache-full"})
    if load:
        warns.append({"key": "load", "load": load})

    known_networks = [n for n in networks if n.in_space is not None]
    evidence = {
        "process_server": ps.get("friendlyName"),
        "id": ps.get("id"),
        "ip_address": ip_text,
        "networks_from": placement.origin,
        "networks": [dataclasses.asdict(n) for n in networks],
        "networks_unread": placement.unread,
        "in_network": (bool(inside) and not outside) if known_networks else None,
        "last_heartbeat": ps.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "service_status": service,
        "ssl_cert_expiry": ps.get("sslCertExpiryDate"),
        "ssl_cert_remaining_days": ps.get("sslCertExpiryRemainingDays"),
        "health": health or None,
        "health_errors": health_errors(ps.get("healthErrors")),
        "load": {k: ps.get(k) for k in (*LOAD_FIELDS, "spaceUsageStatus", "cpuLoad", "systemLoad") if k in ps},
        "agent_version": ps.get("agentVersion"),
        "problems": [p["key"] for p in fails] + [p["key"] for p in warns],
    }
    if placement.why:
        evidence["networks_unknown_because"] = placement.why
    where = ", ".join(f"{n.vnet} ({n.subnet or '/'.join(n.address_space)})" for n in inside) or "-"
    params = {"name": text(ps.get("friendlyName")), "ip": ip_text or "?", "where": where, "age": shown_age(age),
              "service": service, "health": health or "-"}
    if fails:
        return verdict(Status.FAIL, "not-ready", evidence, parts=fails + warns, **params)
    if placement.unread:
        # A network of the VMs that could not be read may be one the process server is not in.
        first = placement.unread[0]
        key = "network-forbidden" if first.get("problem") == "forbidden" else "network-unread"
        return verdict(Status.ERROR, key, evidence, vnet=first["vnet"], id=first["id"], needs=first["needs"],
                       problem=first.get("problem"), http=first.get("http_status") or "-", **params)
    if not known_networks:
        key = "network-unknown-caveats" if warns else "network-unknown"
        return verdict(Status.WARN, key, evidence, parts=warns, **params)
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


CHECK = Check("ps.in-azure", Component.PROCESS_SERVER, 1, reads=("azure.vault", "azure.resources"), decide=in_azure)
