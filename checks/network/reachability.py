"""Where the probes go and what they found: one parallel round per run (source "network.probes")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks.model import SourceUnavailable, plain
from checks.network.probe import Probe, probe_all
from checks.sources import Source, Sources


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    origin: str  # the setting or the vault field it came from


@dataclass(frozen=True)
class Reachability:
    architecture: str
    ps: str  # address of the process server in Azure, "" when unknown
    ps_origin: str
    ps_is_cs: bool  # the process server is the configuration server's own: it also serves 443
    cs: str
    cs_origin: str
    vcenter: Endpoint | None
    mt: str
    arm_host: str
    login_host: str
    https_port: int
    data_port: int
    timeout_s: float
    # Why the vault could not tell the addresses: {"text", "reason_key", "reason_params"} (see reason_of).
    azure_problem: Mapping[str, Any] | None = None
    probes: dict[tuple[str, int], Probe] = field(default_factory=dict)
    # The addresses as the vault has them registered: what the VMs in Azure use (network.cs_address and
    # ps_address are for this host, behind a NAT or a tunnel). Empty when the vault does not say.
    vault_cs: str = ""
    vault_ps: str = ""

    def inside(self, node: str) -> str:
        """The address a machine in Azure reaches `node` ("cs", "ps", "mt") on: the vault's, else the configured."""
        return {"cs": self.vault_cs or self.cs, "ps": self.vault_ps or self.ps, "mt": self.mt}[node]

    def get(self, host: str, port: int) -> Probe | None:
        return self.probes.get((host, port))


def reason_of(exc: SourceUnavailable) -> dict[str, Any]:
    """A source's failure as a value a verdict can carry: its English, and its text key for any language."""
    return {"text": str(exc), **plain({"reason_key": exc.key, "reason_params": dict(exc.params)})}


def _from_vault(ctx: Sources) -> dict[str, Any]:
    """Addresses the vault knows; empty when Azure is not configured or not readable."""
    from checks.azure.site import find_master_target, find_process_server, is_configuration_server, site_of

    found: dict[str, Any] = {}
    try:
        vault = ctx.source("azure.vault")
    except SourceUnavailable as exc:
        found["problem"] = reason_of(exc)
        return found
    found["architecture"] = vault.architecture
    found["arm_host"] = urlsplit(vault.arm_endpoint).hostname or ""
    if vault.architecture == "modernized":
        return found
    try:
        site = site_of(ctx)
    except SourceUnavailable as exc:
        found["problem"] = reason_of(exc)
        return found
    found["cs"] = str(site.details.get("ipAddress") or "")
    ps, _ = find_process_server(site, ctx.settings.site.process_server)
    if ps is not None:
        found["ps"] = str(ps.get("ipAddress") or "")
        found["ps_is_cs"] = is_configuration_server(site, ps)
    mt, _ = find_master_target(site, ctx.settings.site.master_target)
    if mt is not None:
        found["mt"] = str(mt.get("ipAddress") or "")
    return found


def _login_host(ctx: Sources) -> str:
    from checks.azure.clouds import UnknownCloud, resolve

    if ctx.settings.azure is None:
        return "login.microsoftonline.com"
    try:
        return urlsplit(resolve(ctx.settings.azure).authority).hostname or ""
    except UnknownCloud:
        return "login.microsoftonline.com"


def fetch(ctx: Sources) -> Reachability:
    net = ctx.settings.network
    vault: dict[str, Any] = _from_vault(ctx) if ctx.settings.azure is not None else {
        "problem": {"text": "no [azure] table in the configuration", "reason_key": "reasons:no-azure-table"}}
    ps = net.ps_address or vault.get("ps", "")
    cs = net.cs_address or vault.get("cs", "")
    vc = ctx.settings.vcenter
    vcenter = Endpoint(vc.host, vc.port, "vcenter.host") if vc and vc.host else None
    targets: list[tuple[str, int]] = []
    architecture = vault.get("architecture", "unknown")
    # The process server listens for data on its data port; only the configuration server's own
    # process server also answers on 443. Which one it is, the vault says (addresses may be overridden).
    ps_is_cs = bool(vault.get("ps_is_cs"))
    if architecture != "modernized":
        if ps:
            targets.append((ps, net.data_port))
            if ps_is_cs:
                targets.append((ps, net.https_port))
        if cs:
            targets.append((cs, net.https_port))
        if vcenter:
            targets.append((vcenter.host, vcenter.port))
    return Reachability(
        architecture=architecture,
        ps=ps,
        ps_origin="network.ps_address" if net.ps_address else "vault",
        ps_is_cs=ps_is_cs,
        cs=cs,
        cs_origin="network.cs_address" if net.cs_address else "vault",
        vcenter=vcenter,
        mt=vault.get("mt", "") or ctx.settings.site.master_target,
        arm_host=vault.get("arm_host", "") or "management.azure.com",
        login_host=_login_host(ctx),
        https_port=net.https_port,
        data_port=net.data_port,
        timeout_s=net.timeout_s,
        azure_problem=vault.get("problem"),
        vault_cs=vault.get("cs", ""),
        vault_ps=vault.get("ps", ""),
        probes=probe_all(targets, net.timeout_s, https_ports=frozenset({net.https_port})),
    )


SOURCE = Source("network.probes", fetch)
