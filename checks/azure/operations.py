"""Operations on the failed-over VMs' protected items: reprotect (classic and modernized), its job
followed task by task, then the replication back followed until the VMs are protected again.

The request is built from what the checks read (the vault's master target, process server, retention
volume and failback policy; or its appliance's reprotect agent, log storage account and failback
policy), each value with where it came from, and it is exactly what is sent: the SDK is handed the
same JSON body. Nothing here asks or shows: the front ends do (tui.operations, the wizard's reprotect
screen).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.azure.appliance import appliance_of
from checks.azure.client import AzureClient
from checks.azure.fields import child, mappings, same_name, text
from checks.azure.policy import failback_policies
from checks.azure.refresh import job_of
from checks.azure.site import (
    failback_items,
    find_master_target,
    find_process_server,
    is_configuration_server,
    site_of,
    vault_of,
    vm_site,
)
from checks.azure.vault import Resource, props, segment
from checks.model import FixError, Said, SourceUnavailable

JOB_DONE = {"succeeded", "failed", "cancelled", "suspended", "completedwithinformation", "completedwitherrors", "skipped"}
POLL_S = 1.0


def said_op(key: str, **params: Any) -> Said:
    """A sentence of the operations (assets: [operations])."""
    return Said(f"operations:{key}", params)


@dataclass
class Request:
    """One VM's reprotect: where its item is, the exact body sent, and where each value came from."""

    vm: str
    item: str
    fabric: str
    container: str
    architecture: str
    body: dict[str, Any]
    choices: list[dict[str, str]] = field(default_factory=list)  # field, value, from
    kind: str = "reprotect"  # reprotect | failover (the failback itself) | commit | protect (to Azure again)

    @property
    def model(self) -> str:
        """The SDK's name of the input (its wire discriminator is shorter: InMage, InMageRcm, InMageRcmFailback)."""
        modernized = self.architecture == "modernized"
        return {"reprotect": "InMageRcmReprotectInput" if modernized else "InMageReprotectInput",
                "failover": "InMageRcmFailbackPlannedFailoverProviderInput" if modernized else "InMageUnplannedFailoverInput",
                "commit": "(no input)",
                "protect": "InMageRcmFailbackReprotectInput" if modernized else "InMageAzureV2ReprotectInput"}[self.kind]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Request:
        """A request as a transcript recorded it (operation.started), to follow its job again."""
        return cls(vm=str(data["vm"]), item=str(data["item"]), fabric=str(data["fabric"]),
                   container=str(data["container"]), architecture=str(data["architecture"]),
                   body=dict(data.get("body") or {}), choices=list(data.get("choices") or []),
                   kind=str(data.get("kind") or "reprotect"))

    def to_json(self) -> dict[str, Any]:
        return {"vm": self.vm, "item": self.item, "fabric": self.fabric, "container": self.container,
                "architecture": self.architecture, "model": self.model, "body": self.body, "choices": self.choices,
                "kind": self.kind}


def _vm_datastore(ctx: Any, vm: str) -> str:
    """The datastore a VM's disks are on in vCenter (original location), or "" when vCenter cannot say."""
    try:
        inv = ctx.source("vcenter.inventory")
    except (SourceUnavailable, KeyError):
        return ""
    found = inv.vm(vm)
    return str(found.disk_datastores[0]) if found is not None and found.disk_datastores else ""


def _storage_account_id(ctx: Any, account: str) -> str:
    """A storage account's ARM id: as given, or a name taken in the vault's resource group."""
    if account.startswith("/subscriptions/"):
        return account
    azure = ctx.settings.azure
    return (f"/subscriptions/{azure.subscription_id}/resourceGroups/{azure.resource_group}"
            f"/providers/Microsoft.Storage/storageAccounts/{account}")


def _vm_family(ctx: Any, vm: str) -> str:
    """windows or linux, as vCenter knows the VM (home again), or "" when it cannot say."""
    try:
        found = ctx.source("vcenter.inventory").vm(vm)
    except (SourceUnavailable, KeyError):
        return ""
    if found is None:
        return ""
    said = f"{found.guest_family} {found.guest_id} {found.guest_full_name}".lower()
    return "windows" if "windows" in said else "linux" if any(w in said for w in ("linux", "rhel", "centos", "ubuntu",
                                                                                   "sles", "debian")) else ""


