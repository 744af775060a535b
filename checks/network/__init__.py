"""Checks and sources that probe the network from where the tool runs.

Source "network.probes": every TCP/TLS probe of the run, made at once (reachability.Reachability).
"""

from checks.network import checks, reachability
from checks.sources import Source
from checks.spec import Check, Fix

SOURCES: tuple[Source, ...] = (reachability.SOURCE,)
CHECKS: tuple[Check, ...] = checks.CHECKS
FIXES: tuple[Fix, ...] = ()
