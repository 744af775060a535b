"""Modernized vaults: the replication appliance that brings the VMs home, and its failback policy.

The modernized architecture (providers InMageRcm, and InMageRcmFailback for the way back) has no
configuration server, process server or master target: an on-premises replication appliance does
their work. Its components are listed in the InMageRcm fabric's `customDetails`, one list per kind,
each entry named by the appliance it runs on (`name`), with `health`, `lastHeartbeatUtc` and
`healthErrors`. The reprotect agent also lists the datastores it reaches (`accessibleDatastores`),
its vCenter (`vcenterId`) and when it last discovered (`lastDiscoveryInUtc`).

No public recording shows an InMageRcm fabric; the shapes follow the SDK's model classes
(InMageRcmFabricSpecificDetails and the component classes), as the emulator's "modernized" scenario
says. Every verdict keeps the raw values it used in its evidence.

Checks (component "appliance"; skipped with the reason on a classic vault):
  app.registered          the appliance is in the vault and its DRA is connected, heartbeat fresh
  app.components-healthy  each component of the appliance: present, healthy, heartbeat fresh, no errors
  app.reprotect-agent     the reprotect agent is healthy and discovered recently
  app.disk-budget         at most 60 disks per appliance across the VMs failing back
  rp.failback-policy      an InMageRcmFailback policy, associated (paired) with the site
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from checks.azure.fields import age_minutes, child, mappings, same_name, text
from checks.azure.site import vault_of
from checks.azure.vault import Resource, Vault, fabric_kind, props, segment
from checks.model import Component, SourceUnavailable, Status
from checks.sources import Source, Sources
from checks.spec import Check, CheckContext, Verdict, verdict

# The components an appliance runs, as the fabric lists them: (list field, our name for the kind).
KINDS = (
    ("processServers", "process-server"),
    ("rcmProxies", "rcm-proxy"),
    ("pushInstallers", "push-installer"),
    ("replicationAgents", "replication-agent"),
    ("reprotectAgents", "reprotect-agent"),
    ("marsAgents", "mars-agent"),
    ("dras", "dra"),
)
HEARTBEAT_MAX_MIN = 15  # as for the classic servers: older than this, the component is not talking
DISCOVERY_MAX_MIN = 24 * 60  # the reprotect agent rediscovers vCenter far more often than daily
DISKS_PER_APPLIANCE = 60


@dataclass(frozen=True)
class Appliance:
    name: str
    fabric: Resource
    components: Mapping[str, list[Mapping[str, Any]]]  # our kind -> the appliance's entries of that kind

    @property
    def fabric_name(self) -> str:
        return text(props(self.fabric).get("friendlyName")) or text(self.fabric.get("name"))


def _appliances(fabric: Resource) -> dict[str, dict[str, list[Mapping[str, Any]]]]:
    """The fabric's components, grouped by the machine they run on: its BIOS id, which every component
    of one appliance shares (their names need not agree: one may say the FQDN), else the name."""
    details = child(props(fabric), "customDetails")
    found: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for field_name, kind in KINDS:
        for entry in mappings(details.get(field_name)):
            key = text(entry.get("biosId")).lower() or text(entry.get("name")).lower()
            if key:
                found.setdefault(key, {}).setdefault(kind, []).append(entry)
    return found


def _names(components: Mapping[str, list[Mapping[str, Any]]]) -> list[str]:
    """The names an appliance goes by, the DRA's first (the one the vault's provider list uses)."""
    ordered = [*components.get("dra", []), *(e for entries in components.values() for e in entries)]
    names: list[str] = []
    for entry in ordered:
        for value in (entry.get("name"), entry.get("fqdn")):
            if text(value) and text(value) not in names:
                names.append(text(value))
    return names


def appliance_of(ctx: CheckContext) -> Appliance:
    """The configured appliance ([site] appliance), or the vault's only one; SourceUnavailable naming
    what is missing otherwise."""
    vault: Vault = vault_of(ctx)
    wanted = ctx.settings.site.appliance
    known: dict[str, tuple[Resource, str, dict[str, list[Mapping[str, Any]]]]] = {}
    aliases: dict[str, set[str]] = {}
    for fabric in vault.fabrics:
        if fabric_kind(fabric) != "InMageRcm":
            continue
        for key, components in _appliances(fabric).items():
            called = _names(components) or [key]
            known[key] = (fabric, called[0], components)
            for name in [key, *called]:  # its BIOS id, its names, and "appliance01" for appliance01.corp.example
                aliases.setdefault(name.lower(), set()).add(key)
                aliases.setdefault(name.lower().split(".")[0], set()).add(key)
    names = ", ".join(sorted(v[1] for v in known.values())) or "none"
    if wanted:
        keys = aliases.get(wanted.lower(), set())
        if len(keys) > 1:  # two registrations of one name (a redeployed appliance): never pick one silently
            raise SourceUnavailable(f"{len(keys)} appliances in vault {vault.name} are called {wanted!r} (BIOS ids "
                                    f"{', '.join(sorted(keys))}); set [site] appliance to the BIOS id of the one to use",
                                    key="reasons:appliance-ambiguous", appliance=wanted, vault=vault.name,
                                    known=", ".join(sorted(keys)), count=len(keys))
        hit = known.get(next(iter(keys))) if keys else None
        if hit is None:
            raise SourceUnavailable(f"the appliance {wanted!r} is not in vault {vault.name} (it has: {names})",
                                    key="reasons:appliance-not-in-vault", appliance=wanted, vault=vault.name,
                                    known=names)
        return Appliance(hit[1], hit[0], hit[2])
    if len(known) != 1:
        raise SourceUnavailable(f"vault {vault.name} has {len(known)} appliances ({names}); set [site] appliance",
                                key="reasons:which-appliance", vault=vault.name, known=names, count=len(known))
    fabric, display, components = next(iter(known.values()))
    return Appliance(display, fabric, components)


def modernized_only(decide: Callable[[CheckContext], Verdict]) -> Callable[[CheckContext], Verdict]:
    """Skip a modernized-architecture check, with the reason, when the vault is classic."""

    @functools.wraps(decide)
    def guarded(ctx: CheckContext) -> Verdict:
        vault = vault_of(ctx)
        if vault.architecture != "modernized":
            return verdict(Status.SKIP, "modernized-only", {"architecture": vault.architecture})
        return decide(ctx)

    return guarded


def _component(kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """One component as the evidence keeps it: the raw values a verdict read."""
    age = age_minutes(entry.get("lastHeartbeatUtc"))
    return {"kind": kind, "id": entry.get("id"), "health": entry.get("health"),
            "last_heartbeat": entry.get("lastHeartbeatUtc"), "heartbeat_age_min": None if age is None else round(age, 1),
            "version": entry.get("version"),
            "errors": [{"code": e.get("errorCode"), "message": e.get("errorMessage") or e.get("summaryMessage")}
                       for e in mappings(entry.get("healthErrors"))]}


def _problem(component: Mapping[str, Any]) -> tuple[Status, str] | None:
    """What is wrong with one component, worst first: (status, part key), or None."""
    health = text(component.get("health")).lower()
    age = component.get("heartbeat_age_min")
    if health == "critical":
        return Status.FAIL, "critical"
    if age is None:
        return Status.FAIL, "no-heartbeat"
    if age > HEARTBEAT_MAX_MIN:
        return Status.FAIL, "stale"
    if health == "warning" or component.get("errors"):
        return Status.WARN, "warning"
    if health != "normal":  # not stated, "None", or a word we do not know: not proven healthy
        return Status.WARN, "unknown-health"
    return None


@modernized_only
def registered(ctx: CheckContext) -> Verdict:
    appliance = appliance_of(ctx)
    vault: Vault = vault_of(ctx)
    providers = [p for p in vault.providers
                 if same_name(props(p).get("machineName") or props(p).get("friendlyName"), appliance.name)]
    evidence: dict[str, Any] = {"appliance": appliance.name, "site": appliance.fabric_name,
                                "providers": [{"name": props(p).get("friendlyName"),
                                               "connection": props(p).get("connectionStatus"),
                                               "last_heartbeat": props(p).get("lastHeartBeat"),
                                               "version": props(p).get("providerVersion")} for p in providers]}
    params = {"appliance": appliance.name, "site": appliance.fabric_name}
    if not providers:
        return verdict(Status.FAIL, "no-provider", evidence, **params)
    provider = props(providers[0])
    age = age_minutes(provider.get("lastHeartBeat"))
    if text(provider.get("connectionStatus")).lower() != "connected":
        return verdict(Status.FAIL, "disconnected", evidence, connection=text(provider.get("connectionStatus")) or "-",
                       **params)
    if age is None or age > HEARTBEAT_MAX_MIN:
        return verdict(Status.FAIL, "stale", evidence, age="?" if age is None else round(age), **params)
    return verdict(Status.PASS, "ok", evidence, age=round(age), **params)


@modernized_only
def components_healthy(ctx: CheckContext) -> Verdict:
    appliance = appliance_of(ctx)
    rows = [_component(kind, entry) for _, kind in KINDS for entry in appliance.components.get(kind, [])]
    missing = [kind for _, kind in KINDS if kind not in appliance.components]
    evidence = {"appliance": appliance.name, "components": rows, "missing": missing,
                "heartbeat_max_min": HEARTBEAT_MAX_MIN}
    parts: list[dict[str, Any]] = [{"key": "missing", "kind": kind} for kind in missing]
    worst = Status.FAIL if missing else Status.PASS
    for row in rows:
        found = _problem(row)
        if found is None:
            continue
        status, key = found
        worst = Status.FAIL if Status.FAIL in (worst, status) else Status.WARN
        codes = ", ".join(str(e["code"]) for e in row["errors"] if e.get("code")) or "-"
        parts.append({"key": key, "kind": row["kind"], "health": row["health"] or "-", "codes": codes,
                      "age": "?" if row["heartbeat_age_min"] is None else round(row["heartbeat_age_min"])})
    if worst == Status.PASS:
        return verdict(Status.PASS, "ok", evidence, appliance=appliance.name, count=len(rows))
    return verdict(worst, "problems", evidence, appliance=appliance.name, parts=parts)


@modernized_only
def reprotect_agent(ctx: CheckContext) -> Verdict:
    appliance = appliance_of(ctx)
    agents = appliance.components.get("reprotect-agent", [])
    params = {"appliance": appliance.name}
    if not agents:
        return verdict(Status.FAIL, "missing", {"appliance": appliance.name}, **params)
    agent = agents[0]
    row = _component("reprotect-agent", agent)
    discovered = age_minutes(agent.get("lastDiscoveryInUtc"))
    evidence = {**row, "appliance": appliance.name, "vcenter_id": agent.get("vcenterId"),
                "accessible_datastores": list(agent.get("accessibleDatastores") or []),
                "last_discovery": agent.get("lastDiscoveryInUtc"),
                "discovery_age_min": None if discovered is None else round(discovered, 1),
                "discovery_max_min": DISCOVERY_MAX_MIN}
    found = _problem(row)
    if found is not None and found[0] == Status.FAIL:
        return verdict(Status.FAIL, "unhealthy", evidence, health=row["health"] or "-",
                       age="?" if row["heartbeat_age_min"] is None else round(row["heartbeat_age_min"]), **params)
    reachable = [str(d) for d in evidence["accessible_datastores"]]
    if not reachable:  # whether it reaches the target datastore, and vCenter mounts it: app.datastore-access
        return verdict(Status.FAIL, "no-datastores", evidence, **params)
    if discovered is None:
        return verdict(Status.FAIL, "never-discovered", evidence, **params)
    if discovered > DISCOVERY_MAX_MIN:
        return verdict(Status.WARN, "old-discovery", evidence, hours=round(discovered / 60), **params)
    if found is not None:
        return verdict(Status.WARN, "warning", evidence, health=row["health"] or "-", **params)
    return verdict(Status.PASS, "ok", evidence, minutes=round(discovered), datastores=len(evidence["accessible_datastores"]),
                   **params)


def _rcm_items(vault: Vault, vms: tuple[str, ...]) -> tuple[dict[str, Resource], list[str]]:
    found: dict[str, Resource] = {}
    for item in vault.items:
        details = child(props(item), "providerSpecificDetails")
        if text(details.get("instanceType")).lower() not in ("inmagercm", "inmagercmfailback"):
            continue
        name = text(props(item).get("friendlyName"))
        if any(same_name(name, vm) for vm in vms):
            found[name.lower()] = item
    missing = [vm for vm in vms if vm.lower() not in found]
    return found, missing


def _disks(item: Resource) -> int:
    return len(mappings(child(props(item), "providerSpecificDetails").get("protectedDisks")))


def _failing_back_through(vault: Vault, appliance: Appliance) -> dict[str, Resource]:
    """Items already replicating back (InMageRcmFailback) through this appliance's reprotect agent:
    their disks are attached to the appliance too."""
    agents = {text(a.get("id")).lower() for a in appliance.components.get("reprotect-agent", []) if a.get("id")}
    out: dict[str, Resource] = {}
    for item in vault.items:
        details = child(props(item), "providerSpecificDetails")
        if text(details.get("instanceType")).lower() != "inmagercmfailback":
            continue
        agent = text(details.get("reprotectAgentId")).lower()
        by_name = same_name(details.get("reprotectAgentName"), appliance.name)
        if (agent and agent in agents) or by_name:
            out[text(props(item).get("friendlyName")).lower()] = item
    return out


@modernized_only
def disk_budget(ctx: CheckContext) -> Verdict:
    appliance = appliance_of(ctx)
    vault: Vault = vault_of(ctx)
    vms = ctx.settings.site.failback_vms
    found, missing = _rcm_items(vault, vms)
    busy = _failing_back_through(vault, appliance)
    # Each VM once: the named ones (to reprotect, or already failing back) and the others already here.
    counted = {**{name: item for name, item in busy.items()}, **found}
    per_vm = {text(props(item).get("friendlyName")): _disks(item) for item in counted.values()}
    total = sum(per_vm.values())
    evidence = {"appliance": appliance.name, "disks_by_vm": per_vm, "total": total, "limit": DISKS_PER_APPLIANCE,
                "vms_not_found": missing,
                "already_failing_back": sorted(text(props(i).get("friendlyName")) for n, i in busy.items()
                                               if n not in found)}
    params = {"appliance": appliance.name, "total": total, "limit": DISKS_PER_APPLIANCE}
    if not vms:
        return verdict(Status.SKIP, "no-vms", evidence, **params)
    if total > DISKS_PER_APPLIANCE:
        return verdict(Status.FAIL, "over", evidence, **params)
    if missing:
        return verdict(Status.WARN, "some-missing", evidence, vms=", ".join(missing), **params)
    return verdict(Status.PASS, "ok", evidence, count=len(per_vm), **params)


@modernized_only
def failback_policy(ctx: CheckContext) -> Verdict:
    vault: Vault = vault_of(ctx)
    policies = [p for p in vault.policies
                if same_name(child(props(p), "providerSpecificDetails").get("instanceType"), "InMageRcmFailback")]
    evidence: dict[str, Any] = {"policies": [{"name": props(p).get("friendlyName") or p.get("name"), "id": p.get("id"),
                                              "details": dict(child(props(p), "providerSpecificDetails"))}
                                             for p in policies]}
    if not policies:
        known = [text(props(p).get("friendlyName") or p.get("name")) for p in vault.policies]
        return verdict(Status.FAIL, "missing", {**evidence, "known": known}, known=", ".join(known) or "-")
    ids = {text(p.get("id")).lower() for p in policies}
    sites = {text(f.get("name")).lower() for f in vault.fabrics if fabric_kind(f) == "InMageRcm"}
    # The way back: mapped from Azure to a container of the appliance's site, with the failback provider.
    mapped = [m for m in vault.mappings if text(props(m).get("policyId")).lower() in ids
              and segment(text(props(m).get("targetProtectionContainerId")), "replicationFabrics").lower() in sites]
    evidence["mappings"] = [{"name": m.get("name"), "state": props(m).get("state"), "health": props(m).get("health"),
                             "provider": child(props(m), "providerSpecificDetails").get("instanceType")}
                            for m in mapped]
    name = text(props(policies[0]).get("friendlyName") or policies[0].get("name"))
    if not mapped:
        return verdict(Status.FAIL, "not-mapped", evidence, policy=name)
    if not any(text(props(m).get("state")).lower() == "paired" for m in mapped):
        states = ", ".join(f"{text(m.get('name'))}: {text(props(m).get('state')) or '?'}" for m in mapped)
        return verdict(Status.FAIL, "not-paired", evidence, policy=name, states=states)
    return verdict(Status.PASS, "ok", evidence, policy=name)


def _fetch_appliance(ctx: Sources) -> dict[str, Any]:
    """The appliance as the vCenter checks need it, as plain data: which architecture the vault has and,
    when modernized, the appliance's name and the datastores its reprotect agent reaches."""
    vault: Vault = ctx.source("azure.vault")
    if vault.architecture != "modernized":
        return {"architecture": vault.architecture}
    appliance = appliance_of(ctx)
    agents = appliance.components.get("reprotect-agent", [])
    agent = agents[0] if agents else {}
    return {"architecture": "modernized", "name": appliance.name, "site": appliance.fabric_name,
            "reprotect_agent": text(agent.get("id")) or None, "vcenter_id": agent.get("vcenterId"),
            "accessible_datastores": [str(d) for d in agent.get("accessibleDatastores") or []] if agents else None}


SOURCE = Source("azure.appliance", _fetch_appliance)

CHECKS = (
    Check("app.registered", Component.APPLIANCE, None, reads=("azure.vault",), decide=registered),
    Check("app.components-healthy", Component.APPLIANCE, None, reads=("azure.vault",), decide=components_healthy),
    Check("app.reprotect-agent", Component.APPLIANCE, None, reads=("azure.vault",), decide=reprotect_agent),
    Check("app.disk-budget", Component.APPLIANCE, None, reads=("azure.vault",), decide=disk_budget),
    Check("rp.failback-policy", Component.FAILBACK_POLICY, None, reads=("azure.vault",), decide=failback_policy),
)