def _classic(ctx: Any, vm: str, item: Resource) -> tuple[dict[str, Any], list[dict[str, str]]]:
    site = site_of(ctx)
    settings = ctx.settings.site
    mt, known = find_master_target(site, settings.master_target)
    if mt is None:
        raise FixError(said_op("no-master-target", name=settings.master_target or "-", known=", ".join(known) or "-"))
    ps, names = find_process_server(site, settings.process_server)
    if ps is None:
        raise FixError(said_op("no-process-server", name=settings.process_server or "-", known=", ".join(names) or "-"))
    listed = [text(v.get("volumeName")) for v in mappings(mt.get("retentionVolumes")) if text(v.get("volumeName"))]
    retention = settings.retention_volume.rstrip(":\\") if settings.retention_volume else (listed[0] if listed else "")
    if not retention:
        raise FixError(said_op("no-retention", mt=text(mt.get("name"))))
    stores = [text(d.get("symbolicName")) for d in mappings(mt.get("dataStores")) if text(d.get("symbolicName"))]
    own = _vm_datastore(ctx, vm)
    if settings.target_datastore:
        datastore, where = settings.target_datastore, "site.target_datastore"
    elif own and any(same_name(own, s) for s in stores):
        datastore, where = own, "vcenter: the VM's own datastore"
    elif stores:
        datastore, where = stores[0], "site-recovery: the master target's first datastore"
    else:
        raise FixError(said_op("no-datastore", vm=vm))
    policies = failback_policies(site)
    if not policies:
        raise FixError(said_op("no-failback-policy"))
    policy = policies[0][0]
    # The wire's discriminator of InMageReprotectInput is "InMage" (the SDK's model sends the same). As
    # Azure PowerShell sends it (Update-AzRecoveryServicesAsrProtectionDirection, AzureToVMware): the Azure
    # VM's temporary storage volume is excluded, so it is not replicated home.
    body = {"instanceType": "InMage", "masterTargetId": text(mt.get("id")),
            "processServerId": text(ps.get("id")), "retentionDrive": retention, "datastoreName": datastore,
            "profileId": text(policy.get("id")),
            "diskExclusionInput": {"volumeOptions": [{"volumeLabel": "Temporary Storage",
                                                      "onlyExcludeIfSingleVolume": "Yes"}]}}
    choices = [
        {"field": "masterTargetId", "value": text(mt.get("name")), "from": "site.master_target"},
        {"field": "processServerId", "value": text(ps.get("friendlyName")),
         "from": "site.process_server" if settings.process_server else "site-recovery: the one process server in Azure"},
        {"field": "retentionDrive", "value": retention,
         "from": "site.retention_volume" if settings.retention_volume else "site-recovery: listed for the master target"},
        {"field": "datastoreName", "value": datastore, "from": where},
        {"field": "profileId", "value": text(props(policy).get("friendlyName") or policy.get("name")),
         "from": "site-recovery: the failback policy associated with the configuration server"},
    ]
    return body, choices


def _modernized(ctx: Any, vm: str, item: Resource) -> tuple[dict[str, Any], list[dict[str, str]]]:
    settings = ctx.settings
    appliance = appliance_of(ctx)
    agents = appliance.components.get("reprotect-agent", [])
    if not agents:
        raise FixError(said_op("no-reprotect-agent", appliance=appliance.name))
    own = _vm_datastore(ctx, vm)
    datastore = own if settings.site.recovery == "original" and own else settings.site.target_datastore
    if not datastore:
        raise FixError(said_op("no-datastore", vm=vm))
    if not settings.site.log_storage_account:
        raise FixError(said_op("no-log-storage"))
    account = _storage_account_id(ctx, settings.site.log_storage_account)
    vault = vault_of(ctx)
    policies = [p for p in vault.policies
                if same_name(child(props(p), "providerSpecificDetails").get("instanceType"), "InMageRcmFailback")]
    if not policies:
        raise FixError(said_op("no-failback-policy"))
    # InMageRcmReprotectInput's discriminator on the wire is "InMageRcm".
    body = {"instanceType": "InMageRcm", "reprotectAgentId": text(agents[0].get("id")),
            "datastoreName": datastore, "logStorageAccountId": account, "policyId": text(policies[0].get("id"))}
    choices = [
        {"field": "reprotectAgentId", "value": appliance.name,
         "from": "site.appliance" if settings.site.appliance else "site-recovery: the vault's one appliance"},
        {"field": "datastoreName", "value": datastore,
         "from": "vcenter: the VM's own datastore" if datastore == own else "site.target_datastore"},
        {"field": "logStorageAccountId", "value": account.rsplit("/", 1)[-1], "from": "site.log_storage_account"},
        {"field": "policyId", "value": text(props(policies[0]).get("friendlyName") or policies[0].get("name")),
         "from": "site-recovery: the InMageRcmFailback policy"},
    ]
    return body, choices


