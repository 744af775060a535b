"""Azure Run Command at the wire: `POST {vm}/runCommand`, then its long-running operation followed.

Through the vault client's ARM pipeline (same sign-in, retries, transport). What the service answers
(the REST spec's example 2024-07-01 `runCommandExamples/VirtualMachineRunCommand.json`, and what
operators quote): 202 with `Azure-AsyncOperation` (the status document: `status`, and once it
succeeded `properties.output`) and `Location` (202 while running, then the result); 403 without
`Microsoft.Compute/virtualMachines/runCommand/action`; 409 `OperationNotAllowed` for a VM that is
not running, or 409 `Conflict` while an earlier Run Command still runs there; an operation that ends
"Failed" with `VMAgentStatusCommunicationError` when the guest agent does not answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RUN_COMMAND = "Microsoft.Compute/virtualMachines/runCommand/action"
COMPUTE_API = "2024-07-01"
POLL_CAP_S = 10.0


@dataclass(frozen=True)
class Operation:
    """Where a started Run Command is followed: its status document, and where its result is."""

    status_url: str
    location: str = ""

    @property
    def id(self) -> str:
        return (self.status_url or self.location).partition("?")[0].rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, str]:
        return {"status_url": self.status_url, "location": self.location}

    @classmethod
    def from_json(cls, value: Any) -> Operation | None:
        if isinstance(value, Mapping) and (value.get("status_url") or value.get("location")):
            return cls(str(value.get("status_url") or ""), str(value.get("location") or ""))
        return None


def _error(response: Any) -> tuple[str, str]:
    try:
        body = response.json()
    except Exception:  # not JSON: the status says enough
        return "", ""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("code") or ""), str(error.get("message") or "")


def _send(azure: Any, method: str, url: str, body: Any = None) -> Any:
    from azure.core.rest import HttpRequest

    params = {} if "api-version=" in url else {"api-version": COMPUTE_API}
    return azure.client.send_request(HttpRequest(method, url, params=params, json=body))


def cause_of(code: str, message: str) -> str:
    """What an error of the service means for the probe: one of agent-not-ready, busy, deallocated, failed."""
    text = f"{code} {message}".lower()
    if "vmagent" in text or ("agent" in text and ("status" in text or "not ready" in text)):
        return "agent-not-ready"
    if "in progress" in text or "already running" in text:
        return "busy"
    if "deallocat" in text or "not running" in text or "stopped" in text:
        return "deallocated"
    return "failed"


def start(azure: Any, vm_id: str, command_id: str, script: list[str]) -> tuple[str, Any, Mapping[str, Any]]:
    """POST the command: ("operation", Operation, {}) once accepted, ("done", None, result) when answered
    at once, or (cause, None, what the service said) when refused."""
    response = _send(azure, "POST", f"{vm_id}/runCommand", {"commandId": command_id, "script": script})
    status = int(response.status_code)
    if status == 202:
        headers = response.headers
        return "operation", Operation(headers.get("Azure-AsyncOperation") or "", headers.get("Location") or ""), {}
    if status == 200:
        return "done", None, response.json()
    code, message = _error(response)
    raw: dict[str, Any] = {"http_status": status, "error_code": code or None, "message": message or None}
    if status == 403:
        return "denied", None, {**raw, "needs": RUN_COMMAND}
    if status == 404:
        return "not-found", None, raw
    if status == 409:
        return cause_of(code, message), None, raw
    return "failed", None, raw


def follow(azure: Any, operation: Operation, deadline: float, cancel: threading.Event,
           tick: Callable[[str], None]) -> tuple[str, Mapping[str, Any]]:
    """Poll the operation until it ends: ("done", result) or (cause, what was said). A dropped answer is
    asked again; the deadline ("timeout") and cancel ("cancelled") stop following, not the command."""
    wait = 1.0
    while True:
        if cancel.is_set():
            return "cancelled", {"operation": operation.to_json()}
        if time.monotonic() >= deadline:
            return "timeout", {"operation": operation.to_json()}
        try:
            ended, found, response = _poll(azure, operation)
        except Exception as exc:  # the connection dropped: ask again on the next round
            tick("retry")
            cancel.wait(min(wait, max(0.0, deadline - time.monotonic())))
            continue
        if ended:
            return found
        tick("running")
        try:
            wait = float(response.headers.get("Retry-After") or 1) if response is not None else 1.0
        except ValueError:
            wait = 1.0
        cancel.wait(max(0.2, min(wait, POLL_CAP_S, max(0.0, deadline - time.monotonic()))))


def _poll(azure: Any, operation: Operation) -> tuple[bool, tuple[str, Mapping[str, Any]], Any]:
    """One look: (ended, (state, result or what was said), the response)."""
    if not operation.status_url:  # only a Location: 202 while it runs, then the result
        response = _send(azure, "GET", operation.location)
        if int(response.status_code) == 200:
            return True, ("done", response.json()), response
        if int(response.status_code) == 202:
            return False, ("", {}), response
        code, message = _error(response)
        return True, (cause_of(code, message), {"http_status": int(response.status_code), "error_code": code,
                                                "message": message}), response
    response = _send(azure, "GET", operation.status_url)
    status = int(response.status_code)
    if status == 404:
        return True, ("failed", {"http_status": 404, "operation": operation.to_json()}), response
    if status != 200:
        return False, ("", {}), response
    body = response.json()
    state = str(body.get("status") or "") if isinstance(body, Mapping) else ""
    if state.lower() == "succeeded":
        output = (body.get("properties") or {}).get("output")
        return True, ("done", output if isinstance(output, Mapping) else _result_at(azure, operation.location)), response
    if state.lower() in ("failed", "canceled", "cancelled"):
        error = body.get("error") or {}
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
        return True, (cause_of(code, message), {"status": state, "error_code": code, "message": message}), response
    return False, ("", {}), response


def _result_at(azure: Any, location: str) -> Mapping[str, Any]:
    if not location:
        return {}
    response = _send(azure, "GET", location)
    return response.json() if int(response.status_code) == 200 else {}
