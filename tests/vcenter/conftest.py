"""The vCenter checks against the real simulator (govmomi vcsim) over SOAP/TLS."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from checks import catalog
from checks.model import Settings, SiteSettings, VCenterSettings
from checks.runner import Runner
from checks.sources import Source, Sources
from checks.spec import Result
from simulators import settings as simulated
from simulators.vcenter import VCenterSimulator
from tests.conftest import start_vcsim

ROOT = Path(__file__).resolve().parents[2]
# Session fixtures start before the per-test hermetic home: point the build cache where tests/conftest.py does.

WINDOWS = {"master_target": "mt-win01", "failback_vms": ("app01", "db01")}
LINUX = {"master_target": "mt-lnx01", "failback_vms": ("web01", "web02")}


@pytest.fixture(scope="session")
def vcsim() -> Iterator[VCenterSimulator]:
    """A simulator that no test changes."""
    sim = start_vcsim()
    yield sim
    sim.stop()


@pytest.fixture
def fresh_vcsim() -> Iterator[VCenterSimulator]:
    """A simulator of its own, for tests that change the site."""
    sim = start_vcsim()
    yield sim
    sim.stop()


def vcenter_settings(sim: VCenterSimulator, **changes: Any) -> VCenterSettings:
    return replace(simulated.vcenter_settings(sim), **changes)


def site_settings(sim: VCenterSimulator, site: Mapping[str, Any] = WINDOWS, vcenter: Mapping[str, Any] | None = None) -> Settings:
    """The simulator and the site, no [azure], the network probes at the product's defaults."""
    return simulated.simulated_settings(
        sim, vcenter_changes=vcenter, site=SiteSettings(**{"configuration_server_vm": "cs01", **site}),
        ps_address="", cs_address="", timeout_s=None,
    )


@dataclass
class Run:
    sources: Sources
    results: dict[str, Result]

    def __getitem__(self, check_id: str) -> Result:
        return self.results[check_id]


def vcenter_check_ids() -> set[str]:
    from checks import vcenter

    return {c.id for c in vcenter.CHECKS}


def make_sources(
    settings: Settings, password: str | None, extra: tuple[Source, ...] = ()
) -> Sources:
    registry = catalog.all_sources()
    for src in extra:
        registry[src.name] = src
    return Sources(registry, settings, secrets=lambda kind: password if kind == "vcenter" else None)


def run_checks(sources: Sources, only: set[str] | None = None) -> Run:
    wanted = only or vcenter_check_ids()
    checks = [c for c in catalog.all_checks() if c.id in wanted]
    results = Runner(checks, sources).run()
    return Run(sources, {r.id: r for r in results})


@pytest.fixture
def run(vcsim: VCenterSimulator) -> Iterator[Any]:
    """run(site=..., vcenter=..., password=..., extra=...) -> Run, on the shared simulator."""
    opened: list[Sources] = []

    def _run(
        site: Mapping[str, Any] = WINDOWS,
        vcenter: Mapping[str, Any] | None = None,
        password: str | None = None,
        extra: tuple[Source, ...] = (),
        sim: VCenterSimulator | None = None,
    ) -> Run:
        target = sim or vcsim
        sources = make_sources(site_settings(target, site, vcenter), target.password if password is None else password, extra)
        opened.append(sources)
        return run_checks(sources)

    yield _run
    for sources in opened:
        sources.close()


def pyvmomi_si(sim: VCenterSimulator) -> Any:
    """An independent pyvmomi connection, to read back and to change the site behind the tool's back."""
    from pyVim.connect import SmartConnect

    return SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password, serverPemCert=sim.server_pem)


def read_vm(si: Any, name: str, paths: list[str]) -> dict[str, Any]:
    """Properties of one VM by name, in one PropertyCollector call over a ContainerView."""
    from pyVmomi import vim, vmodl

    pc = vmodl.query.PropertyCollector
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        spec = pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[pc.TraversalSpec(type=vim.view.ContainerView, path="view", skip=False)])],
            propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=["name", *paths])],
        )
        for obj in content.propertyCollector.RetrieveContents([spec]):
            props = {p.name: p.val for p in obj.propSet}
            if props.get("name") == name:
                return {"obj": obj.obj, **props}
    finally:
        view.Destroy()
    raise LookupError(name)


def one_sentence(text: str) -> bool:
    """An operator message: one line, no traceback, ends like a sentence."""
    return "\n" not in text.strip() and "Traceback" not in text and text.strip().endswith(".")