def reprotect_requests(ctx: Any, vms: Sequence[str]) -> list[Request]:
    """The reprotect of each VM, as it would be sent; FixError naming what is missing otherwise."""
    vault = vault_of(ctx)
    found, missing = failback_items(vm_site(ctx), vms)
    if missing:
        raise FixError(said_op("not-in-vault", vms=", ".join(missing)))
    out = []
    for vm, item in found.items():
        allowed = [text(a) for a in props(item).get("allowedOperations") or []]
        details = child(props(item), "providerSpecificDetails")
        forward = text(details.get("instanceType")).lower() in ("inmageazurev2", "inmagercm")
        if not forward or text(props(item).get("activeLocation")).lower() != "recovery":
            # Home already, or replicating back: protecting it to Azure again takes another input
            # (InMageAzureV2 / InMageRcmFailback reprotect), which this tool does not send.
            raise FixError(said_op("not-in-azure", vm=vm, provider=text(details.get("instanceType")) or "?",
                                   state=text(props(item).get("protectionStateDescription")
                                              or props(item).get("protectionState")) or "?"))
        if "ReverseReplicate" not in allowed and "SwitchProtection" not in allowed:
            raise FixError(said_op("not-allowed", vm=vm, state=text(props(item).get("protectionStateDescription")
                                                                      or props(item).get("protectionState")) or "?",
                                 allowed=", ".join(allowed) or "-"))
        build = _modernized if vault.architecture == "modernized" else _classic
        details, choices = build(ctx, vm, item)
        body = {"properties": {"failoverDirection": "RecoveryToPrimary", "providerSpecificDetails": details}}
        item_id = text(item.get("id"))
        out.append(Request(vm, text(item.get("name")), segment(item_id, "replicationFabrics"),
                           segment(item_id, "replicationProtectionContainers"), vault.architecture, body, choices))
    return out


# --- the failback itself, and its commit -------------------------------------------------------------

# The recovery points the service offers for the failback: classic (InMage, an unplanned failover) by
# time or by the latest application-consistent tag; modernized (InMageRcmFailback, a planned failover)
# crash- or application-consistent.
POINTS = {"latest": ("LatestTime", "CrashConsistent"), "latest-app-consistent": ("LatestTag", "ApplicationConsistent")}
STAGE_OPERATION = {"failover": ("UnplannedFailover", "PlannedFailover"), "commit": ("Commit", "Commit")}


