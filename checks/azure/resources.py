"""What the vault does not know, read from Resource Manager: the failed-over VMs and their networks.

Whether an Azure VM still exists and runs, and which address space its virtual network has, live in
Microsoft.Compute and Microsoft.Network, not in the vault: Site Recovery keeps naming a VM that was
deleted, and records "Dynamic" addresses without the address. Each read is one GET that the Reader
role allows; a refused or failed read is kept with what it needed, never turned into a verdict.

Source "azure.resources": one parallel round of GETs per run (Resources).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checks.azure.client import AzureClient
from checks.azure.fields import child, mappings, text
from checks.azure.site import failback_items, vm_site
from checks.azure.vault import Resource, props
from checks.model import SourceUnavailable
from checks.sources import Source, Sources

COMPUTE_API = "2024-07-01"
NETWORK_API = "2024-05-01"
VM_READ = "Microsoft.Compute/virtualMachines/read"
VNET_READ = "Microsoft.Network/virtualNetworks/read"

VM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachines/[^/]+$", re.I)
_VNET_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$", re.I)
_GROUP_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+$", re.I)


@dataclass(frozen=True)
class ArmRead:
    """One GET of a resource: what came back, or why nothing usable did.

    `problem` is "" when the resource was read, else one of: not-found, forbidden, no-answer,
    throttled, server-error, token-rejected, malformed, http-error, no-id.
    """

    id: str
    origin: str  # where the id came from: the vault field, or how it was built
    permission: str
    status: int = 0
    problem: str = ""
    code: str = ""
    body: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problem

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id or None, "id_from": self.origin, "http_status": self.status or None}
        if self.problem:
            out.update(problem=self.problem, error_code=self.code or None, needs=self.permission)
        return out


@dataclass(frozen=True)
class Resources:
    vms: dict[str, ArmRead]  # by failback VM name (only VMs whose item says they run in Azure)
    networks: dict[str, ArmRead]  # by lower-case virtual network id


# --- where the vault names the Azure VM and its network ----------------------------------------


def azure_vm_id(item: Resource) -> tuple[str, str]:
    """(resource id, the vault fields it came from) of the item's Azure VM; ("", "") when the vault has none.

    Classic items name it in targetVmId; a VM not failed over yet has a dangling one ending in
    "virtualMachines/", which is not an id. Otherwise the id is built from the recovery resource group
    and the VM's name, as Site Recovery creates it there (classic and modernized spell them differently).
    """
    details = child(props(item), "providerSpecificDetails")
    target = text(details.get("targetVmId"))
    if VM_ID.match(target):
        return target, "targetVmId"
    for group_field, name_field in (("recoveryAzureResourceGroupId", "recoveryAzureVMName"),
                                    ("targetResourceGroupId", "targetVmName")):
        group, name = text(details.get(group_field)).rstrip("/"), text(details.get(name_field))
        if group and name and _GROUP_ID.match(group):
            return f"{group}/providers/Microsoft.Compute/virtualMachines/{name}", f"{group_field} + {name_field}"
    return "", ""


def network_ids(item: Resource) -> list[str]:
    """The recovery virtual networks the vault names for an item (selected network, then each NIC's)."""
    details = child(props(item), "providerSpecificDetails")
    found: list[str] = []
    candidates = [details.get("selectedRecoveryAzureNetworkId"), details.get("targetNetworkId")]
    candidates += [nic.get("recoveryVMNetworkId") for nic in mappings(details.get("vmNics"))]
    for value in candidates:
        nid = text(value)
        if nid and _VNET_ID.match(nid) and nid.lower() not in (f.lower() for f in found):
            found.append(nid)
    return found


FORWARD = ("inmageazurev2", "inmagercm")  # replicating towards Azure: "Recovery" is Azure
REVERSE = ("inmage", "inmagercmfailback")  # replicating back: "Recovery" is on-premises


def provider(item: Resource) -> str:
    return text(child(props(item), "providerSpecificDetails").get("instanceType")).lower()


def runs_in_azure(item: Resource) -> bool:
    """The item's VM runs in Azure now: the forward direction, failed over (not yet reprotected).
    An item without provider details counts as forward: its VM is then looked for, not assumed."""
    return provider(item) in ("", *FORWARD) and text(props(item).get("activeLocation")).lower() == "recovery"


def power_state(body: Mapping[str, Any]) -> str:
    """A VM's power state from the instance view in its body ("running", "deallocated", ...); "" when
    not stated."""
    view = child(child(body, "properties"), "instanceView")
    for status in mappings(view.get("statuses")):
        code = text(status.get("code"))
        if code.lower().startswith("powerstate/"):
            return code.split("/", 1)[1].lower()
    return ""


# --- the reads ---------------------------------------------------------------------------------


def _error_code(response: Any) -> str:
    try:
        body = response.json()
    except Exception:  # not JSON: the status says enough
        return ""
    error = body.get("error") if isinstance(body, Mapping) else None
    return text(error.get("code")) if isinstance(error, Mapping) else ""


def get_resource(azure: AzureClient, arm_id: str, origin: str, permission: str, api_version: str,
                 expand: str = "") -> ArmRead:
    """GET one resource through the vault client's pipeline (same sign-in, retries and transport)."""
    from azure.core.rest import HttpRequest

    if not arm_id:
        return ArmRead("", origin, permission, problem="no-id")
    params = {"api-version": api_version}
    if expand:
        params["$expand"] = expand
    try:
        response = azure.client.send_request(HttpRequest("GET", arm_id, params=params))
    except Exception as exc:
        key = azure.translate(exc, arm_id).error
        return ArmRead(arm_id, origin, permission, problem=key if key in _PASSED_ON else "no-answer")
    status = int(response.status_code)
    if status == 200:
        try:
            body = response.json()
        except ValueError:
            return ArmRead(arm_id, origin, permission, status, "malformed")
        if not isinstance(body, Mapping):
            return ArmRead(arm_id, origin, permission, status, "malformed")
        return ArmRead(arm_id, origin, permission, status, body=body)
    problem = {404: "not-found", 403: "forbidden", 401: "token-rejected", 429: "throttled"}.get(status)
    if problem is None:
        problem = "server-error" if status >= 500 else "http-error"
    return ArmRead(arm_id, origin, permission, status, problem, _error_code(response))


# What a failed request may be called as it is; anything else did not get an answer.
_PASSED_ON = frozenset({"throttled", "server-error", "token-rejected", "malformed", "forbidden"})


def read(azure: AzureClient, vm_items: Mapping[str, Resource], network_items: Iterable[Resource]) -> Resources:
    vm_ids = {vm: azure_vm_id(item) for vm, item in vm_items.items() if runs_in_azure(item)}
    wanted: dict[str, str] = {}
    for item in network_items:
        for nid in network_ids(item):
            wanted.setdefault(nid.lower(), nid)
    jobs: dict[tuple[str, str], Future[ArmRead]] = {}
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="azure-arm") as pool:
        for vm, (arm_id, origin) in vm_ids.items():
            jobs[("vm", vm)] = pool.submit(get_resource, azure, arm_id, origin, VM_READ, COMPUTE_API, "instanceView")
        for key, nid in wanted.items():
            jobs[("net", key)] = pool.submit(get_resource, azure, nid, "vault", VNET_READ, NETWORK_API)
        done = {key: future.result() for key, future in jobs.items()}
    return Resources(
        vms={name: r for (kind, name), r in done.items() if kind == "vm"},
        networks={name: r for (kind, name), r in done.items() if kind == "net"},
    )


def _fetch(ctx: Sources) -> Resources:
    azure: AzureClient = ctx.source("azure.client")
    site = vm_site(ctx)
    vms = ctx.settings.site.failback_vms
    if vms:
        found, _missing = failback_items(site, vms)
        return read(azure, found, found.values())
    # Without named VMs, the networks of every VM the site has in Azure.
    recovered = [i for i in site.items() if runs_in_azure(i)]
    if not recovered:
        raise SourceUnavailable("no failed-over VM of this site is in Azure, so there is no network to read",
                                key="reasons:no-vm-in-azure")
    return read(azure, {}, recovered)


SOURCE = Source("azure.resources", _fetch)
