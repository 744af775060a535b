"""What a check and a fix-it are, and what they produce: verdicts, results, plans.

Plain data only. Nothing here talks to vCenter, Azure or a terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from checks.model import Component, Said, Settings, Status

# --- checks -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a check decided. `key` names the summary text under the check in assets."""

    status: Status
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    evidence: Mapping[str, Any] = field(default_factory=dict)


def verdict(status: Status, key: str, evidence: Mapping[str, Any] | None = None, **params: Any) -> Verdict:
    return Verdict(status, key, params, evidence or {})


class CheckContext(Protocol):
    settings: Settings
    cancel: threading.Event

    def source(self, name: str) -> Any: ...


@dataclass(frozen=True)
class Check:
    """A check is data plus one function: what it reads, how it decides."""

    id: str
    component: Component
    step: int | None
    reads: tuple[str, ...]
    decide: Callable[[CheckContext], Verdict]
    fixes: tuple[str, ...] = ()
    timeout_s: float = 60.0
    manual: bool = False
    # Which fix-its mend which finding (summary key, or the key of one of its parts); None: every fix-it
    # of the check mends any failure or warning of it.
    fix_keys: Mapping[str, tuple[str, ...]] | None = None
    # Procedure steps besides `step` that this check proves.
    also_steps: tuple[int, ...] = ()


def fixes_for(check: Check, result: Result | None) -> tuple[str, ...]:
    """The fix-its that mend what this result found: none unless it failed or warned."""
    if result is None or result.status not in (Status.FAIL, Status.WARN):
        return ()
    if check.fix_keys is None:
        return check.fixes
    keys = [result.key] + [str(p.get("key")) for p in result.params.get("parts", ()) if isinstance(p, Mapping)]
    return tuple(f for f in check.fixes if any(f in check.fix_keys.get(k, ()) for k in keys))


@dataclass(frozen=True)
class Result:
    id: str
    status: Status
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    # A reason in plain words when the check could not decide (error) or was skipped
    # for a reason outside its own text (a missing config table, a failed connection).
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": str(self.status),
            "key": self.key,
            "params": dict(self.params),
            "evidence": dict(self.evidence),
            "duration_ms": self.duration_ms,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        return cls(
            id=data["id"],
            status=Status(data["status"]),
            key=data.get("key", ""),
            params=data.get("params", {}),
            evidence=data.get("evidence", {}),
            duration_ms=int(data.get("duration_ms", 0)),
            reason=data.get("reason", ""),
        )


# --- fix-its ----------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    kind: type = str
    required: bool = False
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None

    def out_of_range(self, value: int) -> str | None:
        """None when `value` is within the bounds; else the name of the sentence that says which
        values are allowed: "range" (both bounds set), "minimum" or "maximum". The CLI and the
        wizard render it as their "fix.param-<name>" text with name, value, minimum and maximum."""
        low = self.minimum is not None and value < self.minimum
        high = self.maximum is not None and value > self.maximum
        if not (low or high):
            return None
        if self.minimum is not None and self.maximum is not None:
            return "range"
        return "minimum" if low else "maximum"


@dataclass
class Plan:
    """The exact change a fix-it would make, shown before anything is sent.

    `target` names the object for the record, with its reference where it has one
    ("mt-win01 (vm-42)"); `target_name` is its plain name, the one an operator types
    to confirm a destructive change ("mt-win01"); empty means the same as `target`.
    `changes` are sentences (by key, rendered in the operator's language) naming the object and the
    change; `request` is the same change as data (the JSON form printed by --dry-run --format json).
    An empty plan means the fix is already in place: applying it changes nothing.
    """

    fix_id: str
    target: str
    changes: list[Said] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    payload: Any = None
    target_name: str = ""

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class Applied:
    """What happened when a plan was applied: the task that carried it and its outcome."""

    task: str = ""
    detail: Said | None = None  # what is left to do, or what the change means (a power cycle)
    evidence: Mapping[str, Any] = field(default_factory=dict)  # what was found on the way, for the record


class FixContext(Protocol):
    settings: Settings
    cancel: threading.Event

    def source(self, name: str) -> Any: ...

    def fresh(self, name: str) -> Any: ...

    def put(self, name: str, value: Any) -> None: ...


Progress = Callable[[Said], None]


@dataclass(frozen=True)
class Fix:
    id: str
    component: Component
    reads: tuple[str, ...]
    plan: Callable[[FixContext, Mapping[str, Any]], Plan]
    apply: Callable[[FixContext, Plan, Progress], Applied]
    rechecks: tuple[str, ...]
    params: tuple[Param, ...] = ()
    # Destructive fix-its make the wizard ask for the target's name to be typed.
    destructive: bool = False
    # Its apply watches `ctx.cancel` and stops following what it sent (the operator can stop waiting).
    stoppable: bool = False