def _stage_requests(ctx: Any, vms: Sequence[str], kind: str, point: str = "latest") -> list[Request]:
    vault = vault_of(ctx)
    modernized = vault.architecture == "modernized"
    found, missing = failback_items(vm_site(ctx), vms)
    if missing:
        raise FixError(said_op("not-in-vault", vms=", ".join(missing)))
    needed = STAGE_OPERATION[kind][1 if modernized else 0]
    out = []
    for vm, item in found.items():
        p = props(item)
        allowed = [text(a) for a in p.get("allowedOperations") or []]
        provider = text(child(p, "providerSpecificDetails").get("instanceType")).lower()
        # Only the item replicating back: failed over from Azure (still Primary), or failed back to commit
        # (Recovery). A VM just failed over to Azure, or home and protected to Azure again, is not it.
        where = text(p.get("activeLocation")).lower()
        back = provider in ("inmage", "inmagercmfailback") and where == ("primary" if kind == "failover" else "recovery")
        if not back or needed not in allowed:
            raise FixError(said_op(f"{kind}-not-allowed", vm=vm, operation=needed,
                                   state=text(p.get("protectionStateDescription") or p.get("protectionState")) or "?",
                                   allowed=", ".join(allowed) or "-"))
        choices: list[dict[str, str]] = []
        body: dict[str, Any] = {}
        if kind == "failover":
            state = item_replication(item)
            if not protected_back(state):  # offered or not, a failback before the replication back is done loses data
                raise FixError(said_op("not-protected-back", vm=vm, state=state["protection_state"] or "?",
                                       stage=state.get("stage") or "-", health=state["health"] or "-",
                                       progress="-" if state["progress"] is None else f"{state['progress']}%"))
            group = text(child(p, "providerSpecificDetails").get("multiVmGroupName"))
            members = [text(props(i).get("friendlyName")) for i in vault.items
                       if text(child(props(i), "providerSpecificDetails").get("multiVmGroupName")) == group]
            left_out = [m for m in members if group and m not in vms and m != vm]
            if group and left_out:  # multi-VM consistency: the whole group at one point, or not at all
                raise FixError(said_op("group-split", vm=vm, group=group, others=", ".join(left_out)))
            point_type = POINTS[point][1 if modernized else 0]
            details = {"instanceType": "InMageRcmFailback" if modernized else "InMage", "recoveryPointType": point_type}
            # Classic: the item replicating back fails over from its primary (Azure) to its recovery side
            # (on-premises). Modernized: a planned failover of the InMageRcmFailback item, sent without a
            # direction (the service takes it as RecoveryToPrimary).
            body = {"properties": {"providerSpecificDetails": details}}
            if not modernized:
                body["properties"].update(failoverDirection="PrimaryToRecovery", sourceSiteOperations="NotRequired")
            choices = [{"field": "recoveryPointType", "value": point_type, "from": f"--point {point}"}]
        item_id = text(item.get("id"))
        out.append(Request(vm, text(item.get("name")), segment(item_id, "replicationFabrics"),
                           segment(item_id, "replicationProtectionContainers"), vault.architecture, body, choices,
                           kind=kind))
    return out


def failover_requests(ctx: Any, vms: Sequence[str], point: str = "latest") -> list[Request]:
    """The failback of each VM: a failover from Azure to on-premises, at the recovery point chosen;
    refused (FixError) for a VM the vault does not offer it for (allowedOperations)."""
    return _stage_requests(ctx, vms, "failover", point)


def commit_requests(ctx: Any, vms: Sequence[str]) -> list[Request]:
    """The commit of each VM's failback; refused for a VM the vault does not offer it for."""
    return _stage_requests(ctx, vms, "commit")


