"""Azure Run Command at the wire (`POST .../virtualMachines/{vm}/runCommand`), as Compute serves it.

Shapes: the REST spec's example 2024-07-01 `runCommandExamples/VirtualMachineRunCommand.json`
(Azure/azure-rest-api-specs, commit f5ec61419fff5b65e7a5f6a38782172d07b14ec4): 202 with a Location
under `providers/Microsoft.Compute/locations/{location}/operations/{id}`, then a result whose `value[]`
holds `ComponentStatus/StdOut/succeeded` and `ComponentStatus/StdErr/succeeded` (a Windows VM). A
Linux VM answers with one `ProvisioningState/succeeded` whose message is "Enable succeeded:
\\n[stdout]\\n...\\n[stderr]\\n" (no spec example shows it; the form is what `az vm run-command invoke`
prints for RunShellScript, as Microsoft's documentation shows it). The operation status document
(`Azure-AsyncOperation`) carries `status` and, once succeeded, `properties.output`. A failed guest
agent ends the operation "Failed" with `VMAgentStatusCommunicationError`; a VM that is not running is
refused with 409 `OperationNotAllowed` (the messages are the service's, as operators quote them).

The emulator runs no script: it reads the probe's targets from it and answers each from the
scenario's table of links (`state["run_command"]["closed"]`: {"from": "vm"|"ps"|VM name|"*", and "link"
(vm-cs, vm-ps-data, ps-cs, ps-mt-data) or "host" and "port"}).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

RUN_ACTION = "microsoft.compute/virtualmachines/runcommand/action"
PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)/providers/microsoft\.compute/"
    r"virtualmachines/(?P<name>[^/]+)/runcommand/?$", re.I)
OPERATION = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/microsoft\.compute/locations/(?P<loc>[^/]+)/operations/(?P<op>[^/]+)/?$",
    re.I)
# Both scripts list their targets as quoted "link host port" strings.
_TARGET = re.compile(r"'(?P<link>[a-z-]+) (?P<host>[^' ]+) (?P<port>\d+)'")
BUSY = "Run command extension execution is in progress. Please wait for completion before invoking a run command."

AGENT_MESSAGE = ("VM '{vm}' has not reported status for VM agent or extensions. Verify that the OS is up and "
                 "healthy, the VM has a running VM agent, and that it can establish outbound connections to "
                 "Azure storage. Please refer to https://aka.ms/vmextensionwindowstroubleshoot for additional VM "
                 "agent troubleshooting information.")
NOT_RUNNING = "Cannot modify extensions in the VM when the VM is not running."


@dataclass
class RunOp:
    id: str
    vm: str
    role: str
    os_type: str
    targets: list[tuple[str, str, int]]
    started: float
    seconds: float
    never: bool = False
    agent_error: bool = False
    output: Any = None  # a result body the scenario gives as it is (bad output, other locales)
    polls: int = 0
    extra: dict = field(default_factory=dict)


def defaults() -> dict:
    """A scenario's Run Command table: every link open, each command answering after `seconds`."""
    return {"seconds": 1.0, "retry_after": "1", "closed": [], "never": [], "agent_error": [], "outputs": {}}


def _is_closed(table: dict, vm: str, role: str, link: str, host: str, port: int) -> bool:
    """A rule closes a link by its key (what the port table calls it, wherever its far end's address
    points: tests reach the far ends on loopback), or by host and port."""
    for rule in table.get("closed", ()):
        if rule.get("from") not in (vm, role, "*"):
            continue
        if rule.get("link") == link or (rule.get("host") == host and int(rule.get("port", 0)) == port):
            return True
    return False


def _stdout(op: RunOp, table: dict) -> str:
    lines = [f"FBPROBE {link} {host} {port} {'closed' if _is_closed(table, op.vm, op.role, link, host, port) else 'open'}"
             for link, host, port in op.targets]
    return "\n".join(lines) + "\n"


def result_body(op: RunOp, table: dict) -> dict:
    if op.output is not None:
        return op.output
    out = _stdout(op, table)
    if op.os_type == "Linux":
        return {"value": [{"code": "ProvisioningState/succeeded", "level": "Info",
                           "displayStatus": "Provisioning succeeded",
                           "message": f"Enable succeeded: \n[stdout]\n{out}\n[stderr]\n"}]}
    return {"value": [
        {"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
         "message": out},
        {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
         "message": ""},
    ]}


class RunCommands:
    """The operations in flight, for one emulator."""

    def __init__(self) -> None:
        self.ops: dict[str, RunOp] = {}
        self.lock = threading.Lock()

    def start(self, vm: dict, body: dict, table: dict, role: str) -> RunOp:
        script = "\n".join(str(line) for line in (body.get("script") or []))
        command = str(body.get("commandId") or "")
        os_type = "Windows" if command == "RunPowerShellScript" else "Linux"
        targets = [(m["link"], m["host"], int(m["port"])) for m in _TARGET.finditer(script)]
        name = vm["name"]
        op = RunOp(str(uuid.uuid4()), name, role, os_type, targets, time.monotonic(), float(table.get("seconds", 1.0)),
                   never=name in table.get("never", ()), agent_error=name in table.get("agent_error", ()),
                   output=(table.get("outputs") or {}).get(name))
        with self.lock:
            self.ops[op.id] = op
        return op

    def running_on(self, vm: str) -> bool:
        """An earlier command still runs in this VM (the service then refuses another with 409)."""
        with self.lock:
            ops = [op for op in self.ops.values() if op.vm == vm]
        return any(not self.done(op) for op in ops)

    def get(self, op_id: str) -> RunOp | None:
        with self.lock:
            return self.ops.get(op_id)

    @staticmethod
    def done(op: RunOp) -> bool:
        return not op.never and time.monotonic() - op.started >= op.seconds
