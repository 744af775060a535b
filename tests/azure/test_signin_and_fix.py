"""Sign-in methods, clouds, and the cs.refresh fix-it end to end."""

from __future__ import annotations

import pytest

from checks import catalog
from checks.azure.clouds import resolve
from checks.model import AzureSettings, Said, Status
from checks.texts import Texts
from tests.azure.conftest import make_sources, run, run_checks, settings_for

EN = Texts("en")  # the fix-its say everything by key; these tests read it in English


@pytest.mark.parametrize(
    ("cloud", "authority", "arm", "scope"),
    [
        ("AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com",
         "https://management.azure.com/.default"),
        ("AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn",
         "https://management.chinacloudapi.cn/.default"),
        ("AzureUSGovernment", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net",
         "https://management.core.usgovcloudapi.net/.default"),
    ],
)
def test_each_cloud_has_its_endpoints(cloud, authority, arm, scope):
    resolved = resolve(AzureSettings("t", "s", "rg", "v", cloud=cloud))
    assert (resolved.authority, resolved.arm_endpoint, resolved.scope) == (authority, arm, scope)
    assert resolved.known_authority


def test_overrides_win():
    resolved = resolve(AzureSettings("t", "s", "rg", "v", cloud="AzureChinaCloud",
                                     arm_endpoint="https://arm.local:8443/", authority="login.local"))
    assert resolved.arm_endpoint == "https://arm.local:8443"
    assert resolved.authority == "https://login.local" and not resolved.known_authority
    assert resolved.scope == "https://arm.local:8443/.default"


def test_device_code_is_told_and_never_a_secret(emulator):
    told: list[Said] = []
    sources = make_sources(settings_for(emulator, auth="device-code"), None)
    sources.tell = told.append
    try:
        results = run_checks(sources, ("az.connect", "cs.connected"))
    finally:
        sources.close()
    assert results["az.connect"].status == Status.PASS
    assert len(told) == 1
    said = EN.say(told[0])
    assert emulator.last_user_code in said and "https://" in said


def test_azure_cli_missing_is_one_sentence(emulator, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` on the path
    results = run(emulator, auth="azure-cli", ids=("az.connect",))
    connect = results["az.connect"]
    assert connect.status == Status.FAIL
    assert "az login" in EN.summary(connect)


def test_refresh_fix_brings_the_retention_volume(emulator):
    emulator.load("broken-classic")
    from tests.azure.conftest import site_settings

    sources = make_sources(settings_for(emulator, site_settings(master_target="mt-lnx01")), emulator.client_secret)
    fix = catalog.fix("cs.refresh")
    progress: list[Said] = []
    try:
        assert sources.source("azure.master-target")["retention_volumes"] == []
        plan = fix.plan(sources, {})
        provider = emulator.state["providers"][0]
        assert plan.request["provider"] == provider["name"]
        assert plan.request["provider_id"].lower().endswith(provider["name"].lower())
        assert not plan.nothing_to_do and "cs01" in EN.say(plan.changes[0])
        applied = fix.apply(sources, plan, progress.append)
        assert applied.task and any("Succeeded" in line for line in map(EN.say, progress))
        assert emulator.requests.count(r"/replicationJobs/[^/]+$", method="GET") >= 1
        sources.new_run()
        assert sources.source("azure.master-target")["retention_volumes"] == ["/mnt/retention"]
    finally:
        sources.close()
    assert fix.rechecks == ("mt.retention-volume",)


@pytest.mark.parametrize("emulator", ["modernized"], indirect=True)
def test_refresh_refuses_a_modernized_vault(emulator):
    from checks.model import FixError

    sources = make_sources(settings_for(emulator), emulator.client_secret)
    try:
        with pytest.raises(FixError, match="modernized"):
            catalog.fix("cs.refresh").plan(sources, {})
    finally:
        sources.close()