def protect_requests(ctx: Any, vms: Sequence[str]) -> list[Request]:
    """Protecting the VMs that came home to Azure again, once their failback is committed: a reprotect of
    the item replicating back, the other way. As Azure PowerShell sends it
    (Update-AzRecoveryServicesAsrProtectionDirection): classic, InMageAzureV2ReprotectInput, direction
    RecoveryToPrimary, through the configuration server's own process server (also its master target), a
    run-as account of the configuration server, and the replication policy to Azure; modernized,
    InMageRcmFailbackReprotectInput, direction PrimaryToRecovery, through the appliance's process server,
    with a run-as account and the replication policy to Azure."""
    vault = vault_of(ctx)
    settings = ctx.settings.site
    found, missing = failback_items(vm_site(ctx), vms)
    if missing:
        raise FixError(said_op("not-in-vault", vms=", ".join(missing)))
    out = []
    for vm, item in found.items():
        p = props(item)
        details = child(p, "providerSpecificDetails")
        provider = text(details.get("instanceType")).lower()
        allowed = [text(a) for a in p.get("allowedOperations") or []]
        home = provider in ("inmage", "inmagercmfailback") and "committed" in text(p.get("protectionState")).lower()
        if not home or not any(op in allowed for op in ("ReverseReplicate", "SwitchProtection")):
            raise FixError(said_op("protect-not-allowed", vm=vm,
                                   state=text(p.get("protectionStateDescription") or p.get("protectionState")) or "?",
                                   allowed=", ".join(allowed) or "-"))
        if provider == "inmagercmfailback":
            appliance = appliance_of(ctx)
            servers = appliance.components.get("process-server", [])
            account = settings.run_as_account  # optional in the SDK's input; Azure PowerShell names one
            policy = next((q for q in vault.policies if same_name(
                child(props(q), "providerSpecificDetails").get("instanceType"), "InMageRcm")), None)
            if not servers or policy is None:
                raise FixError(said_op("no-reprotect-agent", appliance=appliance.name))
            rcm: dict[str, Any] = {"instanceType": "InMageRcmFailback", "processServerId": text(servers[0].get("id")),
                                   "policyId": text(policy.get("id"))}
            choices = [{"field": "processServerId", "value": appliance.name, "from": "site-recovery: the appliance"},
                       {"field": "policyId", "value": text(props(policy).get("friendlyName")),
                        "from": "site-recovery: the replication policy to Azure"}]
            if account:
                rcm["runAsAccountId"] = account
                choices.append({"field": "runAsAccountId", "value": account.rsplit("/", 1)[-1],
                                "from": "site.run_as_account"})
            body = {"failoverDirection": "PrimaryToRecovery", "providerSpecificDetails": rcm}
        else:
            site = site_of(ctx)
            ps = next((q for q in site.process_servers() if is_configuration_server(site, q)), None)
            accounts = mappings(site.details.get("runAsAccounts"))
            family = _vm_family(ctx, vm) or text(details.get("osType") or child(details, "osDetails").get("osType")).lower()
            wanted = settings.run_as_account
            matching = [a for a in accounts if (same_name(a.get("accountName"), wanted) if wanted else
                                                family and family[:3] in text(a.get("accountName")).lower())]
            policy = next((q for q in vault.policies if same_name(
                child(props(q), "providerSpecificDetails").get("instanceType"), "InMageAzureV2")), None)
            if ps is None or policy is None:
                raise FixError(said_op("no-process-server", name=site.name, known="-"))
            if len(matching) != 1:
                raise FixError(said_op("no-run-as-account", vm=vm,
                                       known=", ".join(text(a.get("accountName")) for a in accounts) or "-"))
            details_out: dict[str, Any] = {
                "instanceType": "InMageAzureV2", "processServerId": text(ps.get("id")),
                "masterTargetId": text(ps.get("id")), "runAsAccountId": text(matching[0].get("accountId")),
                "policyId": text(policy.get("id"))}
            if settings.log_storage_account:
                details_out["logStorageAccountId"] = _storage_account_id(ctx, settings.log_storage_account)
            body = {"failoverDirection": "RecoveryToPrimary", "providerSpecificDetails": details_out}
            choices = [{"field": "processServerId", "value": text(ps.get("friendlyName")),
                        "from": "site-recovery: the configuration server's own process server"},
                       {"field": "runAsAccountId", "value": text(matching[0].get("accountName")),
                        "from": "site.run_as_account" if wanted else "site-recovery: the account for the VM's OS"},
                       {"field": "policyId", "value": text(props(policy).get("friendlyName")),
                        "from": "site-recovery: the replication policy to Azure"}]
        item_id = text(item.get("id"))
        out.append(Request(vm, text(item.get("name")), segment(item_id, "replicationFabrics"),
                           segment(item_id, "replicationProtectionContainers"), vault.architecture,
                           {"properties": body}, choices, kind="protect"))
    return out


# --- sending and following --------------------------------------------------------------------------


# The words a job's scenario name carries for each operation (the service's names vary by provider and
# version: "Reprotect", "ReprotectProtectedItem", "SwitchProtection"...; "UnplannedFailover"...; "Commit").
SCENARIO_WORDS = {"reprotect": ("reprotect", "switchprotection", "reversereplicat"),
                  "protect": ("reprotect", "switchprotection", "reversereplicat"),
                  "failover": ("plannedfailover", "unplannedfailover"), "commit": ("commit",)}


