"""cs.connected and cs.vm-known: the configuration server as Site Recovery sees it."""

from __future__ import annotations

from typing import Any

from checks.azure.fields import (
    HEARTBEAT_LIMIT_MIN,
    age_minutes,
    certificate,
    fresh,
    judge_health,
    mappings,
    shown_age,
    text,
)
from checks.azure.site import classic_only, failback_items, site_of
from checks.azure.vault import props
from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict


@classic_only
def connected(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    details = site.details
    fabric = props(site.fabric)
    age = age_minutes(details.get("lastHeartbeat"))
    service = text(details.get("csServiceStatus")) or "unknown"
    providers = site.providers()
    connection = ", ".join(text(props(p).get("connectionStatus")) or "unknown" for p in providers) or "none"
    # The fabric's own health: real vaults report e.g. an expiring certificate there ("Error").
    health = text(fabric.get("health"))
    fails: list[dict[str, Any]] = []
    warns: list[dict[str, Any]] = []
    if not fresh(age):
        fails.append({"key": "heartbeat", "age": shown_age(age), "limit": HEARTBEAT_LIMIT_MIN})
    if service.lower() != "running":
        fails.append({"key": "service", "service": service})
    if not providers or any(text(props(p).get("connectionStatus")).lower() != "connected" for p in providers):
        fails.append({"key": "provider", "connection": connection})
    cert = certificate(details)
    if cert is not None:
        (fails if cert["key"] == "certificate-expired" else warns).append(cert)
    judged = judge_health(health, fabric.get("healthErrorDetails"))
    if judged is not None:
        (fails if judged["level"] == "bad" else warns).append(
            {"key": "fabric-health" if judged["level"] == "bad" else "fabric-warning",
             "health": health or "-", "errors": judged["errors"]})
    evidence = {
        "configuration_server": site.name,
        "fabric": site.fabric_name,
        "ip_address": details.get("ipAddress"),
        "host_name": details.get("hostName"),
        "agent_version": details.get("agentVersion"),
        "last_heartbeat": details.get("lastHeartbeat"),
        "heartbeat_age_min": None if age is None else round(age, 1),
        "service_status": service,
        "ssl_cert_expiry": details.get("sslCertExpiryDate"),
        "ssl_cert_remaining_days": details.get("sslCertExpiryRemainingDays"),
        "fabric_health": health or None,
        "fabric_health_errors": [
            {"code": e.get("errorCode"), "level": e.get("errorLevel"), "message": e.get("errorMessage")
             or e.get("summaryMessage"), "action": e.get("recommendedAction")}
            for e in mappings(fabric.get("healthErrorDetails"))
        ],
        "providers": [
            {
                "name": p.get("name"),
                "friendly_name": props(p).get("friendlyName"),
                "connection_status": props(p).get("connectionStatus"),
                "last_heartbeat": props(p).get("lastHeartBeat"),
            }
            for p in providers
        ],
        "problems": [p["key"] for p in fails + warns],
    }
    params = {"name": site.name, "ip": text(details.get("ipAddress")) or "?", "age": shown_age(age),
              "service": service, "connection": connection}
    if fails:
        return verdict(Status.FAIL, "not-ready", evidence, parts=fails + warns, **params)
    if warns:
        return verdict(Status.WARN, "caveats", evidence, parts=warns, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


@classic_only
def vm_known(ctx: CheckContext) -> Verdict:
    vms = ctx.settings.site.failback_vms
    if not vms:
        return verdict(Status.SKIP, "no-vms")
    site = site_of(ctx)
    found, missing = failback_items(site, vms)
    evidence = {
        "configuration_server": site.name,
        "protected_items": {vm: item.get("id") for vm, item in found.items()},
        "missing": missing,
    }
    if missing:
        return verdict(Status.FAIL, "missing", evidence, cs=site.name, missing=missing)
    return verdict(Status.PASS, "ok", evidence, cs=site.name, count=len(found), vms=list(found))


CHECKS = (
    Check("cs.connected", Component.CONFIGURATION_SERVER, None, reads=("azure.vault",), decide=connected,
          fixes=("cs.refresh",)),
    Check("cs.vm-known", Component.CONFIGURATION_SERVER, None, reads=("azure.vault",), decide=vm_known),
)
