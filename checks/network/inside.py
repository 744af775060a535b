"""The links that start in Azure, probed where they start: Azure Run Command inside each failed-over VM
and inside the process server's Azure VM.

From an on-premises jump host, "Azure VM -> configuration server 443" and the others can only be
listed as commands to run by hand. Run Command (`Microsoft.Compute/virtualMachines/runCommand`) runs
a short script in the VM through its guest agent: here a read-only TCP connect, with a timeout, to
each address:port the port table names for that machine, one parseable line per target. It runs code
inside production VMs, so it is a fix-it in form: a plan showing the exact script and the VMs, asked
once, then applied (all VMs in parallel, each long-running operation followed), then net.ports and
ps.reachable are checked again with the results (source "network.inside").

A link that could not be probed stays a manual step with its command, with the cause: Run Command
denied (403), the VM deallocated or stopped, the guest agent not ready, an OS type the VM does not
tell, no answer in time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checks.model import Component, FixError, Said, SourceUnavailable, said
from checks.sources import Source
from checks.spec import Applied, Fix, FixContext, Plan, Progress

FIX_ID = "net.probe-inside"
RUN_COMMAND = "Microsoft.Compute/virtualMachines/runCommand/action"
VM_READ = "Microsoft.Compute/virtualMachines/read"
COMPUTE_API = "2024-07-01"
MARK = "FBPROBE"
CONNECT_TIMEOUT_S = 5
POLL_CAP_S = 10.0
# Which links start on which machine: a failed-over VM, or the process server's Azure VM.
VM_LINKS = (("vm-cs", "cs", "https"), ("vm-ps-data", "ps", "data"))
PS_LINKS = (("ps-cs", "cs", "https"), ("ps-mt-data", "mt", "data"))
_ADDRESS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$")  # a host name or an IP: nothing a shell reads
_VM_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachines/[^/]+$",
                    re.I)
_LINE = re.compile(rf"^{MARK} (?P<key>[a-z-]+) (?P<host>\S+) (?P<port>\d+) (?P<state>open|closed)\s*$", re.M)

# What stops a machine from being probed (the "cause" of an outcome that is not "done").
CAUSES = ("denied", "deallocated", "agent-not-ready", "timeout", "cancelled", "bad-output", "unknown-os",
          "not-found", "failed", "no-target")


@dataclass(frozen=True)
class Target:
    link: str  # the port map's key for the link: vm-cs, vm-ps-data, ps-cs, ps-mt-data
    host: str
    port: int


@dataclass(frozen=True)
class Machine:
    name: str
    role: str  # "vm" (a failed-over VM) | "ps" (the process server's VM)
    vm_id: str
    os_type: str  # "Windows" | "Linux" | "" (the VM does not say)
    targets: tuple[Target, ...]
    skip: str = ""  # a cause known before anything is sent (deallocated, unknown-os, ...)
    follow: str = ""  # an operation already started for this machine (a resumed probe): followed, not sent again

    @property
    def command_id(self) -> str:
        return "RunPowerShellScript" if self.os_type == "Windows" else "RunShellScript"

    @property
    def script(self) -> list[str]:
        return script_for(self.os_type, self.targets)


@dataclass(frozen=True)
class Outcome:
    machine: Machine
    state: str  # "done", or one of CAUSES
    results: tuple[tuple[Target, str], ...] = ()  # each target and "open" | "closed"
    operation: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)  # what the service said: status, codes, output

    def to_json(self) -> dict[str, Any]:
        return {"vm": self.machine.name, "role": self.machine.role, "vm_id": self.machine.vm_id,
                "os_type": self.machine.os_type or None, "command": self.machine.command_id, "state": self.state,
                "results": [{"link": t.link, "host": t.host, "port": t.port, "result": r} for t, r in self.results],
                "operation": self.operation or None, "raw": dict(self.raw)}


@dataclass(frozen=True)
class Inside:
    """The last probe run: each machine's outcome, and the links no machine could test with why
    (no address known, no process server VM configured). Empty until a probe ran."""

    outcomes: tuple[Outcome, ...] = ()
    untestable: Mapping[str, str] = field(default_factory=dict)
    at: str = ""

    def for_link(self, link: str) -> dict[str, Any]:
        """How a link fared inside: {"open": [vm], "closed": [vm], "untested": [{"vm", "cause"}]}."""
        out: dict[str, Any] = {"open": [], "closed": [], "untested": []}
        if link in self.untestable:
            out["untested"].append({"vm": None, "cause": self.untestable[link]})
        for o in self.outcomes:
            if link not in links_of(o.machine.role):
                continue
            results = [r for t, r in o.results if t.link == link]
            if o.state != "done" or not results:
                out["untested"].append({"vm": o.machine.name, "cause": o.state if o.state != "done" else "no-target"})
            for result in results:
                out[result].append(o.machine.name)
        return out


def links_of(role: str) -> list[str]:
    return [key for key, _, _ in (VM_LINKS if role == "vm" else PS_LINKS)]


# --- the script, and reading its output ----------------------------------------------------------


def script_for(os_type: str, targets: Iterable[Target]) -> list[str]:
    """The probe: a TCP connect with a timeout to each target, one `FBPROBE link host port open|closed`
    line each. Only our own words are printed, so a non-English Windows changes nothing."""
    targets = list(targets)
    for t in targets:
        if not _ADDRESS.match(t.host) or not 0 < t.port < 65536:
            raise FixError(said("fixes:net.probe-inside:bad-address", host=t.host, port=t.port))
    if os_type == "Windows":
        items = ", ".join(f"@('{t.link}','{t.host}',{t.port})" for t in targets)
        return [
            f"foreach ($t in @({items})) {{",
            "  $c = New-Object System.Net.Sockets.TcpClient; $ok = $false",
            f"  try {{ $ok = $c.ConnectAsync($t[1], $t[2]).Wait({CONNECT_TIMEOUT_S * 1000}) -and $c.Connected }} catch {{ }}",
            "  $c.Close()",
            f"  '{MARK} ' + $t[0] + ' ' + $t[1] + ' ' + $t[2] + ' ' + $(if ($ok) {{ 'open' }} else {{ 'closed' }})",
            "}",
        ]
    items = " ".join(f"'{t.link} {t.host} {t.port}'" for t in targets)
    return [
        f"for t in {items}; do",
        "  set -- $t",
        f"  if timeout {CONNECT_TIMEOUT_S} bash -c \"exec 3<>/dev/tcp/$2/$3\" 2>/dev/null; then r=open; else r=closed; fi",
        f"  echo \"{MARK} $1 $2 $3 $r\"",
        "done",
    ]


def stdout_of(result: Any) -> str:
    """The script's standard output from a Run Command result, as Windows and Linux VMs each give it:
    Windows `ComponentStatus/StdOut/succeeded` with the output as its message; Linux one
    `ProvisioningState/succeeded` whose message is "Enable succeeded: [stdout] ... [stderr] ..."."""
    values = result.get("value") if isinstance(result, Mapping) else None
    if not isinstance(values, list):
        raise ValueError("no value list")
    for entry in values:
        if isinstance(entry, Mapping) and str(entry.get("code", "")).startswith("ComponentStatus/StdOut/"):
            return str(entry.get("message") or "")
    for entry in values:
        if isinstance(entry, Mapping) and str(entry.get("code", "")).startswith("ProvisioningState/"):
            message = str(entry.get("message") or "")
            if "[stdout]" in message:
                message = message.split("[stdout]", 1)[1]
                return message.split("[stderr]", 1)[0]
            return message
    raise ValueError("no standard output in the result")


def read_output(machine: Machine, result: Any) -> tuple[str, tuple[tuple[Target, str], ...], dict[str, Any]]:
    """(state, results, raw) from a finished Run Command: "done" when every target has its line."""
    try:
        text = stdout_of(result)
    except ValueError as exc:
        return "bad-output", (), {"problem": str(exc), "result": _excerpt(json.dumps(result, default=str))}
    found = {(m["key"], m["host"], int(m["port"])): m["state"] for m in _LINE.finditer(text)}
    raw = {"stdout": _excerpt(text)}
    if not text.strip():
        return "bad-output", (), {**raw, "problem": "empty output"}
    results = tuple((t, found[(t.link, t.host, t.port)]) for t in machine.targets if (t.link, t.host, t.port) in found)
    if len(results) != len(machine.targets):
        return "bad-output", results, {**raw, "problem": f"{len(results)} of {len(machine.targets)} targets answered"}
    return "done", results, raw


def _excerpt(text: str, limit: int = 2000) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --- Run Command at the wire ---------------------------------------------------------------------


class _Denied(Exception):
    pass


def _error(response: Any) -> tuple[str, str]:
    try:
        body = response.json()
    except Exception:
        return "", ""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("code") or ""), str(error.get("message") or "")


def _send(azure: Any, method: str, url: str, body: Any = None) -> Any:
    from azure.core.rest import HttpRequest

    params = {} if "api-version=" in url else {"api-version": COMPUTE_API}
    return azure.client.send_request(HttpRequest(method, url, params=params, json=body))


def _failed_state(code: str, message: str) -> str:
    text = f"{code} {message}".lower()
    if "vmagent" in text or ("agent" in text and ("status" in text or "not ready" in text)):
        return "agent-not-ready"
    if "deallocat" in text or "not running" in text or "stopped" in text:
        return "deallocated"
    return "failed"


def start(azure: Any, machine: Machine) -> tuple[str, str, Mapping[str, Any]]:
    """POST the run command: ("operation", status URL, {}) when accepted, ("done", "", result) when
    answered at once, or (cause, "", raw) when refused."""
    response = _send(azure, "POST", f"{machine.vm_id}/runCommand",
                     {"commandId": machine.command_id, "script": machine.script})
    status = int(response.status_code)
    if status == 202:
        url = response.headers.get("Azure-AsyncOperation") or response.headers.get("Location") or ""
        return "operation", f"{url}\n{response.headers.get('Location') or ''}", {}
    if status == 200:
        return "done", "", response.json()
    code, message = _error(response)
    raw = {"http_status": status, "error_code": code or None, "message": message or None}
    if status == 403:
        return "denied", "", {**raw, "needs": RUN_COMMAND}
    if status == 404:
        return "not-found", "", raw
    if status == 409:
        return _failed_state(code, message), "", raw
    return "failed", "", raw


def follow(azure: Any, operation: str, deadline: float, cancel: threading.Event,
           tick: Callable[[str], None]) -> tuple[str, Mapping[str, Any]]:
    """Poll the operation until it ends: ("done", result) or (cause, raw). A dropped answer is asked
    again on the next poll; the deadline and cancel stop following (the command may still run)."""
    status_url, _, location = operation.partition("\n")
    wait = 1.0
    while True:
        if cancel.is_set():
            return "cancelled", {"operation": status_url}
        if time.monotonic() >= deadline:
            return "timeout", {"operation": status_url}
        try:
            response = _send(azure, "GET", status_url)
        except Exception as exc:  # the connection dropped: ask again
            tick(f"retry:{type(exc).__name__}")
            cancel.wait(min(wait, max(0.0, deadline - time.monotonic())))
            continue
        if int(response.status_code) == 200:
            body = response.json()
            state = str(body.get("status") or "") if isinstance(body, Mapping) else ""
            if state.lower() == "succeeded":
                output = (body.get("properties") or {}).get("output") if isinstance(body, Mapping) else None
                if isinstance(output, Mapping):
                    return "done", output
                return "done", _result_at(azure, location)
            if state.lower() in ("failed", "canceled", "cancelled"):
                error = body.get("error") or {}
                code, message = str(error.get("code") or ""), str(error.get("message") or "")
                return _failed_state(code, message), {"status": state, "error_code": code, "message": message}
            tick(state or "InProgress")
        elif int(response.status_code) == 404:
            return "failed", {"http_status": 404, "operation": status_url}
        try:
            wait = float(response.headers.get("Retry-After") or 1)
        except ValueError:
            wait = 1.0
        cancel.wait(max(0.2, min(wait, POLL_CAP_S, max(0.0, deadline - time.monotonic()))))


def _result_at(azure: Any, location: str) -> Mapping[str, Any]:
    if not location:
        return {}
    response = _send(azure, "GET", location)
    return response.json() if int(response.status_code) == 200 else {}


def probe_one(azure: Any, machine: Machine, timeout_s: float, cancel: threading.Event,
              progress: Callable[[Said], None]) -> Outcome:
    if machine.skip:
        return Outcome(machine, machine.skip)
    deadline = time.monotonic() + timeout_s
    operation = machine.follow
    try:
        if not operation:
            kind, operation, result = start(azure, machine)
            if kind == "done":
                state, results, raw = read_output(machine, result)
                return Outcome(machine, state, results, "", raw)
            if kind != "operation":
                return Outcome(machine, kind, (), "", result)
            progress(said("fixes:net.probe-inside:progress-sent", vm=machine.name, operation=operation))
        state, result = follow(azure, operation, deadline, cancel,
                               lambda s: progress(said("fixes:net.probe-inside:progress-running", vm=machine.name,
                                                       state=s)))
    except Exception as exc:
        return Outcome(machine, "failed", (), operation, {"error": f"{type(exc).__name__}: {exc}"})
    if state != "done":
        return Outcome(machine, state, (), operation, result)
    state, results, raw = read_output(machine, result)
    progress(said("fixes:net.probe-inside:progress-done", vm=machine.name))
    return Outcome(machine, state, results, operation, raw)


def probe_all(azure: Any, machines: Iterable[Machine], timeout_s: float, cancel: threading.Event,
              progress: Callable[[Said], None]) -> tuple[Outcome, ...]:
    machines = list(machines)
    if not machines:
        return ()
    with ThreadPoolExecutor(max_workers=min(16, len(machines)), thread_name_prefix="run-command") as pool:
        futures = [pool.submit(probe_one, azure, m, timeout_s, cancel, progress) for m in machines]
        return tuple(f.result() for f in futures)


# --- which machines, and the fix-it ----------------------------------------------------------------


def _power(body: Mapping[str, Any]) -> str:
    view = (body.get("properties") or {}).get("instanceView") or {}
    for status in view.get("statuses") or ():
        code = str(status.get("code") or "")
        if code.startswith("PowerState/"):
            return code.split("/", 1)[1]
    return ""


def _os_type(body: Mapping[str, Any]) -> str:
    disk = ((body.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}
    value = str(disk.get("osType") or "")
    return value if value in ("Windows", "Linux") else ""


def _machine(name: str, role: str, vm_id: str, body: Mapping[str, Any], targets: tuple[Target, ...],
             follow_ops: Mapping[str, str]) -> Machine:
    power = _power(body)
    os_type = _os_type(body)
    skip = ""
    if power in ("deallocated", "deallocating", "stopped", "stopping"):
        skip = "deallocated"
    elif not os_type:
        skip = "unknown-os"
    elif not targets:
        skip = "no-target"
    return Machine(name, role, vm_id, os_type, targets, skip, follow_ops.get(name, "") if not skip else "")


def ps_vm_id(ctx: FixContext) -> str:
    """The process server's Azure VM from [site] process_server_vm: an ARM id, or a name in
    [site] process_server_vm_group (default: the vault's resource group)."""
    value = ctx.settings.site.process_server_vm
    if not value or _VM_ID.match(value):
        return value
    azure = ctx.settings.azure
    group = ctx.settings.site.process_server_vm_group or (azure.resource_group if azure else "")
    sub = azure.subscription_id if azure else ""
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{value}"


def machines(ctx: FixContext, follow_ops: Mapping[str, str]) -> tuple[list[Machine], dict[str, str]]:
    """The machines to probe, and the links nobody can probe with why (address unknown, no PS VM)."""
    from checks.azure.resources import COMPUTE_API as READ_API
    from checks.azure.resources import get_resource
    from checks.network.reachability import Reachability

    reach: Reachability = ctx.source("network.probes")
    if reach.architecture == "modernized":
        raise FixError(said("fixes:net.probe-inside:modernized"))
    azure = ctx.source("azure.client")
    address = {"cs": reach.cs, "ps": reach.ps, "mt": reach.mt}
    port = {"https": reach.https_port, "data": reach.data_port}
    missing: dict[str, str] = {}

    def targets(links: Iterable[tuple[str, str, str]]) -> tuple[Target, ...]:
        out = []
        for key, node, kind in links:
            if address[node]:
                out.append(Target(key, address[node], port[kind]))
            else:
                missing[key] = "no-address"
        return tuple(out)

    found: list[Machine] = []
    try:
        resources = ctx.source("azure.resources")
    except SourceUnavailable as exc:
        raise FixError(said("fixes:net.probe-inside:no-vms", reason=Said(exc.key, exc.params) if exc.key
                            else said("reasons:azure-unreadable")))
    vm_targets = targets(VM_LINKS)
    for name, read in sorted(resources.vms.items()):
        if read.ok:
            found.append(_machine(name, "vm", read.id, read.body, vm_targets, follow_ops))
        else:
            cause = {"forbidden": "denied", "not-found": "not-found"}.get(read.problem, "failed")
            found.append(Machine(name, "vm", read.id, "", vm_targets, cause))
    ps_id = ps_vm_id(ctx)
    if not ps_id:
        for key, _, _ in PS_LINKS:
            missing[key] = "no-ps-vm"
    else:
        read = get_resource(azure, ps_id, "[site] process_server_vm", VM_READ, READ_API, "instanceView")
        if read.problem == "not-found":
            raise FixError(said("fixes:net.probe-inside:ps-vm-unknown", vm=ps_id), config=True)
        name = ps_id.rsplit("/", 1)[1]
        if read.ok:
            found.append(_machine(name, "ps", ps_id, read.body, targets(PS_LINKS), follow_ops))
        else:
            found.append(Machine(name, "ps", ps_id, "", targets(PS_LINKS), "denied" if read.problem == "forbidden"
                                 else "failed"))
    return found, missing


def plan(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    follow_ops = params.get("follow") or {}
    if isinstance(follow_ops, str):
        follow_ops = json.loads(follow_ops) if follow_ops else {}
    found, missing = machines(ctx, follow_ops)
    changes: list[Said] = []
    for m in found:
        where = ", ".join(f"{t.host}:{t.port}" for t in m.targets)
        if m.skip:
            changes.append(said(f"fixes:{FIX_ID}:skip-{m.skip}", vm=m.name))
        elif m.follow:
            changes.append(said(f"fixes:{FIX_ID}:follow", vm=m.name))
        else:
            changes.append(said(f"fixes:{FIX_ID}:run-on", vm=m.name, os=m.os_type, command=m.command_id,
                                targets=where, timeout=CONNECT_TIMEOUT_S))
    shown: set[str] = set()
    for m in found:
        if m.skip or m.follow or m.os_type in shown:
            continue
        shown.add(m.os_type)
        changes.append(said(f"fixes:{FIX_ID}:script", command=m.command_id))
        changes.extend(said("raw:code", text="    " + line) for line in m.script)  # code, in no language
    for link, cause in sorted(missing.items()):
        changes.append(said(f"fixes:{FIX_ID}:untestable-{cause}", link=link))
    runnable = [m for m in found if not m.skip]
    if not runnable:
        changes = []  # nothing would be sent: the plan is empty, and says why through the re-checks
    request = {"machines": [{"vm": m.name, "role": m.role, "vm_id": m.vm_id, "os_type": m.os_type or None,
                             "commandId": m.command_id, "script": m.script if not m.skip else [],
                             "skip": m.skip or None, "follow": m.follow or None} for m in found],
               "untestable": missing}
    target = ", ".join(m.name for m in runnable) or "-"
    return Plan(FIX_ID, target, changes, request, payload=(found, missing), target_name=target)


def apply(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    found, missing = plan.payload
    azure = ctx.source("azure.client")
    timeout_s = float(ctx.settings.network.probe_timeout_s)
    outcomes = probe_all(azure, found, timeout_s, ctx.cancel, progress)
    inside = Inside(outcomes, dict(missing), at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    ctx.put("network.inside", inside)
    opened = sum(1 for o in outcomes for _, r in o.results if r == "open")
    closed = sum(1 for o in outcomes for _, r in o.results if r == "closed")
    untested = sum(1 for o in outcomes if o.state != "done")
    return Applied(task=", ".join(o.operation.partition("\n")[0].partition("?")[0].rsplit("/", 1)[-1]
                                  for o in outcomes if o.operation) or "-",
                   detail=said(f"fixes:{FIX_ID}:done", vms=len(outcomes), open=opened, closed=closed,
                               untested=untested),
                   evidence={"outcomes": [o.to_json() for o in outcomes], "untestable": dict(missing)})


# `follow` (operations already started, by VM) is given by a resumed session, never typed: no Param.
FIX = Fix(FIX_ID, Component.NETWORK, reads=("network.probes", "azure.client", "azure.resources"), plan=plan,
          apply=apply, rechecks=("net.ports", "ps.reachable"))

SOURCE = Source("network.inside", lambda ctx: Inside(), persistent=True)
