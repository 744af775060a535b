"""Fix-it cs.refresh: refresh the configuration server in Site Recovery.

A retention volume added to the master target can take 15 minutes to be listed;
refreshing the CS's provider makes Site Recovery read the site again now.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from checks.azure.client import AzureClient
from checks.azure.errors import AzureUnavailable
from checks.azure.site import site_of
from checks.azure.vault import props, segment
from checks.model import Component, FixError, Said, SourceUnavailable
from checks.spec import Applied, Fix, FixContext, Plan, Progress

JOB_DONE = {"succeeded", "failed", "cancelled", "suspended", "completedwithinformation", "completedwitherrors", "skipped"}
JOB_POLL_S = 1.0
JOB_LIMIT_S = 900.0


def _said(key: str, **params: Any) -> Said:
    """A sentence of this fix-it (assets: [fixes."cs.refresh"]), rendered by whoever shows it."""
    return Said(f"fixes:cs.refresh:{key}", params)


def plan(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    try:
        vault = ctx.fresh("azure.vault")
        if vault.architecture == "modernized":
            raise FixError(_said("modernized"))
        site = site_of(ctx)
    except SourceUnavailable as exc:
        raise FixError(Said(exc.key, exc.params) if exc.key else Said("reasons:azure-unreadable")) from None
    providers = site.providers()
    if not providers:
        raise FixError(_said("no-provider", cs=site.name))
    provider = providers[0]
    name = str(provider.get("name"))
    friendly = str(props(provider).get("friendlyName") or name)
    request = {
        "operation": "replication_recovery_services_providers.begin_refresh_provider",
        "resource_group": site.vault.resource_group,
        "vault": site.vault.name,
        "fabric": site.fabric_name,
        "provider": name,
        "provider_id": provider.get("id"),
    }
    change = _said("change", cs=site.name, provider=friendly, id=provider.get("id"))
    return Plan("cs.refresh", target=site.name, changes=[change], request=request, payload=request,
                target_name=site.name)


def job_of(poller: Any) -> str:
    """The job behind an operation (a refresh, a reprotect, a failover...): Site Recovery names it in the
    202's Azure-AsyncOperation or Location header."""
    try:
        response = poller.polling_method()._initial_response.http_response
    except AttributeError:
        return ""
    for header in ("Azure-AsyncOperation", "Location"):
        name = segment(response.headers.get(header, "").split("?")[0], "replicationJobs")
        if name:
            return name
    return ""


def _started_job(azure: AzureClient, provider: str, since: dt.datetime) -> str:
    """A refresh job for this provider that started since we asked: the request did arrive."""
    for job in azure.client.replication_jobs.list(azure.rg, azure.vault):
        p = job.properties
        start = getattr(p, "start_time", None)
        if p is not None and p.target_object_id == provider and start is not None and start >= since:
            return str(job.name or "")
    return ""


def _begin(ctx: FixContext, azure: AzureClient, req: Mapping[str, Any], progress: Progress) -> tuple[Any, str]:
    """Send the refresh. When the answer is lost on the way back, find the job it started instead."""
    from azure.core.exceptions import ServiceResponseError

    # Site Recovery stamps the job with its own clock; allow a little skew.
    asked = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    try:
        poller = azure.client.replication_recovery_services_providers.begin_refresh_provider(
            req["resource_group"], req["vault"], req["fabric"], req["provider"], polling_interval=JOB_POLL_S
        )
        return poller, job_of(poller)
    except ServiceResponseError:
        pass  # the request went out; whether Site Recovery acted on it is unknown until we look
    try:
        job = _started_job(azure, str(req["provider"]), asked)
    except Exception:  # the lookup is a courtesy; failing it leaves the outcome unknown, as said below
        job = ""
    if not job:
        raise FixError(_said("outcome-unknown", cs=req.get("fabric")))
    progress(_said("answer-lost", job=job))
    return None, job


def apply(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    azure: AzureClient = ctx.source("azure.client")
    req = plan.request
    try:
        progress(_said("progress-start", cs=plan.target))
        poller, job = _begin(ctx, azure, req, progress)
        if poller is None:
            state = _follow_job(ctx, azure, job, progress)
            if state.lower() != "succeeded":
                raise FixError(_said("job-failed", job=job, state=state))
            return Applied(task=job, detail=_said("done", cs=plan.target))
        while not poller.done():
            if ctx.cancel.is_set():
                raise FixError(_said("cancelled", job=job or "?"))
            poller.wait(JOB_POLL_S)
        poller.result()
        progress(_said("progress-accepted", job=job or "?"))
        state = _follow_job(ctx, azure, job, progress) if job else "Succeeded"
    except FixError:
        raise
    except AzureUnavailable as exc:
        raise FixError(Said(exc.key, exc.params)) from None
    except Exception as exc:
        failed = azure.translate(exc, Said("azure-errors:what-refresh"))
        raise FixError(Said(failed.key, failed.params)) from None
    if state.lower() != "succeeded":
        raise FixError(_said("job-failed", job=job, state=state))
    return Applied(task=job, detail=_said("done", cs=plan.target))


def _follow_job(ctx: FixContext, azure: AzureClient, job: str, progress: Progress) -> str:
    deadline = time.monotonic() + JOB_LIMIT_S
    last = ""
    while True:
        data = azure.client.replication_jobs.get(azure.rg, azure.vault, job).as_dict()
        state = str(props(data).get("state") or "")
        if state != last:
            progress(_said("progress-job", job=job, state=state or "?"))
            last = state
        if state.lower() in JOB_DONE:
            return state
        if ctx.cancel.wait(JOB_POLL_S) or time.monotonic() > deadline:
            raise FixError(_said("cancelled", job=job))


FIX = Fix(
    "cs.refresh",
    Component.CONFIGURATION_SERVER,
    reads=("azure.client", "azure.vault"),
    plan=plan,
    apply=apply,
    rechecks=("mt.retention-volume",),
    stoppable=True,
)
