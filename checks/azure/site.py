"""The classic site as the vault describes it: configuration server, process servers,
master targets and the failback VMs' protected items, found by their configured names."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checks.architecture import classic_only_skip
from checks.azure.fields import child, health_errors, mappings, same_name, text
from checks.azure.vault import Resource, Vault, fabric_kind, find_site_fabric, props, segment
from checks.model import SourceUnavailable
from checks.sources import Source
from checks.spec import CheckContext, Verdict


@dataclass(frozen=True)
class Site:
    vault: Vault
    fabric: Mapping[str, Any]
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
        return mappings(self.details.get("processServers"))

    def master_targets(self) -> list[Mapping[str, Any]]:
        return mappings(self.details.get("masterTargetServers"))

    def items(self) -> list[Resource]:
        return [i for i in self.vault.items if self.owns(i.get("id"))]

    def providers(self) -> list[Resource]:
        return [p for p in self.vault.providers if self.owns(p.get("id"))]

    def vcenters(self) -> list[Resource]:
        return [v for v in self.vault.vcenters if self.owns(v.get("id"))]

    def containers(self) -> list[Resource]:
        return [c for c in self.vault.containers if self.owns(c.get("id"))]


def vault_of(ctx: CheckContext) -> Vault:
    vault: Vault = ctx.source("azure.vault")
    return vault


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
                "check site.configuration_server", key="reasons:cs-not-in-vault", cs=wanted, vault=vault.name, known=known,
            )
        raise SourceUnavailable(
            f"vault {vault.name} has several configuration servers ({known}); set site.configuration_server",
            key="reasons:several-cs", vault=vault.name, known=known,
        )
    return Site(vault, fabric, text(props(fabric).get("friendlyName")) or text(fabric.get("name")))


def vm_site(ctx: CheckContext) -> Site:
    """The site whose protected items are the failback VMs: the configuration server's fabric, or on
    a modernized vault (which has no configuration server) its appliance's site."""
    vault = vault_of(ctx)
    fabric = find_site_fabric(vault.fabrics, ctx.settings.site.configuration_server)
    if fabric is None and vault.architecture == "modernized":
        fabric = find_site_fabric(vault.fabrics, "")
    if fabric is None:
        raise SourceUnavailable(f"the site's fabric is not found in vault {vault.name}; check site.configuration_server",
                                key="reasons:no-site-fabric", vault=vault.name)
    return Site(vault, fabric, text(props(fabric).get("friendlyName")) or text(fabric.get("name")))


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
    names = [text(p.get("friendlyName")) for p in servers]
    if name:
        return next((p for p in servers if same_name(p.get("friendlyName"), name)), None), names
    others = [p for p in servers if not is_configuration_server(site, p)]
    return (others[0] if len(others) == 1 else None), names


def is_configuration_server(site: Site, server: Mapping[str, Any]) -> bool:
    """The configuration server's own process server: same address or same host name as the CS."""
    cs_ip = text(site.details.get("ipAddress"))
    return (bool(cs_ip) and text(server.get("ipAddress")) == cs_ip) or same_name(server.get("friendlyName"),
                                                                               site.details.get("hostName"))


def find_master_target(site: Site, name: str) -> tuple[Mapping[str, Any] | None, list[str]]:
    targets = site.master_targets()
    names = [text(m.get("name")) for m in targets]
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


def master_target_info(ctx: CheckContext) -> dict[str, Any]:
    """The configured master target as Site Recovery lists it (source "azure.master-target")."""
    vault = vault_of(ctx)
    if vault.architecture == "modernized":
        raise SourceUnavailable("a modernized vault has no master target", skip=True, key="reasons:modernized-no-mt")
    name = ctx.settings.site.master_target
    if not name:
        raise SourceUnavailable("site.master_target is not set", skip=True, key="reasons:no-master-target")
    site = site_of(ctx)
    mt, known = find_master_target(site, name)
    if mt is None:
        raise SourceUnavailable(
            f"master target {name!r} is not registered to {site.name} (registered: {', '.join(known) or 'none'})",
            key="reasons:mt-not-registered", name=name, cs=site.name, known=", ".join(known) or "-",
        )
    retention = mappings(mt.get("retentionVolumes"))
    return {
        "name": mt.get("name"),
        "id": mt.get("id"),
        "os_type": mt.get("osType"),
        "os_version": mt.get("osVersion"),
        "ip_address": mt.get("ipAddress"),
        "agent_version": mt.get("agentVersion"),
        "last_heartbeat": mt.get("lastHeartbeat"),
        "disk_count": mt.get("diskCount"),
        "retention_volumes": [text(v.get("volumeName")) for v in retention if text(v.get("volumeName"))],
        "retention_details": [dict(v) for v in retention],
        "datastores": [text(d.get("symbolicName")) for d in mappings(mt.get("dataStores")) if text(d.get("symbolicName"))],
        "health_errors": health_errors(mt.get("healthErrors")),
        "validation_errors": health_errors(mt.get("validationErrors")),
        "configuration_server": site.name,
        "fabric": site.fabric_name,
    }


def failback_os(ctx: CheckContext) -> dict[str, dict[str, str]]:
    """Each failback VM's OS as its protected item records it (source "azure.failback-os"): the
    on-premises VM is powered off or gone, so vCenter often knows less."""
    found, _missing = failback_items(vm_site(ctx), ctx.settings.site.failback_vms)
    out = {}
    for vm, item in found.items():
        details = child(props(item), "providerSpecificDetails")
        out[vm] = {key: text(details.get(key)) for key in ("osType", "osVersion", "osName")}
    return out


FAILBACK_OS = Source("azure.failback-os", failback_os)
