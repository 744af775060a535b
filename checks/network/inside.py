"""The links that start in Azure, probed where they start: Azure Run Command inside each failed-over VM
and inside the process server's Azure VM.

From an on-premises jump host, "Azure VM -> configuration server 443" and the others can only be
listed as commands to run by hand. Run Command (checks.network.runcommand) runs a short script in the
VM through its guest agent: here a read-only TCP connect, with a timeout, to each address:port the
port table names for that machine (the addresses the vault has registered: what the VMs use), one
parseable line per target. It runs code inside production VMs, so it is a fix-it in form: a plan
showing the exact script and the VMs, asked once, then applied (all VMs in parallel, each operation
followed), then net.ports and ps.reachable are checked again with the results (source "network.inside").

A link that could not be probed stays a manual step with its command, with the cause: Run Command
denied (403), the VM deallocated or stopped, its guest agent not ready, an earlier Run Command still
running, an OS type the VM does not tell, no answer in time, or a script that could not test.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checks.model import Component, FixError, Said, SourceUnavailable, said
from checks.network import runcommand
from checks.network.runcommand import RUN_COMMAND, Operation
from checks.sources import Source
from checks.spec import Applied, Fix, FixContext, Plan, Progress

__all__ = ["RUN_COMMAND", "FIX", "SOURCE", "Inside", "Machine", "Outcome", "Target"]

FIX_ID = "net.probe-inside"
VM_READ = "Microsoft.Compute/virtualMachines/read"
MARK = "FBPROBE"
CONNECT_TIMEOUT_S = 5
# Which links start on which machine, and where they go: (link, far end, port kind).
VM_LINKS = (("vm-cs", "cs", "https"), ("vm-ps-data", "ps", "data"))
PS_LINKS = (("ps-cs", "cs", "https"), ("ps-mt-data", "mt", "data"))
_ADDRESS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$")  # a host name or an IP: nothing a shell reads
_LINE = re.compile(rf"^{MARK} (?P<key>[a-z-]+) (?P<host>\S+) (?P<port>\d+) (?P<state>open|closed|error)\s*$", re.M)


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
    follow: Operation | None = None  # already started (a resumed probe): followed, never sent again

    @property
    def command_id(self) -> str:
        return "RunPowerShellScript" if self.os_type == "Windows" else "RunShellScript"

    @property
    def script(self) -> list[str]:
        return script_for(self.os_type, self.targets)


@dataclass(frozen=True)
class Outcome:
    machine: Machine
    state: str  # "done", or why the machine tested nothing: a cause (assets/texts [probe-causes])
    results: tuple[tuple[Target, str], ...] = ()  # each target and "open" | "closed" | "error"
    operation: Operation | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)  # what the service said: status, codes, output

    def to_json(self) -> dict[str, Any]:
        return {"vm": self.machine.name, "role": self.machine.role, "vm_id": self.machine.vm_id or None,
                "os_type": self.machine.os_type or None, "command": self.machine.command_id, "state": self.state,
                "results": [{"link": t.link, "host": t.host, "port": t.port, "result": r} for t, r in self.results],
                "operation": self.operation.to_json() if self.operation else None, "raw": dict(self.raw)}


@dataclass(frozen=True)
class Inside:
    """The last probe run: each machine's outcome, and the links no machine could test with why
    (no address known, no process server VM configured, no failed-over VM). Empty until a probe ran."""

    outcomes: tuple[Outcome, ...] = ()
    untestable: Mapping[str, str] = field(default_factory=dict)
    at: str = ""

    def for_link(self, link: str, host: str, port: int) -> dict[str, Any]:
        """How a link to host:port fared inside: {"open": [vm], "closed": [vm], "untested": [{"vm", "cause"}]}.
        A result for another address or port (the configuration or the vault changed since) is stale:
        that machine counts as untested, never as open."""
        out: dict[str, Any] = {"open": [], "closed": [], "untested": []}
        if link in self.untestable:
            out["untested"].append({"vm": None, "cause": self.untestable[link]})
        for o in self.outcomes:
            if link not in links_of(o.machine.role):
                continue
            results = [(t, r) for t, r in o.results if t.link == link]
            if o.state != "done":
                out["untested"].append({"vm": o.machine.name, "cause": o.state})
            elif not results:
                out["untested"].append({"vm": o.machine.name, "cause": "no-target"})
            for target, result in results:
                if (target.host, target.port) != (host, port):
                    out["untested"].append({"vm": o.machine.name, "cause": "stale"})
                elif result == "error":
                    out["untested"].append({"vm": o.machine.name, "cause": "probe-error"})
                else:
                    out[result].append(o.machine.name)
        return out


def links_of(role: str) -> list[str]:
    return [key for key, _, _ in (VM_LINKS if role == "vm" else PS_LINKS)]


# --- the script, and reading its output ----------------------------------------------------------


def script_for(os_type: str, targets: Iterable[Target]) -> list[str]:
    """The probe: a TCP connect with a timeout to each target, one `FBPROBE link host port state` line
    each; state is open, closed, or error (the script could not test: no .NET socket, no bash or
    timeout). Only our own words are printed, so a non-English Windows changes nothing. Targets are
    plain strings split in the script, never nested arrays (PowerShell flattens a one-element one)."""
    targets = list(targets)
    for t in targets:
        if not _ADDRESS.match(t.host) or not 0 < t.port < 65536:
            raise FixError(said("fixes:net.probe-inside:bad-address", host=t.host, port=t.port))
    items = ", ".join(f"'{t.link} {t.host} {t.port}'" for t in targets)
    ms = CONNECT_TIMEOUT_S * 1000
    if os_type == "Windows":
        return [
            f"foreach ($t in @({items})) {{",
            "  $p = $t.Split(' '); $r = 'closed'",
            "  try {",
            "    $c = New-Object System.Net.Sockets.TcpClient",
            "    $a = $c.BeginConnect($p[1], [int]$p[2], $null, $null)",
            f"    if ($a.AsyncWaitHandle.WaitOne({ms}, $false)) {{ try {{ $c.EndConnect($a); $r = 'open' }} catch {{ }} }}",
            "    $c.Close()",
            "  } catch { $r = 'error' }",
            f"  '{MARK} ' + $p[0] + ' ' + $p[1] + ' ' + $p[2] + ' ' + $r",
            "}",
        ]
    items = " ".join(f"'{t.link} {t.host} {t.port}'" for t in targets)
    return [
        f"for t in {items}; do",
        "  set -- $t",
        "  if ! command -v bash >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1; then r=error",
        f"  elif timeout {CONNECT_TIMEOUT_S} bash -c \"exec 3<>/dev/tcp/$2/$3\" 2>/dev/null; then r=open",
        "  else r=closed; fi",
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
                return message.split("[stdout]", 1)[1].split("[stderr]", 1)[0]
            return message
    raise ValueError("no standard output in the result")


def read_output(machine: Machine, result: Any) -> tuple[str, tuple[tuple[Target, str], ...], dict[str, Any]]:
    """(state, results, raw) from a finished Run Command: "done" only when every target has its line."""
    import json

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


# --- running it on each machine ------------------------------------------------------------------


def probe_one(azure: Any, machine: Machine, timeout_s: float, cancel: threading.Event, progress: Progress) -> Outcome:
    if machine.skip:
        return Outcome(machine, machine.skip)
    if cancel.is_set():
        return Outcome(machine, "cancelled")  # stopped before it was sent: nothing went to this VM
    deadline = time.monotonic() + timeout_s
    operation = machine.follow
    step = f"fixes:{FIX_ID}:progress-"
    try:
        if operation is None:
            kind, operation, result = runcommand.start(azure, machine.vm_id, machine.command_id, machine.script)
            if kind == "done":
                state, results, raw = read_output(machine, result)
                return Outcome(machine, state, results, None, raw)
            if operation is None:
                return Outcome(machine, kind, (), None, result)
            # Recorded with the operation (the transcript's fix.progress): a run killed from here on is
            # followed again on resume, never sent twice.
            progress(said(step + "sent", vm=machine.name, target=machine.name, operation=operation.to_json()))
        else:
            progress(said(step + "following", vm=machine.name, target=machine.name, operation=operation.to_json()))
        state, result = runcommand.follow(azure, operation, deadline, cancel,
                                          lambda tick: progress(said(step + tick, vm=machine.name)))
    except Exception as exc:
        return Outcome(machine, "failed", (), operation, {"error": f"{type(exc).__name__}: {exc}"})
    if state != "done":
        return Outcome(machine, state, (), operation, result)
    state, results, raw = read_output(machine, result)
    progress(said(step + "done", vm=machine.name))
    return Outcome(machine, state, results, operation, raw)


def probe_all(azure: Any, machines: Iterable[Machine], timeout_s: float, cancel: threading.Event,
              progress: Progress) -> tuple[Outcome, ...]:
    """Every machine at once. An interrupt (Ctrl-C) stops following everywhere and sends nothing more."""
    machines = list(machines)
    if not machines:
        return ()
    pool = ThreadPoolExecutor(max_workers=min(16, len(machines)), thread_name_prefix="run-command")
    try:
        futures = [pool.submit(probe_one, azure, m, timeout_s, cancel, progress) for m in machines]
        return tuple(f.result() for f in futures)
    except BaseException:
        cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- which machines ---------------------------------------------------------------------------------


def _view(body: Mapping[str, Any]) -> Mapping[str, Any]:
    return (body.get("properties") or {}).get("instanceView") or {}


def _os_type(body: Mapping[str, Any]) -> str:
    disk = ((body.get("properties") or {}).get("storageProfile") or {}).get("osDisk") or {}
    value = str(disk.get("osType") or "")
    return value if value in ("Windows", "Linux") else ""


def _machine(name: str, role: str, vm_id: str, body: Mapping[str, Any], targets: tuple[Target, ...],
             follow_ops: Mapping[str, Any]) -> Machine:
    from checks.azure.resources import power_state

    power = power_state(body)
    os_type = _os_type(body)
    skip = ""
    if power in ("deallocated", "deallocating", "stopped", "stopping"):
        skip = "deallocated"
    elif not os_type:
        skip = "unknown-os"
    elif not targets:
        skip = "no-target"
    follow = Operation.from_json(follow_ops.get(name)) if not skip else None
    return Machine(name, role, vm_id, os_type, targets, skip, follow)


def ps_vm_id(ctx: FixContext) -> str:
    """The process server's Azure VM from [site] process_server_vm: an ARM id, or a name in
    [site] process_server_vm_group (default: the vault's resource group)."""
    from checks.azure.resources import VM_ID

    value = ctx.settings.site.process_server_vm
    if not value or VM_ID.match(value):
        return value
    azure = ctx.settings.azure
    group = ctx.settings.site.process_server_vm_group or (azure.resource_group if azure else "")
    sub = azure.subscription_id if azure else ""
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{value}"


def _is_the_process_server(body: Mapping[str, Any], name: str, ps_name: str) -> bool:
    """The VM is the process server the vault names: by VM name or its computer name (Windows cuts
    that to 15 characters). Without a name in [site] process_server there is nothing to compare."""
    if not ps_name:
        return True
    wanted = ps_name.lower()
    names = {name.lower(), str(_view(body).get("computerName") or "").lower()}
    return any(n and (n == wanted or n[:15] == wanted[:15]) for n in names)


def machines(ctx: FixContext, follow_ops: Mapping[str, Any]) -> tuple[list[Machine], dict[str, str]]:
    """The machines to probe, each failback VM included (a VM not found says so), and the links nobody
    can probe with why (no address known, no process server VM, no failed-over VM named)."""
    from checks.azure.resources import COMPUTE_API as READ_API
    from checks.azure.resources import get_resource
    from checks.network.reachability import Reachability

    reach: Reachability = ctx.source("network.probes")
    if reach.architecture == "modernized":
        raise FixError(said("fixes:net.probe-inside:modernized"))
    azure = ctx.source("azure.client")
    port = {"https": reach.https_port, "data": reach.data_port}
    missing: dict[str, str] = {}

    def targets(links: Iterable[tuple[str, str, str]]) -> tuple[Target, ...]:
        out = []
        for key, node, kind in links:
            address = reach.inside(node)
            if address:
                out.append(Target(key, address, port[kind]))
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
            cause = {"forbidden": "read-denied", "not-found": "not-found"}.get(read.problem, "failed")
            found.append(Machine(name, "vm", read.id, "", vm_targets, cause))
    named = ctx.settings.site.failback_vms
    for name in named:
        if name not in resources.vms:  # not in the vault, or not running in Azure (reprotected already)
            found.append(Machine(name, "vm", "", "", vm_targets, "not-in-azure"))
    if not named:
        for key, _, _ in VM_LINKS:
            missing[key] = "no-vms"
    ps_id = ps_vm_id(ctx)
    if not ps_id:
        for key, _, _ in PS_LINKS:
            missing[key] = "no-ps-vm"
    else:
        read = get_resource(azure, ps_id, "[site] process_server_vm", VM_READ, READ_API, "instanceView")
        if read.problem == "not-found":
            raise FixError(said("fixes:net.probe-inside:ps-vm-unknown", vm=ps_id), config=True)
        name = ps_id.rsplit("/", 1)[1]
        if not read.ok:
            found.append(Machine(name, "ps", ps_id, "", targets(PS_LINKS),
                                 "read-denied" if read.problem == "forbidden" else "failed"))
        elif not _is_the_process_server(read.body, name, ctx.settings.site.process_server):
            found.append(Machine(name, "ps", ps_id, _os_type(read.body), targets(PS_LINKS), "not-the-ps"))
        else:
            found.append(_machine(name, "ps", ps_id, read.body, targets(PS_LINKS), follow_ops))
    return found, missing


# --- the fix-it: plan (the script and the VMs), apply (run, follow, give the results) ------------------


def plan(ctx: FixContext, params: Mapping[str, Any]) -> Plan:
    follow_ops = params.get("follow") or {}
    found, missing = machines(ctx, follow_ops if isinstance(follow_ops, Mapping) else {})
    changes: list[Said] = []
    for m in found:
        if m.skip:
            changes.append(said(f"fixes:{FIX_ID}:skip-{m.skip}", vm=m.name))
        elif m.follow:
            changes.append(said(f"fixes:{FIX_ID}:follow", vm=m.name))
        else:
            where = ", ".join(f"{t.host}:{t.port}" for t in m.targets)
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
    # Even when no machine can run it, the plan is not empty: applying it records why each link is
    # untested, so the port map and net.ports say so (nothing is sent then).
    request = {"machines": [{"vm": m.name, "role": m.role, "vm_id": m.vm_id or None, "os_type": m.os_type or None,
                             "commandId": m.command_id, "script": m.script if not m.skip else [],
                             "skip": m.skip or None, "follow": m.follow.to_json() if m.follow else None}
                            for m in found],
               "untestable": missing}
    runnable = [m.name for m in found if not m.skip]
    target = ", ".join(runnable) or "-"
    return Plan(FIX_ID, target, changes, request, payload=(found, missing), target_name=target)


def apply(ctx: FixContext, plan: Plan, progress: Progress) -> Applied:
    found, missing = plan.payload
    azure = ctx.source("azure.client") if any(not m.skip for m in found) else None
    outcomes = probe_all(azure, found, float(ctx.settings.network.probe_timeout_s), ctx.cancel, progress)
    inside = Inside(outcomes, dict(missing), at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    ctx.put("network.inside", inside)
    results = [r for o in outcomes for _, r in o.results]
    untested = sum(1 for o in outcomes if o.state != "done")
    return Applied(task=", ".join(o.operation.id for o in outcomes if o.operation) or "-",
                   detail=said(f"fixes:{FIX_ID}:done", vms=len(outcomes) - untested, open=results.count("open"),
                               closed=results.count("closed"), untested=untested),
                   evidence={"outcomes": [o.to_json() for o in outcomes], "untestable": dict(missing)})


# `follow` (operations already started, by VM) comes from a resumed session, never typed: no Param.
FIX = Fix(FIX_ID, Component.NETWORK, reads=("network.probes", "azure.client", "azure.resources"), plan=plan,
          apply=apply, rechecks=("net.ports", "ps.reachable"), stoppable=True)

SOURCE = Source("network.inside", lambda ctx: Inside(), persistent=True)
