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
from checks.azure.site import props, site_of
from checks.azure.vault import segment
from checks.model import Component, FixError, SourceUnavailable
from checks.spec import Applied, Fix, FixContext, Plan, Progress
from checks.texts import Texts, detect_language

JOB_DONE = {"succeeded", "failed", "cancelled", "suspended", "completedwithinformation", "completedwitherrors", "skipped"}
JOB_POLL_S = 1.0
JOB_LIMIT_S = 900.0


def _texts() -> Texts:
    return Texts(detect_language())


def plan(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    try:
        vault = ctx.fresh("azure.vault")
        if vault.architecture == "modernized":
            raise FixError(_texts().fix_text("cs.refresh", "modernized"))
        site = site_of(ctx)  # type: ignore[arg-type]
    except SourceUnavailable as exc:
        raise FixError(str(exc)) from None
    providers = site.providers()
    if not providers:
        raise FixError(_texts().fix_text("cs.refresh", "no-provider", cs=site.name))
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
    change = _texts().fix_text("cs.refresh", "change", cs=site.name, provider=friendly, id=provider.get("id"))
    return Plan("cs.refresh", target=site.name, changes=[change], request=request, payload=request,
                target_name=site.name)


def _job_name(poller: Any) -> str:
    """The job behind the operation: Site Recovery names it in the 202's Location header."""
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


def _begin(ctx: FixContext, azure: AzureClient, req: Mapping[str, Any], progress: Progress, texts: Texts) -> tuple[
        Any, str]:
    """Send the refresh. When the answer is lost on the way back, find the job it started instead."""
    from azure.core.exceptions import ServiceResponseError

    # Site Recovery stamps the job with its own clock; allow a little skew.
    asked = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    try:
        poller = azure.client.replication_recovery_services_providers.begin_refresh_provider(
            req["resource_group"], req["vault"], req["fabric"], req["provider"], polling_interval=JOB_POLL_S
        )
        return poller, _job_name(poller)
    except ServiceResponseError:
        pass  # the request went out; whether Site Recovery acted on it is unknown until we look
    try:
        job = _started_job(azure, str(req["provider"]), asked)
    except Exception:  # the lookup is a courtesy; failing it leaves the outcome unknown, as said below
        job = ""
    if not job:
        raise FixError(texts.fix_text("cs.refresh", "outcome-unknown", cs=req.get("fabric")))
    progress(texts.fix_text("cs.refresh", "answer-lost", job=job))
    return None, job


def apply(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    texts = _texts()
    azure: AzureClient = ctx.source("azure.client")
    req = plan.request
    try:
        progress(texts.fix_text("cs.refresh", "progress-start", cs=plan.target))
        poller, job = _begin(ctx, azure, req, progress, texts)
        if poller is None:
            state = _follow_job(ctx, azure, job, progress, texts)
            if state.lower() != "succeeded":
                raise FixError(texts.fix_text("cs.refresh", "job-failed", job=job, state=state))
            return Applied(task=job, detail=texts.fix_text("cs.refresh", "done", cs=plan.target))
        while not poller.done():
            if ctx.cancel.is_set():
                raise FixError(texts.fix_text("cs.refresh", "cancelled", job=job or "?"))
            poller.wait(JOB_POLL_S)
        poller.result()
        progress(texts.fix_text("cs.refresh", "progress-accepted", job=job or "?"))
        state = _follow_job(ctx, azure, job, progress, texts) if job else "Succeeded"
    except (FixError, AzureUnavailable):
        raise
    except Exception as exc:
        raise FixError(str(azure.translate(exc, "refresh of the configuration server"))) from None
    if state.lower() != "succeeded":
        raise FixError(texts.fix_text("cs.refresh", "job-failed", job=job, state=state))
    return Applied(task=job, detail=texts.fix_text("cs.refresh", "done", cs=plan.target))


def _follow_job(ctx: FixContext, azure: AzureClient, job: str, progress: Progress, texts: Texts) -> str:
    deadline = time.monotonic() + JOB_LIMIT_S
    last = ""
    while True:
        data = azure.client.replication_jobs.get(azure.rg, azure.vault, job).as_dict()
        state = str(props(data).get("state") or "")
        if state != last:
            progress(texts.fix_text("cs.refresh", "progress-job", job=job, state=state or "?"))
            last = state
        if state.lower() in JOB_DONE:
            return state
        if ctx.cancel.wait(JOB_POLL_S) or time.monotonic() > deadline:
            raise FixError(texts.fix_text("cs.refresh", "cancelled", job=job))


FIX = Fix(
    "cs.refresh",
    Component.CONFIGURATION_SERVER,
    reads=("azure.client", "azure.vault"),
    plan=plan,
    apply=apply,
    rechecks=("mt.retention-volume",),
)
