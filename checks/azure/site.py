"""The classic site as the vault describes it: configuration server, process servers,
master targets and the failback VMs' protected items, found by their configured names."""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checks.architecture import classic_only_skip
from checks.azure.vault import Resource, Vault, fabric_kind, find_site_fabric, props, segment
from checks.model import SourceUnavailable
from checks.spec import CheckContext, Verdict

HEARTBEAT_LIMIT_MIN = 15

def age_minutes(stamp: Any, now: dt.datetime | None = None) -> float | None:
    """Minutes since an ISO-8601 time stamp; None when absent or unreadable."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (now - when).total_seconds() / 60)


def shown_age(minutes: float | None) -> str:
    return "?" if minutes is None else f"{minutes:.0f}"


def version_key(text: Any) -> tuple[int, ...] | None:
    """A dotted version as numbers, so 9.55 < 9.100; None when it is not one."""
    parts = str(text or "").strip().split(".")
    try:
        return tuple(int(p) for p in parts) if parts and parts[0] else None
    except ValueError:
        return None


def same_name(a: Any, b: Any) -> bool:
    return str(a or "").strip().lower() == str(b or "").strip().lower() and bool(a)


def health_errors(errors: Any) -> list[str]:
    """Health errors as "code: summary" lines, for evidence."""
    out: list[str] = []
    for error in errors or ():
        if isinstance(error, Mapping):
            code = error.get("errorCode") or "?"
            text = error.get("summaryMessage") or error.get("errorMessage") or ""
            out.append(f"{code}: {text}".strip())
    return out


@dataclass(frozen=True)
class Site:
    vault: Vault
    fabric: Resource
    name: str  # the configuration server's friendly name

    @property
    def details(self) -> Mapping[str, Any]:
        details = props(self.fabric).get("customDetails")
        return details if isinstance(details, Mapping) else {}

    @property
    def fabric_name(self) -> str:
        return str(self.fabric.get("name", ""))

    def owns(self, arm_id: str | None) -> bool:
        return same_name(segment(arm_id, "replicationFabrics"), self.fabric_name)

    def process_servers(self) -> list[Mapping[str, Any]]:
        return [p for p in self.details.get("processServers") or () if isinstance(p, Mapping)]

    def master_targets(self) -> list[Mapping[str, Any]]:
        return [m for m in self.details.get("masterTargetServers") or () if isinstance(m, Mapping)]

    def items(self) -> list[Resource]:
        return [i for i in self.vault.items if self.owns(i.get("id"))]

    def providers(self) -> list[Resource]:
        return [p for p in self.vault.providers if self.owns(p.get("id"))]

    def vcenters(self) -> list[Resource]:
        return [v for v in self.vault.vcenters if self.owns(v.get("id"))]

    def containers(self) -> list[Resource]:
        return [c for c in self.vault.containers if self.owns(c.get("id"))]


def vault_of(ctx: CheckContext) -> Vault:
    return ctx.source("azure.vault")


def site_of(ctx: CheckContext) -> Site:
    """The configuration server's fabric, or SourceUnavailable naming what is missing."""
    vault = vault_of(ctx)
    wanted = ctx.settings.site.configuration_server
    vmware = [f for f in vault.fabrics if fabric_kind(f) == "VMware"]
    fabric = find_site_fabric(vmware, wanted)
    if fabric is None:
        known = ", ".join(str(props(f).get("friendlyName")) for f in vmware) or "none"
        if wanted:
            raise SourceUnavailable(
                f"the configuration server {wanted!r} is not in vault {vault.name} (known: {known}); "
                "check site.configuration_server"
            )
        raise SourceUnavailable(
            f"vault {vault.name} has several configuration servers ({known}); set site.configuration_server"
        )
    return Site(vault, fabric, str(props(fabric).get("friendlyName") or fabric.get("name")))


def classic_only(decide: Callable[[CheckContext], Verdict]) -> Callable[[CheckContext], Verdict]:
    """Skip a classic-architecture check, with the reason, when the vault is modernized."""

    @functools.wraps(decide)
    def guarded(ctx: CheckContext) -> Verdict:
        vault = vault_of(ctx)
        if vault.architecture == "modernized":
            return classic_only_skip()
        return decide(ctx)

    return guarded