def running_job(azure: AzureClient, item: str, kind: str, since: dt.datetime | None = None) -> str:
    """The newest job of this operation on this item that is still running (or, with `since`, that
    started since then, in any state): a second start must follow it, never send another."""
    words = SCENARIO_WORDS[kind]
    found = []
    for job in azure.client.replication_jobs.list(azure.rg, azure.vault):
        p = job.properties
        if p is None or text(p.target_object_id).lower() != item.lower():
            continue
        scenario = text(p.scenario_name).lower()
        if not any(word in scenario for word in words) or (kind == "failover" and "commit" in scenario):
            continue
        start = getattr(p, "start_time", None)
        if since is not None and (start is None or start < since):
            continue
        if since is None and text(p.state).lower() in JOB_DONE:
            continue
        found.append((start or dt.datetime.min.replace(tzinfo=dt.UTC), str(job.name or "")))
    return max(found)[1] if found else ""


def running_operations(ctx: Any, azure: AzureClient, vms: Sequence[str]) -> tuple[list[Request], dict[str, str]]:
    """The operations home already running on the failback VMs' items (started by a session that is gone,
    or by someone else): to follow them, never to send another. Their requests carry no body (nothing is sent)."""
    vault = vault_of(ctx)
    found, _ = failback_items(vm_site(ctx), vms)
    requests: list[Request] = []
    jobs: dict[str, str] = {}
    for vm, item in found.items():
        p = props(item)
        home = (text(child(p, "providerSpecificDetails").get("instanceType")).lower() in ("inmage", "inmagercmfailback")
                and text(p.get("activeLocation")).lower() == "recovery")
        # A reprotect job on an item that is home protects it to Azure again; otherwise it brings it home.
        for kind in ("protect" if home else "reprotect", "failover", "commit"):
            job = running_job(azure, text(item.get("name")), kind)
            if job:
                item_id = text(item.get("id"))
                requests.append(Request(vm, text(item.get("name")), segment(item_id, "replicationFabrics"),
                                        segment(item_id, "replicationProtectionContainers"), vault.architecture, {},
                                        [], kind=kind))
                jobs[vm] = job
                break
    return requests, jobs


def start_reprotect(azure: AzureClient, request: Request) -> str:
    """Send the operation (a reprotect, a failback's failover or its commit); the job's name. A job already running on the item is returned instead of a
    second request (a double key press, a resumed session, another operator). When the answer is lost,
    the job it started is looked for; not found, the outcome is unknown (FixError)."""
    from azure.core.exceptions import HttpResponseError, ServiceResponseError

    running = running_job(azure, request.item, request.kind)
    if running:
        return running
    asked = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)  # the service's clock may differ a little
    items = azure.client.replication_protected_items
    where = (azure.rg, azure.vault, request.fabric, request.container, request.item)
    try:
        if request.kind == "commit":
            poller = items.begin_failover_commit(*where, polling_interval=POLL_S)
        elif request.kind == "failover" and request.architecture == "modernized":
            poller = items.begin_planned_failover(*where, request.body, polling_interval=POLL_S)
        elif request.kind == "failover":
            poller = items.begin_unplanned_failover(*where, request.body, polling_interval=POLL_S)
        else:  # a reprotect, either way
            poller = items.begin_reprotect(*where, request.body, polling_interval=POLL_S)
    except ServiceResponseError:
        job = running_job(azure, request.item, request.kind, since=asked)
        if not job:
            raise FixError(said_op("outcome-unknown", vm=request.vm, kind=said_op(f"kind-{request.kind}"))) from None
        return job
    except HttpResponseError as exc:
        raise FixError(said_op("refused", vm=request.vm, kind=said_op(f"kind-{request.kind}"), status=exc.status_code or "?",
                             reason=text(getattr(exc.error, "message", "") or exc.message).splitlines()[0]
                             if (getattr(exc, "error", None) or exc.message) else "-")) from None
    job = job_of(poller) or running_job(azure, request.item, request.kind, since=asked)
    if not job:  # sent and accepted, but no job to follow: never report it started or done
        raise FixError(said_op("outcome-unknown", vm=request.vm, kind=said_op(f"kind-{request.kind}")))
    return job


