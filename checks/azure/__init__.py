"""Checks, sources and fix-its that read azure."""

from checks.model import Check, Fix
from checks.sources import Source

SOURCES: tuple[Source, ...] = ()
CHECKS: tuple[Check, ...] = ()
FIXES: tuple[Fix, ...] = ()
