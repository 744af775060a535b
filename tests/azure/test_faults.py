"""Bad input and faults: one clear sentence, the right status, and the other checks still reported."""

from __future__ import annotations

import time

from checks.model import Status
from checks.texts import Texts
from tests.azure.conftest import AZURE_IDS, make_sources, run, run_checks, settings_for

NETWORK_IDS = ("ps.reachable", "net.s2s", "net.ports")

EN = Texts("en")  # the reasons are said by key; these tests read them in English


def _all_reported(results):
    assert set(AZURE_IDS) <= set(results)
    for cid in AZURE_IDS[1:]:
        assert results[cid].status in (Status.ERROR, Status.SKIP), cid


def _no_secret(results, secret):
    for r in results.values():
        assert secret not in repr(r.to_json())


def test_wrong_secret(emulator):
    results = run(emulator, secret="not-the-secret")
    connect = results["az.connect"]
    assert connect.status == Status.FAIL and connect.evidence["problem"] == "secret-rejected"
    assert "client secret was rejected" in EN.summary(connect)
    _all_reported(results)
    _no_secret(results, "not-the-secret")
    _no_secret(results, emulator.client_secret)


def test_wrong_tenant(emulator):
    results = run(emulator, tenant_id="00000000-0000-0000-0000-000000000000")
    assert results["az.connect"].status == Status.FAIL
    assert results["az.connect"].evidence["problem"] == "tenant-not-found"
    assert "tenant_id" in EN.summary(results["az.connect"])


def test_missing_secret_names_where_to_put_it(emulator):
    results = run(emulator, secret="")
    assert results["az.connect"].evidence["problem"] == "secret-missing"
    assert "FAILBACK_PREP_AZURE_CLIENT_SECRET" in EN.summary(results["az.connect"])


def test_vault_not_found(emulator):
    results = run(emulator, vault="no-such-vault")
    connect = results["az.connect"]
    assert connect.status == Status.FAIL and connect.evidence["problem"] == "vault-not-found"
    assert "no-such-vault" in EN.summary(connect)
    assert "no-such-vault" in results["cs.connected"].reason


def test_resource_group_not_found(emulator):
    results = run(emulator, resource_group="rg-nope")
    assert results["az.connect"].evidence["problem"] == "resource-group-not-found"
    assert "rg-nope" in EN.summary(results["az.connect"])


def test_forbidden(emulator):
    emulator.deny_access()
    results = run(emulator)
    # What the tool's identity may not read says nothing about the site: not determined, never a fail.
    assert results["az.connect"].status == Status.ERROR
    reason = EN.summary(results["az.connect"])
    assert "Site Recovery Reader" in reason and "Microsoft.RecoveryServices/vaults/read" in reason
    assert emulator.vault in reason
    _all_reported(results)


def test_throttling_is_honoured(emulator):
    emulator.add_fault(r"/replicationFabrics$", status=429, retry_after=1, times=1)
    started = time.monotonic()
    results = run(emulator)
    assert time.monotonic() - started >= 1.0
    assert results["az.connect"].status == Status.PASS
    assert emulator.requests.count(r"/replicationFabrics$") == 2


def test_lasting_throttling_is_reported(emulator):
    emulator.add_fault(r"/replicationPolicies$", status=429, retry_after=0, times=None)
    results = run(emulator)
    assert results["az.connect"].status == Status.ERROR
    assert results["az.connect"].evidence["problem"] == "throttled"
    _all_reported(results)


def test_server_error_is_retried_then_reported(emulator):
    emulator.add_fault(r"/replicationvCenters$", status=503, retry_after=0, times=None)
    results = run(emulator)
    connect = results["az.connect"]
    assert connect.status == Status.ERROR and connect.evidence["problem"] == "server-error"
    assert "503" in EN.summary(connect)
    assert emulator.requests.count(r"/replicationvCenters$") > 1


def test_stalled_endpoint_times_out(emulator):
    emulator.add_fault(r"/replicationPolicies$", stall_s=8, times=None)
    started = time.monotonic()
    results = run(emulator)
    elapsed = time.monotonic() - started
    assert results["az.connect"].status == Status.ERROR
    assert results["az.connect"].evidence["problem"] == "no-answer"
    assert elapsed < 15  # 2 s read timeout (tests), a few retries
    _all_reported(results)


def test_malformed_payload(emulator):
    emulator.malform(r"/replicationFabrics$")
    results = run(emulator)
    assert results["az.connect"].status == Status.ERROR
    assert results["az.connect"].evidence["problem"] == "malformed"
    _all_reported(results)


def test_token_expired_mid_run_signs_in_again(emulator):
    sources = make_sources(settings_for(emulator), emulator.client_secret)
    try:
        assert run_checks(sources)["az.connect"].status == Status.PASS
        emulator.expire_tokens()
        second = run_checks(sources)  # same client, new run
    finally:
        sources.close()
    assert all(r.status == Status.PASS for r in second.values())
    assert emulator.requests.count(r"/oauth2/v2.0/token") == 2


def test_bad_settings(emulator):
    results = run(emulator, cloud="MarsCloud")
    assert results["az.connect"].status == Status.FAIL
    assert "MarsCloud" in EN.summary(results["az.connect"])


def test_no_azure_table_skips(emulator):
    from dataclasses import replace

    sources = make_sources(replace(settings_for(emulator), azure=None), None)
    try:
        results = run_checks(sources)
    finally:
        sources.close()
    for cid in AZURE_IDS[1:]:
        assert results[cid].status == Status.SKIP, cid
