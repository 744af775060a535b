"""Checks, sources and fix-its that read vCenter."""

from checks.sources import Source
from checks.spec import Check, Fix
from checks.vcenter import configuration_server, failback_vms, fixes, master_target
from checks.vcenter.connection import CONNECT, SESSION
from checks.vcenter.inventory import INVENTORY

SOURCES: tuple[Source, ...] = (SESSION, INVENTORY)
CHECKS: tuple[Check, ...] = (
    CONNECT,
    *configuration_server.CHECKS,
    *master_target.CHECKS,
    *failback_vms.CHECKS,
)
FIXES: tuple[Fix, ...] = fixes.FIXES
