"""policy.failback: a failback policy exists and is associated with the CS.

Site Recovery creates it with the replication policy at 15 min / 24 h / 60 min. Other values still
carry a failback (recorded vaults show 5 / 2400 / 900), so they warn and are shown; only a missing
association with the configuration server stops the reprotect.
"""

from __future__ import annotations

from typing import Any

from checks.azure.fields import child, number, same_name, text
from checks.azure.site import Site, classic_only, site_of
from checks.azure.vault import Resource, props, same_id
from checks.model import Component, Status
from checks.spec import Check, CheckContext, Verdict, verdict

EXPECTED = {"recoveryPointThresholdInMinutes": 15, "recoveryPointHistory": 1440, "appConsistentFrequencyInMinutes": 60}


def _minutes(value: Any) -> int | float | None:
    """A policy value as a number: real vaults may send "15" as well as 15."""
    found = number(value)
    return int(found) if found is not None and found.is_integer() else found


def _paired(mappings: list[Any]) -> bool:
    return any(text(props(m).get("state")).lower() == "paired" for m in mappings)


def failback_policies(site: Site) -> list[tuple[Resource, dict[str, Any], list[Any]]]:
    """The failback policies (InMage details: on-premises bound), each with its values and its mappings to
    the configuration server's containers; the likeliest first: paired, mapped at all, default values."""
    vault = site.vault
    candidates = [
        p for p in vault.policies if same_name(child(props(p), "providerSpecificDetails").get("instanceType"), "InMage")
    ]
    cs_containers = site.containers()
    rows = []
    for policy in candidates:
        details = child(props(policy), "providerSpecificDetails")
        values = {key: _minutes(details.get(key)) for key in EXPECTED}
        mapped = [
            m for m in vault.mappings
            if same_id(props(m).get("policyId"), policy.get("id"))
            and (site.owns(m.get("id")) or any(same_id(props(m).get("targetProtectionContainerId"), c.get("id"))
                                               for c in cs_containers))
        ]
        rows.append((policy, values, mapped))
    rows.sort(key=lambda r: (not _paired(r[2]), not r[2], r[1] != EXPECTED))
    return rows


@classic_only
def failback(ctx: CheckContext) -> Verdict:
    site = site_of(ctx)
    vault = site.vault
    candidates = failback_policies(site)
    if not candidates:
        names = [props(p).get("friendlyName") or p.get("name") for p in vault.policies]
        return verdict(Status.FAIL, "missing", {"policies": names}, known=names)
    rows = candidates
    policy, values, mapped = rows[0]
    evidence = {
        "policy": props(policy).get("friendlyName") or policy.get("name"),
        "id": policy.get("id"),
        "rpo_threshold_min": values["recoveryPointThresholdInMinutes"],
        "retention_min": values["recoveryPointHistory"],
        "app_consistent_min": values["appConsistentFrequencyInMinutes"],
        "expected": {"rpo_threshold_min": EXPECTED["recoveryPointThresholdInMinutes"],
                     "retention_min": EXPECTED["recoveryPointHistory"],
                     "app_consistent_min": EXPECTED["appConsistentFrequencyInMinutes"]},
        "mappings": [{"name": m.get("name"), "state": props(m).get("state"), "health": props(m).get("health"),
                      "container": props(m).get("sourceProtectionContainerFriendlyName")} for m in mapped],
    }
    params = {
        "policy": evidence["policy"],
        "cs": site.name,
        "rpo": values["recoveryPointThresholdInMinutes"],
        "retention": values["recoveryPointHistory"],
        "app": values["appConsistentFrequencyInMinutes"],
    }
    if not mapped:
        return verdict(Status.FAIL, "not-mapped", evidence, **params)
    if not _paired(mapped):
        # An association that failed or is being removed carries no failback.
        states = [f"{text(m.get('name'))}: {text(props(m).get('state')) or '?'}" for m in mapped]
        return verdict(Status.FAIL, "not-paired", evidence, states=states, **params)
    if values != EXPECTED:
        return verdict(Status.WARN, "other-values", evidence, **params)
    return verdict(Status.PASS, "ok", evidence, **params)


CHECK = Check("policy.failback", Component.FAILBACK_POLICY, None, reads=("azure.vault",), decide=failback)
