"""Fix-it cs.refresh: refresh the configuration server in Site Recovery.

A retention volume added to the master target can take 15 minutes to be listed;
refreshing the CS's provider makes Site Recovery read the site again now.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from checks.azure.client import AzureClient
from checks.azure.errors import AzureUnavailable
from checks.azure.site import props, site_of
from checks.azure.vault import segment
from checks.model import Applied, Component, Fix, FixContext, FixError, Plan, Progress, SourceUnavailable
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
    return Plan("cs.refresh", target=site.name, changes=[change], request=request, payload=request)


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


def apply(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    texts = _texts()
    azure: AzureClient = ctx.source("azure.client")
    req = plan.request
    client = azure.client
    try:
        progress(texts.fix_text("cs.refresh", "progress-start", cs=plan.target))
        poller = client.replication_recovery_services_providers.begin_refresh_provider(
            req["resource_group"], req["vault"], req["fabric"], req["provider"], polling_interval=JOB_POLL_S
        )
        job = _job_name(poller)
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