@dataclass
class Task:
    name: str
    state: str
    errors: list[str]


def job_tasks(job: Mapping[str, Any]) -> list[Task]:
    out = []
    for t in mappings(props(job).get("tasks")):
        errors = [f"{text(child(e, 'serviceErrorDetails').get('code'))}: "
                  f"{text(child(e, 'serviceErrorDetails').get('message'))}" for e in mappings(t.get("errors"))]
        out.append(Task(text(t.get("friendlyName") or t.get("name")), text(t.get("state")), errors))
    return out


def follow_job(azure: AzureClient, job: str, on_change: Callable[[Mapping[str, Any], list[Task]], None],
               cancel: Any, limit_s: float = 4 * 3600) -> Mapping[str, Any]:
    """Read the job until it ends, telling each change of its state or of a task's; its last reading.
    Stopping (cancel) stops following only: the job goes on in Azure."""
    deadline = time.monotonic() + limit_s
    last: tuple[Any, ...] = ()
    while True:
        data: dict[str, Any] = _read(lambda: azure.client.replication_jobs.get(azure.rg, azure.vault, job).as_dict(),
                                     cancel, deadline, job)
        tasks = job_tasks(data)
        now = (text(props(data).get("state")), tuple((t.name, t.state) for t in tasks))
        if now != last:
            on_change(data, tasks)
            last = now
        if now[0].lower() in JOB_DONE:
            return data
        if cancel.wait(POLL_S) or time.monotonic() > deadline:
            raise FixError(said_op("stopped-following", job=job))


def _read(call: Callable[[], Any], cancel: Any, deadline: float, job: str) -> Any:
    """One reading while following: a dropped connection or a passing service error is waited out (the
    SDK has retried already) until the deadline; then, or when stopped, FixError."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    wait = POLL_S
    while True:
        try:
            return call()
        except (ServiceRequestError, ServiceResponseError):
            pass
        except HttpResponseError as exc:
            if exc.status_code is not None and exc.status_code < 500 and exc.status_code != 429:
                raise
        if cancel.wait(wait) or time.monotonic() > deadline:
            raise FixError(said_op("stopped-following", job=job))
        wait = min(wait * 2, 30.0)


def item_replication(data: Mapping[str, Any]) -> dict[str, Any]:
    """An item replicating back, as read: protection state, stage (classic), health, initial replication
    progress (modernized; classic items report it too, but recorded ones leave it at 0 once in
    differential sync), RPO (classic; the SDK's InMageRcmFailback details carry none)."""
    p = props(data)
    details = child(p, "providerSpecificDetails")
    progress = details.get("initialReplicationProgressPercentage")
    if progress is None:
        progress = child(details, "resyncDetails").get("initialReplicationProgressPercentage")
    return {"protection_state": text(p.get("protectionState")), "health": text(p.get("replicationHealth")) or None,
            "provider": text(details.get("instanceType")), "stage": text(details.get("protectionStage")) or None,
            "progress": None if progress in (None, "") else int(float(progress)),
            "rpo_s": details.get("rpoInSeconds"), "allowed": [text(a) for a in p.get("allowedOperations") or []]}


def replication(azure: AzureClient, request: Request, cancel: Any = None, deadline: float = 0.0) -> dict[str, Any]:
    import threading

    cancel = cancel or threading.Event()
    data = _read(lambda: azure.client.replication_protected_items.get(
        azure.rg, azure.vault, request.fabric, request.container, request.item).as_dict(),
        cancel, deadline or time.monotonic() + 600, request.item)
    return item_replication(data)


def protected_back(state: Mapping[str, Any]) -> bool:
    """Replicating back and done with the initial replication, healthy: classic items in differential
    sync; modernized ones at 100%. A field not stated is never taken as done."""
    if str(state.get("protection_state") or "").lower() != "protected":
        return False
    if str(state.get("health") or "").lower() != "normal":  # not stated is not healthy
        return False
    if str(state.get("provider") or "").lower() == "inmage":
        return str(state.get("stage") or "").lower() == "differentialsync"
    return state.get("progress") == 100
