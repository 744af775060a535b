"""The vocabulary of the engine: settings, checks, verdicts, results, fix-its.

Plain data only. Nothing here talks to vCenter, Azure or a terminal.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIP = "skip"
    MANUAL = "manual"


class Component(enum.StrEnum):
    """The rows of the component table, plus the failed-over VMs themselves."""

    VCENTER = "vcenter"
    AZURE = "azure"
    CONFIGURATION_SERVER = "configuration-server"
    PROCESS_SERVER = "process-server"
    MASTER_TARGET = "master-target"
    FAILBACK_POLICY = "failback-policy"
    NETWORK = "network"
    FAILBACK_VMS = "failback-vms"


# --- settings (parsed from the TOML config by tui.config) -------------------


@dataclass(frozen=True)
class VCenterSettings:
    host: str
    user: str
    port: int = 443
    thumbprint: str = ""
    ca_file: str = ""
    insecure: bool = False


@dataclass(frozen=True)
class AzureSettings:
    tenant_id: str
    subscription_id: str
    resource_group: str
    vault: str
    cloud: str = "AzureCloud"
    auth: str = "device-code"
    client_id: str = ""
    arm_endpoint: str = ""
    authority: str = ""
    ca_file: str = ""


@dataclass(frozen=True)
class SiteSettings:
    master_target: str = ""
    failback_vms: tuple[str, ...] = ()
    architecture: str = "auto"
    configuration_server: str = ""
    configuration_server_vm: str = ""
    process_server: str = ""
    recovery: str = "original"
    retain_ip: bool = False
    retention_volume: str = ""


@dataclass(frozen=True)
class NetworkSettings:
    """Where the network probes go. Overrides exist for NAT, tunnels and tests."""

    ps_address: str = ""
    cs_address: str = ""
    https_port: int = 443
    data_port: int = 9443
    timeout_s: float = 3.0
    azure_vnet: str = ""


@dataclass(frozen=True)
class Answer:
    """An operator's word on a manual step, from the wizard or the config's [answers]."""

    status: str  # "confirmed" | "skipped"
    note: str = ""
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class Settings:
    site: SiteSettings = field(default_factory=SiteSettings)
    vcenter: VCenterSettings | None = None
    azure: AzureSettings | None = None
    network: NetworkSettings = field(default_factory=NetworkSettings)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    source: str = ""


class SecretLookup(Protocol):
    """Returns the secret for "vcenter" or "azure", or None when there is none."""

    def __call__(self, kind: str) -> str | None: ...


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


@dataclass
class Plan:
    """The exact change a fix-it would make, shown before anything is sent.

    `changes` are human-readable lines naming the object and the change; `request`
    is the same change as data (the JSON form printed by --dry-run --format json).
    An empty plan means the fix is already in place: applying it changes nothing.
    """

    fix_id: str
    target: str
    changes: list[str] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)
    payload: Any = None

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class Applied:
    """What happened when a plan was applied: the task that carried it and its outcome."""

    task: str = ""
    detail: str = ""


class FixContext(Protocol):
    settings: Settings
    cancel: threading.Event

    def source(self, name: str) -> Any: ...

    def fresh(self, name: str) -> Any: ...


Progress = Callable[[str], None]


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


class FixError(Exception):
    """A fix-it could not be planned or applied; the message is for the operator."""


class SourceUnavailable(Exception):
    """A source (a connection, an inventory) could not be read.

    `skip` means the configuration leaves it out on purpose (no [vcenter] table),
    so the checks that need it are skipped rather than errored.
    """

    def __init__(self, message: str, *, skip: bool = False) -> None:
        super().__init__(message)
        self.skip = skip
