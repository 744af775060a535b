"""ps.reachable, net.s2s and net.ports against loopback listeners (and the vault emulator)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from checks.model import Answer, NetworkSettings, Status, VCenterSettings
from checks.network.probe import probe, probe_all
from simulators.azure import AzureEmulator
from tests.azure.conftest import make_sources, run_checks, settings_for

IDS = ("ps.reachable", "net.s2s", "net.ports")


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("FAILBACK_PREP_AZURE_TIMEOUT_S", "2")


@pytest.fixture
def emulator():
    with AzureEmulator("healthy-classic") as emu:
        yield emu


def _run(emu, network, answers=None, vcenter_port=None, scenario=None):
    if scenario:
        emu.load(scenario)
    settings = replace(settings_for(emu), network=network, answers=answers or {})
    if vcenter_port is not None:
        settings = replace(settings, vcenter=VCenterSettings(host="127.0.0.1", user="u", port=vcenter_port))
    sources = make_sources(settings, emu.client_secret)
    try:
        return run_checks(sources, IDS)
    finally:
        sources.close()


def test_probe_tls_subject(tls_listener):
    result = probe("127.0.0.1", tls_listener.port, 1.0)
    assert result.tcp == "open" and result.tls == "ok"
    assert "CN=127.0.0.1" in result.subject and result.tls_version.startswith("TLS")


def test_probe_closed_and_stalled(closed_port, stalled_port):
    started = time.monotonic()
    found = probe_all([("127.0.0.1", closed_port), ("127.0.0.1", stalled_port)], 0.5)
    assert time.monotonic() - started < 1.5  # in parallel, each within its timeout
    assert found[("127.0.0.1", closed_port)].tcp == "refused"
    stalled = found[("127.0.0.1", stalled_port)]
    assert stalled.tcp == "open" and stalled.tls == "timeout"


def test_everything_answers(emulator, tls_listener, tls_listener2):
    network = NetworkSettings(ps_address="127.0.0.1", cs_address="127.0.0.1", https_port=tls_listener.port,
                              data_port=tls_listener2.port, timeout_s=1.0)
    answers = {"net.link-type": Answer("confirmed", "ExpressRoute private peering")}
    results = _run(emulator, network, answers, vcenter_port=tls_listener.port)
    assert results["ps.reachable"].status == Status.PASS
    ports = results["ps.reachable"].evidence["ports"]
    assert ports[str(tls_listener2.port)]["tls"] == "ok"
    assert "127.0.0.1" in results["ps.reachable"].params["subject"]
    assert results["net.s2s"].status == Status.PASS
    assert results["net.s2s"].evidence["link_type"]["note"] == "ExpressRoute private peering"
    net_ports = results["net.ports"]
    assert net_ports.status == Status.PASS
    assert len(net_ports.evidence["tested"]) == 3
    manual = {m["link"]: m for m in net_ports.evidence["not_testable_here"]}
    assert manual["Azure VM -> process server (data)"]["windows"] == f"Test-NetConnection 127.0.0.1 -Port {tls_listener2.port}"
    assert manual["process server -> master target (data)"]["linux"].startswith("nc -vz")
    assert "10.0.0.41" in manual["process server -> master target (data)"]["linux"]
    # Each item carries a stable machine key next to its label; the wizard's port map matches on the key.
    tested_keys = [t["key"] for t in net_ports.evidence["tested"]]
    manual_keys = [m["key"] for m in net_ports.evidence["not_testable_here"]]
    assert tested_keys == ["here-cs", "here-ps-data", "here-vcenter"]
    assert manual_keys == ["vm-cs", "vm-ps-data", "ps-cs", "ps-mt-data", "cs-vcenter", "cs-azure", "ps-azure"]
    assert all(t["link"] for t in net_ports.evidence["tested"] + net_ports.evidence["not_testable_here"])
    from screens.port_map import LINKS

    assert {link.probe for link in LINKS if link.probe} <= set(tested_keys)
    assert {link.manual for link in LINKS} <= set(manual_keys)


def test_a_process_server_that_is_not_the_cs_is_tested_on_its_data_port_only(emulator, closed_port, tls_listener):
    # Nothing listens on 443 of a process server in Azure: only the configuration server's own serves it.
    network = NetworkSettings(ps_address="127.0.0.1", cs_address="127.0.0.2", https_port=closed_port,
                              data_port=tls_listener.port, timeout_s=1.0)
    results = _run(emulator, network)
    reach = results["ps.reachable"]
    assert reach.status == Status.PASS, reach.params
    assert list(reach.evidence["ports"]) == [str(tls_listener.port)] and reach.evidence["is_configuration_server"] is False
    assert reach.params["parts"] == [{"key": "probe", "port": tls_listener.port, "result": "TLS ok"}]
    keys = [t["key"] for t in results["net.ports"].evidence["tested"]]
    assert "here-ps-https" not in keys and "here-ps-data" in keys


def test_the_configuration_servers_own_process_server_is_tested_on_443_too(emulator, closed_port, tls_listener):
    emulator.state["fabrics"][0]["properties"]["customDetails"]["processServers"][1]["ipAddress"] = "10.0.0.10"
    network = NetworkSettings(https_port=closed_port, data_port=tls_listener.port, timeout_s=0.5)
    reach = _run(emulator, network)["ps.reachable"]
    assert reach.evidence["is_configuration_server"] is True
    assert set(reach.evidence["ports"]) == {str(closed_port), str(tls_listener.port)}


def test_link_type_unanswered_is_manual(emulator, tls_listener, tls_listener2):
    network = NetworkSettings(ps_address="127.0.0.1", https_port=tls_listener.port,
                              data_port=tls_listener2.port, timeout_s=1.0)
    assert _run(emulator, network)["net.s2s"].status == Status.MANUAL


def test_closed_and_stalled_ports_fail_quickly(emulator, closed_port, stalled_port):
    network = NetworkSettings(ps_address="127.0.0.1", cs_address="127.0.0.1", https_port=closed_port,
                              data_port=stalled_port, timeout_s=0.5)
    started = time.monotonic()
    results = _run(emulator, network, vcenter_port=closed_port)
    assert time.monotonic() - started < 3
    reach = results["ps.reachable"]
    assert reach.status == Status.FAIL
    assert list(reach.evidence["ports"]) == [str(stalled_port)]  # the data port only
    assert reach.evidence["ports"][str(stalled_port)]["tls"] == "timeout"
    assert any(t["port"] == closed_port and t["result"] == "refused" for t in results["net.ports"].evidence["tested"])
    # refused means the host answered: the address is routed
    assert results["net.s2s"].evidence["routed"] is True
    assert results["net.ports"].status == Status.FAIL


def test_blackholed_address_is_unreachable(emulator, blackholed_port):
    network = NetworkSettings(ps_address="127.0.0.1", cs_address="127.0.0.1", https_port=blackholed_port,
                              data_port=blackholed_port, timeout_s=0.5)
    started = time.monotonic()
    results = _run(emulator, network)
    assert time.monotonic() - started < 3
    assert results["ps.reachable"].evidence["ports"][str(blackholed_port)]["tcp"] == "timeout"
    assert results["ps.reachable"].status == Status.FAIL
    assert results["net.s2s"].status == Status.FAIL
    assert results["net.ports"].status == Status.FAIL


def test_address_comes_from_the_vault(emulator):
    results = _run(emulator, NetworkSettings(timeout_s=0.3))
    assert results["ps.reachable"].evidence["address"] == "10.1.0.4"
    assert results["ps.reachable"].evidence["address_from"] == "vault"


def test_modernized_vault_skips(emulator):
    results = _run(emulator, NetworkSettings(timeout_s=0.3), scenario="modernized")
    for cid in IDS:
        assert results[cid].status == Status.SKIP and results[cid].key == "classic-only"


def test_without_azure_the_override_still_probes(emulator, tls_listener, tls_listener2):
    network = NetworkSettings(ps_address="127.0.0.1", https_port=tls_listener.port,
                              data_port=tls_listener2.port, timeout_s=1.0)
    settings = replace(settings_for(emulator), azure=None, network=network)
    sources = make_sources(settings, None)
    try:
        results = run_checks(sources, IDS)
    finally:
        sources.close()
    assert results["ps.reachable"].status == Status.PASS


def test_no_address_at_all_is_an_error(emulator):
    settings = replace(settings_for(emulator), azure=None, vcenter=None, network=NetworkSettings(timeout_s=0.3))
    sources = make_sources(settings, None)
    try:
        results = run_checks(sources, IDS)
    finally:
        sources.close()
    assert results["ps.reachable"].status == Status.ERROR
    assert "network.ps_address" in __import__("checks.texts", fromlist=["Texts"]).Texts("en").summary(results["ps.reachable"])


def test_https_ports_also_get_one_http_request_through_httpx():
    """A web service on the HTTPS port is told apart from a bare TLS endpoint."""
    import http.server
    import ssl
    import threading

    import trustme

    from checks.network.probe import probe_all

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        found = probe_all([("127.0.0.1", port)], timeout=3, https_ports=frozenset({port}))
        [result] = found.values()
        assert result.tls == "ok"
        assert result.http.isdigit()
        bare = probe_all([("127.0.0.1", port)], timeout=3)
        assert next(iter(bare.values())).http == ""
    finally:
        server.shutdown()
