"""The words every part of the product needs from its first moment: statuses, components,
the settings read from the config, an operator's answer, and the engine's two exceptions.

What a check and a fix-it are, and what they produce, is in checks.spec: the wizard's first
screen needs only this module, and defining those classes is a measurable part of a start-up.
Plain data only. Nothing here talks to vCenter, Azure or a terminal.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"
    SKIP = "skip"
    MANUAL = "manual"


# The order to deal with results in: what fails, what could not be decided, what warns, what waits
# for a person, then what is fine. Reports, exports and the wizard's tables all list in this order.
CONCERN = ("fail", "error", "warn", "manual", "pass", "skip")
PROBLEMS = CONCERN[:4]


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
    APPLIANCE = "appliance"  # modernized: the on-premises replication appliance


# --- settings (parsed from the TOML config by control.config) -------------------


@dataclass(frozen=True)
class VCenterSettings:
    host: str
    user: str
    port: int = 443
    thumbprint: str = ""
    ca_file: str = ""
    insecure: bool = False
    # The vCenter account Site Recovery uses for failback (the appliance's or the configuration server's),
    # whose privileges vc.failback-role reads; empty: the account this tool signs in with.
    failback_account: str = ""


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
    # The process server's Azure VM, where the links it starts are probed: an ARM id, or a VM name in
    # process_server_vm_group (default: the vault's resource group).
    process_server_vm: str = ""
    process_server_vm_group: str = ""
    # Modernized: the replication appliance (optional when the vault has one), the datastore to fail
    # back to (default: each VM's own, at the original location).
    appliance: str = ""
    target_datastore: str = ""
    # The appliance's VM in vCenter (default: [site] appliance, the name the vault knows it by).
    appliance_vm: str = ""
    # Modernized reprotect: the storage account for its logs (an ARM id, or a name in the vault's group).
    log_storage_account: str = ""
    # Protecting the VMs to Azure again after the failback: the run-as account (classic: its name as the
    # configuration server lists it; modernized: its ARM id).
    run_as_account: str = ""


@dataclass(frozen=True)
class NetworkSettings:
    """Where the network probes go. Overrides exist for NAT, tunnels and tests."""

    ps_address: str = ""
    cs_address: str = ""
    https_port: int = 443
    data_port: int = 9443
    timeout_s: float = 3.0
    azure_vnet: str = ""
    probe_timeout_s: float = 300.0  # how long one Run Command probe inside a VM may take


@dataclass(frozen=True)
class Answer:
    """An operator's word on a manual step, from the wizard or the config's [answers]."""

    status: str  # "confirmed" | "skipped" (the config's and the transcript's word)
    note: str = ""
    by: str = ""
    at: str = ""

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"


@dataclass(frozen=True)
class Settings:
    site: SiteSettings = field(default_factory=SiteSettings)
    vcenter: VCenterSettings | None = None
    azure: AzureSettings | None = None
    network: NetworkSettings = field(default_factory=NetworkSettings)
    answers: Mapping[str, Answer] = field(default_factory=dict)
    source: str = ""
    # The wizard's keys as the operator rebinds them: a binding's id -> its keys ("next-problem" = "j,f3").
    keys: Mapping[str, str] = field(default_factory=dict)


class SecretLookup(Protocol):
    """Returns the secret for "vcenter" or "azure", or None when there is none."""

    def __call__(self, kind: str) -> str | None: ...


@dataclass(frozen=True)
class Said:
    """A sentence for the operator, by key, in no language yet: whoever shows it renders it from
    assets/texts in the session's language (checks.texts.Texts.say). `key` is a path into the texts,
    its parts joined by ":" ("vcenter-fixes:change-enable-uuid", "fixes:cs.refresh:modernized"), or
    "check:<id>:<summary key>" for a check's summary with its remedy; a parameter may be a Said too."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def said(key: str, **params: Any) -> Said:
    return Said(key, params)


def plain(value: Any) -> Any:
    """A value as JSON can hold it, for evidence and transcripts: a Said becomes the mapping form
    {"reason_key", "reason_params"} that checks.texts.Texts.value renders again in any language."""
    if isinstance(value, Said):
        return {"reason_key": value.key, "reason_params": plain(dict(value.params))}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class FixError(Exception):
    """A fix-it could not be planned or applied: `said` tells the operator why. The exception's own
    message is a plain key-and-values form, for logs; a screen or report renders `said`."""

    def __init__(self, what: Said | str, *, config: bool = False) -> None:
        self.said = what if isinstance(what, Said) else Said("raw:text", {"text": what})
        self.config = config  # the configuration is wrong (exit 2 headless), not the site
        super().__init__(what if isinstance(what, str) else f"{what.key} {dict(what.params)}")


class SourceUnavailable(Exception):
    """A source (a connection, an inventory) could not be read.

    `skip` means the configuration leaves it out on purpose (no [vcenter] table),
    so the checks that need it are skipped rather than errored.
    """

    def __init__(self, message: str, *, skip: bool = False, key: str = "", **params: Any) -> None:
        super().__init__(message)
        self.skip = skip
        # The sentence for the operator, in assets/texts: "<table>:<key>", or "check:<id>:<summary key>"
        # (that check's summary and its remedy for that finding). The message is its English, for logs.
        self.key = key
        self.params = params


def reason_of(exc: BaseException) -> Any:
    """Why a source could not be read, as a verdict's parameter: by key where the engine gave one
    (rendered in the operator's language), else its message."""
    if isinstance(exc, SourceUnavailable) and exc.key:
        return plain(Said(exc.key, exc.params))
    return str(exc)


class UnknownName(ValueError):
    """A check, fix-it or source id that does not exist; the message names the closest ones."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        import difflib

        known = list(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(known)}"
        super().__init__(f"unknown {kind} {name!r}; {hint}")
        self.name = name
