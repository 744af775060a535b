"""ps.reachable, net.s2s and net.ports: what answers from where the tool runs."""

from __future__ import annotations

from typing import Any

from checks.architecture import classic_only_skip
from checks.model import Component, Status
from checks.network.probe import Probe
from checks.network.reachability import Reachability
from checks.spec import Check, CheckContext, Verdict, verdict


def _reach(ctx: CheckContext) -> Reachability | Verdict:
    """The probes, or the verdict that stands in for them on a modernized vault."""
    reach: Reachability = ctx.source("network.probes")
    return classic_only_skip() if reach.architecture == "modernized" else reach


def _reach_ps(ctx: CheckContext) -> Reachability | Verdict:
    """As _reach, for checks that need the process server's address."""
    reach = _reach(ctx)
    if isinstance(reach, Reachability) and not reach.ps:
        return verdict(Status.ERROR, "no-address", {"azure_problem": reach.azure_problem},
                       why=reach.azure_problem or "-")
    return reach


def _shown(p: Probe | None) -> str:
    if p is None:
        return "not probed"
    if p.tcp != "open":
        return p.tcp
    return "TLS " + p.tls if p.tls != "ok" else "TLS ok"


def ps_reachable(ctx: CheckContext) -> Verdict:
    reach = _reach_ps(ctx)
    if isinstance(reach, Verdict):
        return reach
    ports = (reach.data_port, reach.https_port) if reach.ps_is_cs else (reach.data_port,)
    probes = {port: reach.get(reach.ps, port) for port in ports}
    evidence = {
        "address": reach.ps,
        "address_from": reach.ps_origin,
        "is_configuration_server": reach.ps_is_cs,
        "timeout_s": reach.timeout_s,
        "ports": {str(port): (p.to_json() if p else None) for port, p in probes.items()},
    }
    params = {"address": reach.ps, "data_port": reach.data_port,
              "parts": [{"key": "probe", "port": port, "result": _shown(p)} for port, p in probes.items()]}
    data = probes.get(reach.data_port)
    if data is not None and all(p is not None and p.tls == "ok" for p in probes.values()):
        return verdict(Status.PASS, "ok", evidence, subject=data.subject or "-", **params)
    return verdict(Status.FAIL, "no-answer", evidence, **params)


def s2s(ctx: CheckContext) -> Verdict:
    reach = _reach_ps(ctx)
    if isinstance(reach, Verdict):
        return reach
    probes = [p for p in (reach.get(reach.ps, reach.data_port), reach.get(reach.ps, reach.https_port)) if p]
    routed = any(p.routed for p in probes)
    answer = ctx.settings.answers.get("net.link-type")
    evidence: dict[str, Any] = {
        "address": reach.ps,
        "address_from": reach.ps_origin,
        "routed": routed,
        "probes": [p.to_json() for p in probes],
        "link_type": {"answer": answer.status, "note": answer.note} if answer else None,
    }
    results = [{"key": "probe", "port": p.port, "result": _shown(p)} for p in probes]
    if not routed:
        return verdict(Status.FAIL, "unreachable", evidence, address=reach.ps, parts=results)
    if answer is None:
        return verdict(Status.MANUAL, "reachable-unconfirmed", evidence, address=reach.ps)
    if answer.confirmed:
        return verdict(Status.PASS, "ok", evidence, address=reach.ps, link=answer.note or "-")
    return verdict(Status.SKIP, "link-skipped", evidence, address=reach.ps, note=answer.note or "-")


def _commands(host: str, port: int) -> dict[str, str]:
    return {"windows": f"Test-NetConnection {host} -Port {port}", "linux": f"nc -vz -w 5 {host} {port}"}