def find_process_server(site: Site, name: str) -> tuple[Mapping[str, Any] | None, list[str]]:
    """The Azure process server by name; without a name, the one PS that is not the CS's own."""
    servers = site.process_servers()
    names = [str(p.get("friendlyName", "")) for p in servers]
    if name:
        return next((p for p in servers if same_name(p.get("friendlyName"), name)), None), names
    cs_ip = site.details.get("ipAddress")
    others = [
        p
        for p in servers
        if p.get("ipAddress") != cs_ip and not same_name(p.get("friendlyName"), site.details.get("hostName"))
    ]
    return (others[0] if len(others) == 1 else None), names


def find_master_target(site: Site, name: str) -> tuple[Mapping[str, Any] | None, list[str]]:
    targets = site.master_targets()
    names = [str(m.get("name", "")) for m in targets]
    return next((m for m in targets if same_name(m.get("name"), name)), None), names


def failback_items(site: Site, vms: Iterable[str]) -> tuple[dict[str, Resource], list[str]]:
    """The protected items of the failback VMs under this CS, and the VMs not found."""
    items = site.items()
    found: dict[str, Resource] = {}
    missing: list[str] = []
    for vm in vms:
        item = next((i for i in items if same_name(props(i).get("friendlyName"), vm)), None)
        if item is None:
            missing.append(vm)
        else:
            found[vm] = item
    return found, missing


def azure_ips(item: Resource) -> list[str]:
    """The failed-over VM's addresses in Azure, from its replicated NICs."""
    details = props(item).get("providerSpecificDetails") or {}
    out: list[str] = []
    for nic in details.get("vmNics") or ():
        if not isinstance(nic, Mapping):
            continue
        for config in nic.get("ipConfigs") or ():
            if isinstance(config, Mapping) and config.get("recoveryStaticIPAddress"):
                out.append(str(config["recoveryStaticIPAddress"]))
        if nic.get("targetIPAddress"):
            out.append(str(nic["targetIPAddress"]))
    return out


def azure_networks(configured: str, items: Iterable[Resource]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """network.azure_vnet when configured, else the /24s of the failed-over VMs' Azure addresses."""
    if configured:
        return [ipaddress.ip_network(part.strip(), strict=False) for part in configured.split(",") if part.strip()]
    nets: list[Any] = []
    for item in items:
        for ip in azure_ips(item):
            try:
                net = ipaddress.ip_network(f"{ip}/24", strict=False)
            except ValueError:
                continue
            if net not in nets:
                nets.append(net)
    return nets


def master_target_info(ctx: CheckContext) -> dict[str, Any]:
    """The configured master target as Site Recovery lists it (source "azure.master-target")."""
    vault = vault_of(ctx)
    if vault.architecture == "modernized":
        raise SourceUnavailable("a modernized vault has no master target", skip=True)
    name = ctx.settings.site.master_target
    if not name:
        raise SourceUnavailable("site.master_target is not set", skip=True)
    site = site_of(ctx)
    mt, known = find_master_target(site, name)
    if mt is None:
        raise SourceUnavailable(
            f"master target {name!r} is not registered to {site.name} (registered: {', '.join(known) or 'none'})"
        )
    return {
        "name": mt.get("name"),
        "id": mt.get("id"),
        "os_type": mt.get("osType"),
        "os_version": mt.get("osVersion"),
        "ip_address": mt.get("ipAddress"),
        "agent_version": mt.get("agentVersion"),
        "last_heartbeat": mt.get("lastHeartbeat"),
        "disk_count": mt.get("diskCount"),
        "retention_volumes": [
            str(v.get("volumeName")) for v in mt.get("retentionVolumes") or () if isinstance(v, Mapping)
        ],
        "retention_details": [dict(v) for v in mt.get("retentionVolumes") or () if isinstance(v, Mapping)],
        "datastores": [
            str(d.get("symbolicName")) for d in mt.get("dataStores") or () if isinstance(d, Mapping)
        ],
        "health_errors": health_errors(mt.get("healthErrors")),
        "validation_errors": health_errors(mt.get("validationErrors")),
        "configuration_server": site.name,
        "fabric": site.fabric_name,
    }
