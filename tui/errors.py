"""Errors whose one-line message is the whole story for the operator (exit 2).

Kept apart so the command can catch them without importing the modules that raise them.
"""

from __future__ import annotations


class UsageError(Exception):
    """Bad usage or configuration: nothing was checked (exit 2)."""
