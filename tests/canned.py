"""A canned site: the real catalog's checks, deciding from a fixed table instead of vCenter and Azure.
For tests of the controller and the screens, where what the checks find is the input."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from checks import catalog
from checks.model import Settings, SiteSettings, SourceUnavailable, Status
from checks.sources import Source, Sources
from checks.spec import Check, Verdict, verdict
from checks.texts import load_language
from control.engine import Engine

# What the canned site looks like: a master target with two problems, manual steps open, the rest fine.
CANNED_STATUS = {
    "mt.no-snapshots": Status.FAIL,
    "mt.disk-enableuuid": Status.FAIL,
    "mt.host-discovered": Status.WARN,
    "mt.host-capacity": Status.SKIP,
    "cs.failback-nic": Status.SKIP,
    "net.s2s": Status.MANUAL,
}
PORTS_EVIDENCE: dict[str, Any] = {
    "tested": [
        {"key": "here-cs", "link": "here -> configuration server", "host": "10.0.0.10", "port": 443,
         "result": "TLS ok", "answered": True},
        {"key": "here-ps-data", "link": "here -> process server (data)", "host": "10.1.0.4", "port": 9443,
         "result": "timeout", "answered": False},
        {"key": "here-vcenter", "link": "here -> vCenter", "host": "vcenter.corp.example", "port": 443,
         "result": "TLS ok", "answered": True},
    ],
    "not_testable_here": [
        {"key": "ps-mt-data", "link": "process server -> master target (data)", "run_on": "the process server in Azure",
         "windows": "Test-NetConnection 10.0.0.20 -Port 9443", "linux": "nc -vz -w 5 10.0.0.20 9443"},
    ],
}
SAMPLE = {"vm": "app01", "vms": ["app01", "db01"], "master_target": "mt-win01", "count": 2, "host": "esx01",
          "name": "mt-win01", "address": "10.1.0.4", "note": "-", "cs": "cs01", "ps": "ps-azure01",
          "ip": "10.1.0.4", "age": "1", "service": "Running", "health": "Normal", "connection": "Connected",
          "where": "vnet-recovery (snet-failover 10.1.0.0/24)", "results": "9443: TLS ok", "subject": "CN=ps-azure01",
          "mt": "9.55.6765.1", "parts": "9443: TLS ok"}
PLACEHOLDER = re.compile(r"{(\w+)}")


def _summary_key(check_id: str, status: Status) -> tuple[str, dict[str, Any]]:
    templates: Mapping[str, str] = load_language("en").get("checks", {}).get(check_id, {}).get("summary", {})
    wanted = {Status.PASS: ("ok", "confirmed"), Status.MANUAL: ("waiting", "reachable-unconfirmed"),
              Status.SKIP: ("not-needed", "not-alternate"), Status.FAIL: ("found", "absent"),
              Status.WARN: ("other-name",)}
    keys = list(templates)
    key = next((k for k in wanted.get(status, ()) if k in templates), None)
    if key is None:
        key = next((k for k in keys if k not in ("ok", "waiting", "confirmed")), keys[0] if keys else "ok")
    params = {name: SAMPLE.get(name, name) for name in PLACEHOLDER.findall(templates.get(key, ""))}
    return key, params


MODERNIZED_ONLY = ("net.azure-outbound", "app.log-storage", "app.registered", "app.components-healthy",
                   "app.reprotect-agent", "app.datastore-access", "app.disk-budget", "app.storage-drs",
                   "rp.failback-policy", "vm.azure-agent", "vm.disk-enableuuid")
# (The vCenter checks of the master target say classic-only on a modernized vault that names none.)
CLASSIC_ONLY = ("cs.connected", "cs.vm-known", "cs.same-ip", "ps.in-azure", "ps.reachable", "ps.bandwidth",
                "mt.registered", "mt.group-os", "mt.agent-version", "mt.retention-formatted", "mt.discovery-done",
                "mt.host-discovered", "policy.failback", "net.s2s", "net.link-type", "net.ports",
                "mt.os-match", "mt.disk-count", "mt.no-snapshots", "mt.scsi-controller", "mt.disk-uuid-clash",
                "mt.storage-vmotion", "mt.retention-volume", "mt.vmware-tools", "mt.disk-enableuuid",
                "mt.datastore-access", "mt.vmfs-datastore")


def modernized(canned: Canned) -> Canned:
    """The canned site with a modernized vault: the classic checks say they are not for it."""
    canned.evidence["az.connect"] = {"architecture": "modernized"}
    canned.not_here = {check_id: "classic-only" for check_id in CLASSIC_ONLY}
    return canned


class Canned:
    """The table the canned checks read; tests change it, or hold a check up with `hold`."""

    def __init__(self) -> None:
        self.status = dict(CANNED_STATUS)
        self.evidence: dict[str, dict[str, Any]] = {"net.ports": PORTS_EVIDENCE}
        self.hold: dict[str, threading.Event] = {}
        self.unavailable: dict[str, str] = {}  # check id -> the reason it cannot decide
        self.reads = 0
        # The checks that are not for this (classic) site's vault, and the key they say it with.
        self.not_here: dict[str, str] = {check_id: "modernized-only" for check_id in MODERNIZED_ONLY}


def canned_check(check: Check, canned: Canned) -> Check:
    def decide(ctx: Any) -> Verdict:
        table: Canned = ctx.source("canned")
        gate = table.hold.get(check.id)
        if gate is not None:
            gate.wait(30)
        if check.id in table.not_here:
            return verdict(Status.SKIP, table.not_here[check.id])  # not for this site's vault, as the real check says
        if check.manual:
            answer = ctx.settings.answers.get(check.id)
            if answer is not None:
                status = Status.PASS if answer.status == "confirmed" else Status.SKIP
                return verdict(status, answer.status, note=answer.note or "-")
            return verdict(Status.MANUAL, "waiting")
        if check.id in table.unavailable:
            raise SourceUnavailable(table.unavailable[check.id])
        status = table.status.get(check.id, Status.PASS)
        key, params = _summary_key(check.id, status)
        return verdict(status, key, table.evidence.get(check.id), **params)

    return Check(check.id, check.component, check.step, ("canned",), decide, check.fixes, timeout_s=check.timeout_s,
                 manual=check.manual)


def canned_factory(canned: Canned) -> Callable[[Settings, Any], Engine]:
    def factory(settings: Settings, lookup: Any) -> Engine:
        def fetch(_: Sources) -> Canned:
            canned.reads += 1
            return canned

        sources = Sources({"canned": Source("canned", fetch)}, settings, lookup)
        checks = [canned_check(c, canned) for c in catalog.all_checks()]
        return Engine(settings, checks, catalog.all_fixes(), sources, dict(settings.answers))

    return factory


def canned_settings(source: str = "") -> Settings:
    return Settings(site=SiteSettings(master_target="mt-win01", failback_vms=("app01", "db01")), source=source)


class NoSecrets:
    """A lookup with nothing stored: only what the operator types in this session."""

    def __init__(self) -> None:
        self.session_only: dict[str, str] = {}

    def __call__(self, kind: str) -> str | None:
        return self.session_only.get(kind)


