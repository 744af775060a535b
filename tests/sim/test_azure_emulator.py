"""The Azure emulator against the real azure-identity and Site Recovery SDK, over HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import re
import time
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.identity import ClientSecretCredential, DeviceCodeCredential
from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient
from azure.mgmt.recoveryservicessiterecovery import models as m

from simulators.azure import AzureEmulator

ROOT = Path(__file__).resolve().parents[2]
SCOPES = ["https://management.azure.com/.default"]


def credential(emu: AzureEmulator, secret: str | None = None, tenant: str | None = None) -> ClientSecretCredential:
    return ClientSecretCredential(
        tenant or emu.tenant_id,
        emu.client_id,
        secret or emu.client_secret,
        authority=emu.authority,
        disable_instance_discovery=True,
        connection_verify=emu.ca_file,
    )


def client(emu: AzureEmulator, cred=None, **kw) -> SiteRecoveryManagementClient:
    return SiteRecoveryManagementClient(
        cred or credential(emu),
        emu.subscription_id,
        base_url=emu.base_url,
        credential_scopes=SCOPES,
        connection_verify=emu.ca_file,
        **kw,
    )


@pytest.fixture(scope="module")
def emu():
    with AzureEmulator("healthy-classic") as e:
        yield e


@pytest.fixture
def fresh():
    with AzureEmulator("healthy-classic") as e:
        yield e


@pytest.fixture(scope="module")
def sr(emu):
    return client(emu)


def cs_fabric(sr, emu) -> m.Fabric:
    return next(f for f in sr.replication_fabrics.list(emu.resource_group, emu.vault)
                if f.properties.friendly_name == "cs01")


# ---------------------------------------------------------------- payloads -> models
def test_fabric_is_vmware_details_with_typed_servers(sr, emu):
    fabrics = list(sr.replication_fabrics.list(emu.resource_group, emu.vault))
    assert {f.properties.custom_details.instance_type for f in fabrics} == {"VMware", "Azure"}
    fab = cs_fabric(sr, emu)
    assert fab.id.startswith("/Subscriptions/")
    cd = fab.properties.custom_details
    assert isinstance(cd, m.VMwareDetails)
    assert cd.ip_address == "10.0.0.10" and cd.agent_version == "9.55.6765.1"
    assert cd.cs_service_status == "Running"
    assert (time.time() - cd.last_heartbeat.timestamp()) < 5 * 60
    assert all(isinstance(p, m.ProcessServer) for p in cd.process_servers)
    ps = next(p for p in cd.process_servers if p.friendly_name == "ps-azure01")
    assert ps.ip_address == "10.1.0.4" and ps.ps_service_status == "Running" and not ps.health_errors
    # Recorded shapes: statuses are colours, loads are strings, the version status an AgentVersionStatus.
    assert (ps.cpu_load, ps.cpu_load_status, ps.version_status) == ("3%", "Green", "Supported")
    mts = {t.name: t for t in cd.master_target_servers}
    assert set(mts) == {"cs01", "mt-win01", "mt-lnx01"}  # the configuration server is a master target too
    assert [v.volume_name for v in mts["mt-win01"].retention_volumes] == ["R"]
    assert mts["mt-win01"].retention_volumes[0].threshold_percentage is None
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{16}", mts["mt-win01"].id)
    assert all(isinstance(t, m.MasterTargetServer) for t in mts.values())
    lnx = mts["mt-lnx01"]
    assert lnx.os_type == "Linux" and lnx.os_version is None and lnx.id == lnx.id.lower()
    assert isinstance(lnx.retention_volumes[0], m.RetentionVolume)
    assert lnx.retention_volumes[0].volume_name == "/mnt/retention"
    assert isinstance(lnx.data_stores[0], m.DataStore) and lnx.data_stores[0].type == "VMFS"
    assert lnx.data_stores[0].capacity == "12287.75"
    assert cd.run_as_accounts and isinstance(cd.run_as_accounts[0], m.RunAsAccount)
    # get with $expand works too
    again = sr.replication_fabrics.get(emu.resource_group, emu.vault, fab.name, filter=None)
    assert isinstance(again.properties.custom_details, m.VMwareDetails)


def test_policies_and_mapping(sr, emu):
    pols = {p.name: p for p in sr.replication_policies.list(emu.resource_group, emu.vault)}
    fb = pols["failback-policy"].properties.provider_specific_details
    assert isinstance(fb, m.InMagePolicyDetails)
    assert (fb.recovery_point_threshold_in_minutes, fb.recovery_point_history,
            fb.app_consistent_frequency_in_minutes) == (15, 1440, 60)
    assert isinstance(pols["replication-policy"].properties.provider_specific_details, m.InMageAzureV2PolicyDetails)
    fab = cs_fabric(sr, emu)
    cont = list(sr.replication_protection_containers.list_by_replication_fabrics(emu.resource_group, emu.vault, fab.name))
    assert cont[0].properties.friendly_name == "cs01"
    maps = list(sr.replication_protection_container_mappings.list_by_replication_protection_containers(
        emu.resource_group, emu.vault, fab.name, cont[0].name))
    assert any(mp.properties.policy_id.lower() == pols["failback-policy"].id.lower() for mp in maps)
    assert len(list(sr.replication_protection_container_mappings.list(emu.resource_group, emu.vault))) == 2


def test_protected_items_page_and_parse(sr, emu):
    items = list(sr.replication_protected_items.list(emu.resource_group, emu.vault))
    assert sorted(i.properties.friendly_name for i in items) == ["app01", "db01", "web01", "web02"]
    assert emu.requests.count(r"/replicationProtectedItems$") >= 2  # 2 per page -> paged
    for it in items:
        d = it.properties.provider_specific_details
        assert isinstance(d, m.InMageAzureV2ReplicationDetails)
        assert "SwitchProtection" in it.properties.allowed_operations  # how a committed classic item offers reprotect
        assert it.properties.protection_state == "UnplannedFailoverCommitted"
        assert it.properties.recovery_fabric_id == "Microsoft Azure"
        config = d.vm_nics[0].ip_configs[0]
        assert config.recovery_ip_address_type == "Dynamic" and config.recovery_static_ip_address is None
        assert d.target_vm_id.lower().endswith(f"/virtualmachines/{it.properties.friendly_name}")
    # As recorded, a list is "lite": the item read alone carries its disks and master target, the list not.
    listed = next(i for i in items if i.properties.friendly_name == "db01")
    parts = listed.id.split("/")
    alone = sr.replication_protected_items.get(emu.resource_group, emu.vault, parts[parts.index("replicationFabrics") + 1],
                                               parts[parts.index("replicationProtectionContainers") + 1], listed.name)
    assert listed.properties.provider_specific_details.protected_disks == []
    assert listed.properties.provider_specific_details.master_target_id is None
    assert len(alone.properties.provider_specific_details.protected_disks) == 2
    assert alone.properties.provider_specific_details.master_target_id
    groups = {i.properties.friendly_name: i.properties.provider_specific_details.multi_vm_group_name for i in items}
    assert groups == {"app01": "grp-win", "db01": "grp-win", "web01": "grp-lnx", "web02": "grp-lnx"}


def test_vcenters_jobs_providers(sr, emu):
    vcs = list(sr.replicationv_centers.list(emu.resource_group, emu.vault))
    assert vcs[0].properties.friendly_name == "vcenter01" and vcs[0].properties.discovery_status == "Completed"
    provs = list(sr.replication_recovery_services_providers.list(emu.resource_group, emu.vault))
    assert provs[0].properties.friendly_name == "cs01"
    fab = cs_fabric(sr, emu)
    assert len(list(sr.replication_recovery_services_providers.list_by_replication_fabrics(
        emu.resource_group, emu.vault, fab.name))) == 1


def test_modernized_fabric():
    with AzureEmulator("modernized") as emu:
        sr = client(emu)
        fab = next(f for f in sr.replication_fabrics.list(emu.resource_group, emu.vault)
                   if f.properties.custom_details.instance_type != "Azure")
        cd = fab.properties.custom_details
        assert isinstance(cd, m.InMageRcmFabricSpecificDetails)
        assert cd.reprotect_agents[0].accessible_datastores
        assert isinstance(cd.dras[0], m.DraDetails)
        items = list(sr.replication_protected_items.list(emu.resource_group, emu.vault))
        assert len(items) == 4
        assert all(isinstance(i.properties.provider_specific_details, m.InMageRcmReplicationDetails) for i in items)


def test_scale_paging():
    with AzureEmulator("scale") as emu:
        sr = client(emu)
        items = list(sr.replication_protected_items.list(emu.resource_group, emu.vault))
        assert len(items) == 204
        assert len({i.name for i in items}) == 204


# ---------------------------------------------------------------- operations
def test_refresh_provider_lro_and_pending_retention():
    with AzureEmulator("broken-classic") as emu:
        sr = client(emu)
        fab = cs_fabric(sr, emu)
        lnx = next(t for t in fab.properties.custom_details.master_target_servers if t.name == "mt-lnx01")
        assert not lnx.retention_volumes
        prov = list(sr.replication_recovery_services_providers.list_by_replication_fabrics(
            emu.resource_group, emu.vault, fab.name))[0]
        res = sr.replication_recovery_services_providers.begin_refresh_provider(
            emu.resource_group, emu.vault, fab.name, prov.name, polling_interval=0.05).result()
        assert isinstance(res, m.RecoveryServicesProvider) and res.name == prov.name
        assert emu.requests.count(r"/operationStatus/", "GET") >= 2
        fab = cs_fabric(sr, emu)
        lnx = next(t for t in fab.properties.custom_details.master_target_servers if t.name == "mt-lnx01")
        assert [v.volume_name for v in lnx.retention_volumes] == ["/mnt/retention"]
        jobs = list(sr.replication_jobs.list(emu.resource_group, emu.vault))
        assert jobs[0].properties.state == "Succeeded"
        assert sr.replication_jobs.get(emu.resource_group, emu.vault, jobs[0].name).properties.state == "Succeeded"


def test_reprotect_lro(fresh):
    sr = client(fresh)
    item = next(i for i in sr.replication_protected_items.list(fresh.resource_group, fresh.vault)
                if i.properties.friendly_name == "app01")
    parts = item.id.split("/")
    fabric, container = parts[parts.index("replicationFabrics") + 1], parts[parts.index("replicationProtectionContainers") + 1]
    cd = cs_fabric(sr, fresh).properties.custom_details
    body = m.ReverseReplicationInput(properties=m.ReverseReplicationInputProperties(
        failover_direction="RecoveryToPrimary",
        provider_specific_details=m.InMageReprotectInput(
            master_target_id=cd.master_target_servers[0].id, process_server_id=cd.process_servers[1].id,
            retention_drive="R", profile_id="/failback-policy", datastore_name="vmfs-prod01")))
    fresh.task_s = 0.05
    res = sr.replication_protected_items.begin_reprotect(
        fresh.resource_group, fresh.vault, fabric, container, item.name, body, polling_interval=0.05).result()
    # As recorded after a reprotect: the item replicates back with the InMage provider, its initial
    # replication under way (then Protected: tests/cli/test_reprotect.py follows it).
    assert res.properties.protection_state in ("InitialReplicationPending", "Protected")
    assert res.properties.active_location == "Primary"
    assert isinstance(res.properties.provider_specific_details, m.InMageReplicationDetails)


# ---------------------------------------------------------------- faults & errors
def test_429_is_retried(fresh):
    sr = client(fresh, retry_backoff_factor=0.01)
    fresh.add_fault(r"/replicationPolicies$", status=429, retry_after=1, times=1)
    t = time.monotonic()
    pols = list(sr.replication_policies.list(fresh.resource_group, fresh.vault))
    assert len(pols) == 2
    assert time.monotonic() - t >= 0.9  # Retry-After honoured
    statuses = [r.status for r in fresh.requests if r.path.endswith("/replicationPolicies")]
    assert statuses == [429, 200]


def test_wrong_secret_raises(emu):
    sr = client(emu, credential(emu, secret="not-the-secret"))
    with pytest.raises(ClientAuthenticationError) as ei:
        list(sr.replication_fabrics.list(emu.resource_group, emu.vault))
    assert "AADSTS7000215" in str(ei.value)


def test_unknown_tenant_raises(emu):
    cred = credential(emu, tenant="00000000-0000-0000-0000-000000000001")
    with pytest.raises(ClientAuthenticationError):
        cred.get_token(*SCOPES)


def test_unknown_vault_and_group(sr, emu):
    with pytest.raises(ResourceNotFoundError) as ei:
        list(sr.replication_fabrics.list(emu.resource_group, "no-such-vault"))
    assert ei.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as ei:
        list(sr.replication_fabrics.list("no-such-rg", emu.vault))
    assert ei.value.error.code == "ResourceGroupNotFound"


def test_expired_tokens_and_denied(fresh):
    sr = client(fresh)
    list(sr.replication_policies.list(fresh.resource_group, fresh.vault))
    fresh.expire_tokens()
    with pytest.raises(ClientAuthenticationError) as ei:
        list(sr.replication_policies.list(fresh.resource_group, fresh.vault))
    assert ei.value.error.code == "ExpiredAuthenticationToken"
    assert "WWW-Authenticate" in ei.value.response.headers
    sr = client(fresh)  # a new credential signs in again
    fresh.deny_access()
    with pytest.raises(HttpResponseError) as ei:
        list(sr.replication_policies.list(fresh.resource_group, fresh.vault))
    assert ei.value.status_code == 403 and ei.value.error.code == "AuthorizationFailed"


def test_raw_errors_malform_and_api_version(fresh):
    base = fresh.base_url + fresh.vault_path + "/replicationFabrics"
    r = requests.get(base, params={"api-version": "2025-08-01"}, verify=fresh.ca_file, timeout=10)
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    token = credential(fresh).get_token(*SCOPES).token
    h = {"Authorization": f"Bearer {token}"}
    r = requests.get(base, headers=h, verify=fresh.ca_file, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == "MissingApiVersionParameter"
    fresh.malform(r"/replicationFabrics$", times=1)
    r = requests.get(base, params={"api-version": "2025-08-01"}, headers=h, verify=fresh.ca_file, timeout=10)
    with pytest.raises(ValueError):
        json.loads(r.text)
    fresh.add_fault(r"/replicationFabrics$", status=503, times=1, stall_s=0.2)
    t = time.monotonic()
    r = requests.get(base, params={"api-version": "2025-08-01"}, headers=h, verify=fresh.ca_file, timeout=10)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1" and time.monotonic() - t >= 0.2
    assert r.json()["error"]["code"] == "ServiceUnavailable"


def test_device_code_flow(fresh):
    fresh.device_poll_interval = 0
    shown = []
    cred = DeviceCodeCredential(
        client_id="04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        tenant_id=fresh.tenant_id,
        authority=fresh.authority,
        disable_instance_discovery=True,
        connection_verify=fresh.ca_file,
        prompt_callback=lambda uri, code, exp: shown.append((uri, code)),
    )
    sr = client(fresh, cred)
    assert len(list(sr.replication_policies.list(fresh.resource_group, fresh.vault))) == 2
    assert shown and shown[0][1] == fresh.last_user_code
    assert shown[0][0].startswith(fresh.base_url)


def test_module_entry_point_prints_json_and_stops_on_eof(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.azure", "--scenario", "modernized", "--port", "0",
         "--workdir", str(tmp_path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        info = json.loads(proc.stdout.readline())
        assert info["ca_file"] == str(tmp_path / "ca.pem")
        r = requests.get(f"{info['authority']}/{info['tenant_id']}/v2.0/.well-known/openid-configuration",
                         verify=info["ca_file"], timeout=10)
        assert r.json()["token_endpoint"].startswith(info["authority"])
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_broken_classic_breaks_each_rule():
    with AzureEmulator("broken-classic") as emu:
        sr = client(emu)
        cd = cs_fabric(sr, emu).properties.custom_details
        assert cd.cs_service_status == "Stopped"
        assert time.time() - cd.last_heartbeat.timestamp() > 100 * 60
        ps = next(p for p in cd.process_servers if p.friendly_name == "ps-azure01")
        assert ps.health_errors and isinstance(ps.health_errors[0], m.HealthError)
        assert not ps.ip_address.startswith("10.1.0.")
        win = next(t for t in cd.master_target_servers if t.name == "mt-win01")
        assert win.health_errors and win.validation_errors and win.agent_version == "9.60.0.1"
        items = {i.properties.friendly_name: i for i in sr.replication_protected_items.list(emu.resource_group, emu.vault)}
        assert "db01" not in items
        assert "ReverseReplicate" not in items["web01"].properties.allowed_operations
        win_group = {n for n, i in items.items()
                     if i.properties.provider_specific_details.multi_vm_group_name == "grp-win"}
        assert win_group == {"app01", "web02"}
        fb = sr.replication_policies.get(emu.resource_group, emu.vault, "failback-policy")
        assert fb.properties.provider_specific_details.recovery_point_threshold_in_minutes != 15
        vc = list(sr.replicationv_centers.list(emu.resource_group, emu.vault))[0]
        assert vc.properties.discovery_status == "Failed"


def test_latency_setting(fresh):
    token = credential(fresh).get_token(*SCOPES).token
    fresh.set_latency(200)
    t = time.monotonic()
    r = requests.get(fresh.base_url + fresh.vault_path + "/replicationPolicies", params={"api-version": "2025-08-01"},
                     headers={"Authorization": f"Bearer {token}"}, verify=fresh.ca_file, timeout=10)
    assert r.status_code == 200 and time.monotonic() - t >= 0.2
