"""The vault emulator and a runner of the real checks against it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from checks import catalog
from checks.model import Settings, SiteSettings, VCenterSettings
from checks.runner import Runner
from checks.sources import Sources
from checks.spec import Result
from simulators import settings as simulated
from simulators.azure import AzureEmulator

AZURE_IDS = (
    "az.connect",
    "cs.connected",
    "cs.vm-known",
    "ps.in-azure",
    "mt.registered",
    "mt.group-os",
    "mt.agent-version",
    "mt.host-discovered",
    "policy.failback",
    "vm.failed-over",
)


@pytest.fixture(autouse=True)
def _short_azure_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAILBACK_PREP_AZURE_TIMEOUT_S", "2")
    monkeypatch.setenv("FAILBACK_PREP_LANG", "en")


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[AzureEmulator]:
    scenario = getattr(request, "param", "healthy-classic")
    with AzureEmulator(scenario, device_poll_interval=0) as emu:
        yield emu


def site_settings(**changes: Any) -> SiteSettings:
    return simulated.site_settings(**{"configuration_server_vm": "", **changes})


def settings_for(emu: AzureEmulator, site: SiteSettings | None = None, **azure: Any) -> Settings:
    return simulated.simulated_settings(
        az=emu, azure_changes=azure, site=site or site_settings(),
        vcenter=VCenterSettings(host="vcenter01", user="administrator@vsphere.local"),
        ps_address="", cs_address="", timeout_s=0.5,
    )


def make_sources(settings: Settings, secret: str | None) -> Sources:
    return Sources(catalog.all_sources(), settings, secrets=lambda kind: secret if kind == "azure" else None)


def run_checks(sources: Sources, ids: tuple[str, ...] = AZURE_IDS) -> dict[str, Result]:
    checks = [c for c in catalog.all_checks() if c.id in ids]
    return {r.id: r for r in Runner(checks, sources).run()}


def run(emu: AzureEmulator, site: SiteSettings | None = None, secret: str | None = None,
        ids: tuple[str, ...] = AZURE_IDS, **azure: Any) -> dict[str, Result]:
    sources = make_sources(settings_for(emu, site, **azure), emu.client_secret if secret is None else secret)
    try:
        return run_checks(sources, ids)
    finally:
        sources.close()
