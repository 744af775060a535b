"""Checks, sources and fix-its that read the Site Recovery vault.

Sources:
  azure.client         persistent: the credential and the SiteRecoveryManagementClient
  azure.vault          one parallel read of the whole vault per run (vault.Vault)
  azure.master-target  the configured master target as Site Recovery lists it (a dict)
  azure.resources      the failed-over VMs and their virtual networks, read from Resource Manager
  azure.failback-os    each failback VM's OS as its protected item records it
  azure.appliance      the modernized vault's appliance for the vCenter checks (name, reachable datastores)
  azure.recovery-points  the recovery points of each failback VM replicating with InMageRcm (modernized)
"""

from checks.azure import (
    appliance,
    client,
    configuration_server,
    connect,
    failback_vms,
    master_target,
    policy,
    process_server,
    recovery_points,
    refresh,
    resources,
    site,
    vault,
)
from checks.sources import Source
from checks.spec import Check, Fix, Result

SOURCES: tuple[Source, ...] = (
    client.SOURCE, vault.SOURCE, master_target.SOURCE, resources.SOURCE, site.FAILBACK_OS,
    recovery_points.SOURCE, appliance.SOURCE)
CHECKS: tuple[Check, ...] = (
    connect.CHECK,
    *configuration_server.CHECKS,
    process_server.CHECK,
    *master_target.CHECKS,
    policy.CHECK,
    failback_vms.CHECK,
    failback_vms.AGENT_CHECK,
    *appliance.CHECKS,
)
FIXES: tuple[Fix, ...] = (refresh.FIX,)


def notice_keys(results: list[Result]) -> list[str]:
    """Keys of the [notices] texts a report or the wizard should show for these results."""
    for result in results:
        if result.id == "az.connect":
            return [str(k) for k in result.evidence.get("notices", ())]
    return []
