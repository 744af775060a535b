"""Settings that point the product at the simulators: the one place tests, benchmarks and the demo build them.

`simulated_settings()` gives a `checks.model.Settings` for a running vCenter simulator and/or vault
emulator (client-secret sign-in through the emulator's endpoints and CA), the failback site of SITE.md,
and loopback process-server and configuration-server addresses. `config_text()` writes the same settings
as the TOML configuration that the CLI and the wizard read.

    with VCenterSimulator() as vc, AzureEmulator("healthy-classic") as az:
        settings = simulated_settings(vc, az, https_port=443, data_port=9443, timeout_s=2.0)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.model import AzureSettings, NetworkSettings, Settings, SiteSettings, VCenterSettings

if TYPE_CHECKING:
    from simulators.azure import AzureEmulator
    from simulators.vcenter import VCenterSimulator

LOOPBACK = "127.0.0.1"

# The failback site of SITE.md: the Windows master target and the VMs it serves.
SITE = SiteSettings(
    master_target="mt-win01",
    failback_vms=("app01", "db01"),
    configuration_server="cs01",
    configuration_server_vm="cs01",
    process_server="ps-azure01",
)


def site_settings(**changes: Any) -> SiteSettings:
    return replace(SITE, **changes)


def vcenter_settings(vc: VCenterSimulator, proxy_port: int | None = None) -> VCenterSettings:
    """The simulator, pinned by its fingerprint; `proxy_port`: a loopback proxy in front of it."""
    return VCenterSettings(
        host=LOOPBACK if proxy_port is not None else str(vc.host),
        port=proxy_port if proxy_port is not None else int(vc.port or 0),
        user=vc.username,
        thumbprint=vc.thumbprint_sha256 or "",
        # The account the simulated site gives Site Recovery, with the failback role (SITE.md).
        failback_account="VSPHERE.LOCAL\\asr-appliance",
    )


def azure_settings(az: AzureEmulator, **changes: Any) -> AzureSettings:
    """The emulator's vault, client-secret sign-in at its authority, its CA trusted."""
    base = AzureSettings(
        tenant_id=az.tenant_id,
        subscription_id=az.subscription_id,
        resource_group=az.resource_group,
        vault=az.vault,
        auth="client-secret",
        client_id=az.client_id,
        arm_endpoint=az.base_url,
        authority=az.authority,
        ca_file=az.ca_file,
    )
    return replace(base, **changes)


def simulated_settings(
    vc: VCenterSimulator | None = None,
    az: AzureEmulator | None = None,
    *,
    vcenter_port: int | None = None,
    vcenter_changes: Mapping[str, Any] | None = None,
    vcenter: VCenterSettings | None = None,
    azure_changes: Mapping[str, Any] | None = None,
    site: SiteSettings = SITE,
    ps_address: str = LOOPBACK,
    cs_address: str = LOOPBACK,
    https_port: int | None = None,
    data_port: int | None = None,
    timeout_s: float | None = 1.0,
) -> Settings:
    """Settings for the running simulators.

    vc, vcenter_port, vcenter_changes: the vCenter simulator, reached directly or through a proxy on that
        loopback port, with fields changed (thumbprint="", insecure=True, ...); without one, `vcenter`
        (a stand-in) or no [vcenter] at all.
    az, azure_changes: the vault emulator, with fields changed (auth="device-code", ...); without one, no [azure].
    ps_address, cs_address, https_port, data_port, timeout_s: where the network probes go ("" and None: the
        product's defaults).
    """
    if vc is not None and vcenter is not None:
        raise ValueError("give the vCenter simulator or a stand-in VCenterSettings, not both")
    if vc is None and vcenter_changes:
        raise ValueError("vcenter_changes change the vCenter simulator's settings: give the simulator")
    given = {"https_port": https_port, "data_port": data_port, "timeout_s": timeout_s}
    return Settings(
        site=site,
        vcenter=replace(vcenter_settings(vc, vcenter_port), **(vcenter_changes or {})) if vc is not None else vcenter,
        azure=azure_settings(az, **(azure_changes or {})) if az is not None else None,
        network=NetworkSettings(ps_address=ps_address, cs_address=cs_address,
                                **{key: value for key, value in given.items() if value is not None}),
    )


def _tables(settings: Settings) -> dict[str, dict[str, Any]]:
    if settings.answers:
        raise ValueError("config_text writes no [answers]; record answers through the product")
    parts = {"vcenter": settings.vcenter, "azure": settings.azure, "site": settings.site, "network": settings.network}
    return {
        table: {f.name: getattr(part, f.name) for f in fields(part) if getattr(part, f.name) != f.default}
        for table, part in parts.items()
        if part is not None
    }


def config_text(settings: Settings, **site: Any) -> str:
    """The TOML configuration for these settings (keys left at the product's defaults are left out, and so
    are [site] and [network] when all of theirs are; [vcenter] and [azure] always have keys).

    `site`: raw [site] values written over the settings' own, of any type: tests of bad input write
    values that no SiteSettings would hold.
    """
    tables = _tables(settings)
    tables["site"].update(site)
    lines = []
    for table, values in tables.items():
        if not values:
            continue  # read the same as an empty table
        lines.append(f"[{table}]")
        # A JSON string, number, boolean or array of them is also TOML.
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def write_config(path: Path, settings: Settings, **site: Any) -> Path:
    path.write_text(config_text(settings, **site), encoding="utf-8")
    return path
