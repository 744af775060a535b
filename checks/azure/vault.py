"""One snapshot of the vault per run, read with parallel requests.

Every Azure check reads this snapshot; none of them calls Azure itself, so a run
costs one round of requests however many checks it has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from checks.azure.client import AzureClient, sign_in
from checks.azure.errors import AzureUnavailable
from checks.sources import Source, Sources

Resource = dict[str, Any]


@dataclass(frozen=True)
class Vault:
    name: str
    resource_group: str
    subscription_id: str
    cloud: str
    arm_endpoint: str
    fabrics: list[Resource]
    policies: list[Resource]
    containers: list[Resource]
    mappings: list[Resource]
    items: list[Resource]
    vcenters: list[Resource]
    providers: list[Resource]
    detected_architecture: str = "unknown"
    architecture: str = "unknown"


def props(resource: Mapping[str, Any] | None) -> Mapping[str, Any]:
    value = (resource or {}).get("properties")
    return value if isinstance(value, Mapping) else {}


def same_id(a: Any, b: Any) -> bool:
    """ARM ids compare case-insensitively (Site Recovery writes "/Subscriptions/"); a non-id never matches."""
    left = a.strip().rstrip("/").lower() if isinstance(a, str) else ""
    right = b.strip().rstrip("/").lower() if isinstance(b, str) else ""
    return bool(left) and left == right


def segment(arm_id: str | None, kind: str) -> str:
    """The name after `kind` in an ARM id, e.g. segment(id, "replicationFabrics")."""
    parts = (arm_id or "").strip("/").split("/")
    low = [p.lower() for p in parts]
    try:
        return parts[low.index(kind.lower()) + 1]
    except (ValueError, IndexError):
        return ""


def fabric_kind(fabric: Mapping[str, Any]) -> str:
    details = props(fabric).get("customDetails")
    return str(details.get("instanceType", "")) if isinstance(details, Mapping) else ""


def detect_architecture(fabrics: Iterable[Mapping[str, Any]], preferred: Mapping[str, Any] | None = None) -> str:
    """classic when the site fabric is VMware, modernized when it is InMageRcm."""
    if preferred is not None:
        kind = fabric_kind(preferred)
        if kind in ("VMware", "InMageRcm"):
            return "classic" if kind == "VMware" else "modernized"
    kinds = {fabric_kind(f) for f in fabrics}
    if "VMware" in kinds:
        return "classic"
    if "InMageRcm" in kinds:
        return "modernized"
    return "unknown"


# The reads, by name: every one is a vault-wide list, so none waits on another.
def _reads(azure: AzureClient) -> dict[str, Callable[[], Iterable[Any]]]:
    c, rg, vault = azure.client, azure.rg, azure.vault
    return {
        "fabrics": lambda: c.replication_fabrics.list(rg, vault),
        "policies": lambda: c.replication_policies.list(rg, vault),
        "containers": lambda: c.replication_protection_containers.list(rg, vault),
        "mappings": lambda: c.replication_protection_container_mappings.list(rg, vault),
        "items": lambda: c.replication_protected_items.list(rg, vault),
        "vcenters": lambda: c.replicationv_centers.list(rg, vault),
        "providers": lambda: c.replication_recovery_services_providers.list(rg, vault),
    }


def _as_resources(what: str, page_items: Iterable[Any]) -> list[Resource]:
    out: list[Resource] = []
    for entry in page_items:
        data = entry.as_dict() if hasattr(entry, "as_dict") else entry
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise AzureUnavailable("malformed", what=what)
        if "properties" in data and not isinstance(data["properties"], Mapping):
            raise AzureUnavailable("malformed", what=what)
        out.append(dict(data))
    return out


class _Renewal:
    """Signs in again at most once per snapshot when Resource Manager refuses the token."""

    def __init__(self, azure: AzureClient) -> None:
        self.azure = azure
        self.lock = threading.Lock()
        self.done = False

    def renew(self) -> None:
        """Forget the token once for the whole snapshot, however many reads were refused at once."""
        with self.lock:
            if not self.done:
                self.done = True
                self.azure.credential.forget()


def _read_one(azure: AzureClient, what: str, call: Callable[[], Iterable[Any]], renewal: _Renewal) -> list[Resource]:
    for attempt in (1, 2):
        try:
            return _as_resources(what, call())
        except AzureUnavailable:
            raise
        except Exception as exc:
            problem = azure.translate(exc, what)
            if problem.error == "token-rejected" and attempt == 1:
                renewal.renew()
                continue
            raise problem from None
    raise AssertionError("unreachable")


def read(azure: AzureClient, configured_architecture: str = "auto", configuration_server: str = "") -> Vault:
    sign_in(azure)
    reads = _reads(azure)
    renewal = _Renewal(azure)
    results: dict[str, list[Resource]] = {}
    with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="azure-read") as pool:
        futures = {name: pool.submit(_read_one, azure, name, call, renewal) for name, call in reads.items()}
        failures: list[AzureUnavailable] = []
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except AzureUnavailable as exc:
                failures.append(exc)
    if failures:
        # The most telling failure first: a definite "no" beats a timeout on another list.
        failures.sort(key=lambda e: (not e.definite, e.error != "forbidden"))
        raise failures[0]
    preferred = find_site_fabric(results["fabrics"], configuration_server)
    detected = detect_architecture(results["fabrics"], preferred)
    chosen = configured_architecture if configured_architecture in ("classic", "modernized") else detected
    return Vault(
        name=azure.vault,
        resource_group=azure.rg,
        subscription_id=azure.settings.subscription_id,
        cloud=azure.cloud.name,
        arm_endpoint=azure.cloud.arm_endpoint,
        detected_architecture=detected,
        architecture=chosen,
        **results,
    )


def find_site_fabric(fabrics: Iterable[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    """The site's fabric (CS or appliance site): by friendly name or host name, else the only one."""
    site = [f for f in fabrics if fabric_kind(f) in ("VMware", "InMageRcm")]
    if name:
        low = name.lower()
        for fabric in site:
            details = props(fabric).get("customDetails")
            details = details if isinstance(details, Mapping) else {}
            names = {str(props(fabric).get("friendlyName", "")).lower(), str(fabric.get("name", "")).lower()}
            names.add(str(details.get("hostName", "")).lower())
            if low in names:
                return fabric
        return None
    return site[0] if len(site) == 1 else None


def _fetch(ctx: Sources) -> Vault:
    azure: AzureClient = ctx.source("azure.client")
    site = ctx.settings.site
    return read(azure, site.architecture, site.configuration_server)


SOURCE = Source("azure.vault", _fetch)