def ports(ctx: CheckContext) -> Verdict:
    reach = _reach(ctx)
    if isinstance(reach, Verdict):
        return reach
    cs = reach.cs or "<configuration-server>"
    ps = reach.ps or "<process-server>"
    mt = reach.mt or "<master-target>"
    tested: list[dict[str, Any]] = []
    unknown: list[str] = []

    # Each link has a stable machine key (what the wizard's port map matches on) and a label for people.
    def test(key: str, link: str, host: str, port: int) -> None:
        if not host:
            unknown.append(link)
            return
        p = reach.get(host, port)
        tested.append({"key": key, "link": link, "host": host, "port": port, "result": _shown(p),
                       "answered": bool(p and p.answered), "elapsed_ms": p.elapsed_ms if p else None})

    test("here-cs", "here -> configuration server", reach.cs, reach.https_port)
    if reach.ps_is_cs:
        test("here-ps-https", "here -> process server (https)", reach.ps, reach.https_port)
    test("here-ps-data", "here -> process server (data)", reach.ps, reach.data_port)
    if reach.vcenter:
        test("here-vcenter", "here -> vCenter", reach.vcenter.host, reach.vcenter.port)
    else:
        unknown.append("here -> vCenter")
    vc_host = reach.vcenter.host if reach.vcenter else "<vcenter>"
    vc_port = reach.vcenter.port if reach.vcenter else 443
    manual = [
        {"key": "vm-cs", "link": "Azure VM -> configuration server", "run_on": "each failed-over Azure VM",
         **_commands(cs, reach.https_port)},
        {"key": "vm-ps-data", "link": "Azure VM -> process server (data)", "run_on": "each failed-over Azure VM",
         **_commands(ps, reach.data_port)},
        {"key": "ps-cs", "link": "process server -> configuration server", "run_on": "the process server in Azure",
         **_commands(cs, reach.https_port)},
        {"key": "ps-mt-data", "link": "process server -> master target (data)",
         "run_on": "the process server in Azure", **_commands(mt, reach.data_port)},
        {"key": "cs-vcenter", "link": "configuration server -> vCenter", "run_on": "the configuration server",
         **_commands(vc_host, vc_port)},
        {"key": "cs-azure", "link": "configuration server -> Azure (outbound)", "run_on": "the configuration server",
         **_commands(reach.arm_host, 443)},
        {"key": "ps-azure", "link": "process server -> Azure (outbound)", "run_on": "the process server in Azure",
         **_commands(reach.login_host, 443)},
    ]
    # The links that start in Azure, as the last probe inside the VMs (Run Command) found them: a link
    # every machine tested open leaves the manual list; one closed anywhere fails, naming where from.
    inside = ctx.source("network.inside")
    tested_inside: list[dict[str, Any]] = []
    closed_inside: list[dict[str, Any]] = []
    still_manual: list[dict[str, Any]] = []
    for item in manual:
        if item["key"] not in INSIDE_LINKS:
            still_manual.append(item)
            continue
        host, port = INSIDE_LINKS[item["key"]](reach)
        found = inside.for_link(item["key"], host, port)
        if not (found["open"] or found["closed"] or found["untested"]):
            still_manual.append(item)
            continue
        entry = {"key": item["key"], "link": item["link"], "host": host, "port": port, "open_from": found["open"],
                 "closed_from": found["closed"], "untested": found["untested"], "probed_at": inside.at}
        if found["closed"]:
            closed_inside.append(entry)
        if found["untested"] or found["closed"]:
            still_manual.append({**item, "inside": entry})
        else:
            tested_inside.append(entry)
    failed = [t for t in tested if not t["answered"]]
    evidence = {"tested": tested, "tested_inside": tested_inside, "not_testable_here": still_manual,
                "address_unknown": unknown, "timeout_s": reach.timeout_s}
    if reach.azure_problem:
        evidence["azure_problem"] = reach.azure_problem
    if failed or closed_inside:
        parts = [{"key": "closed", "host": t["host"], "port": t["port"], "result": t["result"]} for t in failed]
        # (a link closed from inside the VMs is said with where from, and 95226 for the configuration server)
        parts += [{"key": "closed-inside-" + ("cs" if e["key"] == "vm-cs" else "other"), "vms": ", ".join(e["closed_from"]),
                   "host": e["host"], "port": e["port"]} for e in closed_inside]
        return verdict(Status.FAIL, "closed", evidence, parts=parts, manual=len(still_manual))
    if not tested and not tested_inside:
        return verdict(Status.ERROR, "nothing-testable", evidence, unknown=unknown)
    return verdict(Status.PASS, "ok", evidence, count=len(tested), inside=len(tested_inside),
                   manual=len(still_manual), unknown=unknown)


# The links a probe inside Azure VMs tests, and their far end (host, port) as the VMs reach it.
INSIDE_LINKS = {
    "vm-cs": lambda r: (r.inside("cs"), r.https_port),
    "vm-ps-data": lambda r: (r.inside("ps"), r.data_port),
    "ps-cs": lambda r: (r.inside("cs"), r.https_port),
    "ps-mt-data": lambda r: (r.inside("mt"), r.data_port),
}


CHECKS = (
    Check("ps.reachable", Component.PROCESS_SERVER, 2, reads=("network.probes",), decide=ps_reachable),
    Check("net.s2s", Component.NETWORK, None, reads=("network.probes",), decide=s2s),
    Check("net.ports", Component.NETWORK, None, reads=("network.probes", "network.inside"), decide=ports),
)
