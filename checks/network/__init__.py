"""Checks and sources that probe the network: from where the tool runs, and from inside Azure VMs.

Source "network.probes": every TCP/TLS probe of the run, made at once (reachability.Reachability).
Source "network.inside": the last probe run inside the VMs by Run Command (inside.Inside), given by
the fix-it "net.probe-inside" once the operator agreed to it.
"""

from checks.network import checks, inside, reachability
from checks.sources import Source
from checks.spec import Check, Fix

SOURCES: tuple[Source, ...] = (reachability.SOURCE, inside.SOURCE)
CHECKS: tuple[Check, ...] = checks.CHECKS
FIXES: tuple[Fix, ...] = (inside.FIX,)
