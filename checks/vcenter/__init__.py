"""Checks, sources and fix-its that read vCenter."""

from checks.sources import Source
from checks.spec import Check, Fix
from checks.vcenter import appliance, configuration_server, failback_vms, fixes, master_target, role
from checks.vcenter.connection import CONNECT, SESSION
from checks.vcenter.inventory import INVENTORY

SOURCES: tuple[Source, ...] = (SESSION, INVENTORY, appliance.SOURCE)
CHECKS: tuple[Check, ...] = (
    CONNECT,
    *role.CHECKS,
    *configuration_server.CHECKS,
    *master_target.CHECKS,
    *failback_vms.CHECKS,
    *appliance.CHECKS,
)
FIXES: tuple[Fix, ...] = (*fixes.FIXES, *appliance.FIXES)
