"""The next step home (the readiness screen's R): the reprotect when it is offered and no check fails,
else the failback's failover (with the recovery point the service allows: the latest, or the latest
application-consistent; F2 switches), else its commit. The VMs' names are typed first; the exact request
of each VM is below, each value with where it came from. Then the job's tasks as a live list, and after
a reprotect the replication back until the VMs are protected again. Esc stops following only."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from screens.base import WizardDialog

if TYPE_CHECKING:
    from control.controller import Controller
    from control.operations import RunOutcome

STATE_STYLE = {"succeeded": "green", "failed": "bold red", "inprogress": "yellow", "notstarted": "dim"}


class ReprotectScreen(WizardDialog):
    """The control.operations.ReprotectReply of one reprotect: it hears back from the worker as messages."""

    MAIN_BUTTON = "start"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "point", "recovery-point", key_display="F2", id="recovery-point"),  # (letters go to the names field)
    ]
    POINTS = ("latest", "latest-app-consistent")

    class Planned(Message):
        def __init__(self, requests: Sequence[Any]) -> None:
            super().__init__()
            self.requests = requests

    class Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class Job(Message):
        def __init__(self, vm: str, job: str, state: str, tasks: Sequence[Any]) -> None:
            super().__init__()
            self.vm, self.job_name, self.state, self.tasks = vm, job, state, tasks

    class Replicating(Message):
        def __init__(self, vm: str, state: Mapping[str, Any]) -> None:
            super().__init__()
            self.vm, self.state = vm, state

    class Finished(Message):
        def __init__(self, outcome: RunOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Following(Message):
        def __init__(self, requests: Sequence[Any]) -> None:
            super().__init__()
            self.requests = requests

    # control.operations.WizardReply, from the worker's thread

    def following(self, requests: Sequence[Any], jobs: Mapping[str, str]) -> None:
        self.post_message(self.Following(requests))

    def planned(self, requests: Sequence[Any]) -> None:
        self.post_message(self.Planned(requests))

    def refused(self, reason: str) -> None:
        self.post_message(self.Refused(reason))

    def started(self, vm: str, job: str, kind: str) -> None:
        self.post_message(self.Job(vm, job, "InProgress", ()))

    def start_failed(self, vm: str, reason: str) -> None:
        self.post_message(self.Job(vm, "-", reason, ()))

    def job(self, vm: str, job: str, state: str, tasks: Sequence[Any]) -> None:
        self.post_message(self.Job(vm, job, state, tasks))

    def job_ended(self, vm: str, job: str, state: str, errors: Sequence[str]) -> None:
        pass  # the last task list said it

    def replicating(self, vm: str, state: Mapping[str, Any]) -> None:
        self.post_message(self.Replicating(vm, state))

    def finished(self, outcome: RunOutcome) -> None:
        self.post_message(self.Finished(outcome))

    def __init__(self, control: Controller) -> None:
        super().__init__(control)
        self.requests: Sequence[Any] = ()
        self.stage = "planning"
        self.point = "latest"
        self.jobs: dict[str, tuple[str, str, Sequence[Any]]] = {}
        self.states: dict[str, Mapping[str, Any]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog panel", id="fix-dialog"):
            yield Label(Text(self.t("stage.reprotect.title"), style="bold"), id="fix-title")
            with VerticalScroll(id="fix-body"):
                # The names to type first, where 24 lines show them; the exact requests below (scroll).
                yield Static(id="fix-warning")
                yield Input(id="confirm-name", placeholder=self.t("fix.type-here"), compact=True)
                yield Static(id="fix-progress")
                yield Static(Text(self.t("fix.planning"), style="yellow"), id="fix-plan")
            with Horizontal(classes="buttons"):
                yield Button(self.t("stage.reprotect.start"), id="start", variant="warning", disabled=True, compact=True)
                yield Button(self.t("fix.close"), id="close", compact=True)
        yield from self.key_bar()

    def on_mount(self) -> None:
        self.query_one("#confirm-name").display = False
        self.control.reprotect.plan(self, self.point)

    def action_point(self) -> None:
        """F2: the failback's recovery point, the latest or the latest application-consistent one."""
        if self.stage != "planned" or not self.requests or self.requests[0].kind != "failover":
            return
        self.point = self.POINTS[(self.POINTS.index(self.point) + 1) % len(self.POINTS)]
        self.stage = "planning"
        self.query_one("#start", Button).disabled = True
        self.control.reprotect.plan(self, self.point)

    @property
    def kind(self) -> str:
        return str(self.requests[0].kind) if self.requests else "reprotect"

    def on_reprotect_screen_refused(self, message: ReprotectScreen.Refused) -> None:
        self.stage = "refused" if self.stage == "planning" else self.stage
        self.query_one("#fix-plan", Static).update(Text(message.reason, style="bold red"))
        self.query_one("#close", Button).focus()

    def on_reprotect_screen_planned(self, message: ReprotectScreen.Planned) -> None:
        self.requests = message.requests
        self.stage = "planned"
        self.query_one("#fix-title", Label).update(Text(self.t(f"stage.{self.kind}.title"), style="bold"))
        self.query_one("#start", Button).label = self.t(f"stage.{self.kind}.start")
        text = Text()
        if self.kind == "failover":
            text.append(self.t("stage.point", point=self.t(f"stage.point-{self.point}")) + "\n", style="bold cyan")
        for request in self.requests:
            text.append(self.t(f"stage.{self.kind}.request", vm=request.vm, model=request.model) + "\n", style="bold")
            for choice in request.choices:
                text.append(f"  {choice['field']}: {choice['value']}  ", style="")
                text.append(f"({choice['from']})\n", style="dim")
            if request.body:
                text.append("  " + json.dumps(request.body["properties"], ensure_ascii=False) + "\n", style="dim")
        self.query_one("#fix-plan", Static).update(text)
        names = " ".join(r.vm for r in self.requests)
        self.query_one("#fix-warning", Static).update(Text(self.t(f"stage.{self.kind}.type-names", vms=names),
                                                           style="bold"))
        field = self.query_one("#confirm-name", Input)
        field.display = True
        field.focus()

    def on_reprotect_screen_following(self, message: ReprotectScreen.Following) -> None:
        """A step already under way: followed, nothing sent, no names asked."""
        self.requests = message.requests
        self.stage = "following"
        self.query_one("#fix-title", Label).update(Text(self.t(f"stage.{self.kind}.title"), style="bold"))
        self.query_one("#fix-warning", Static).update(Text(self.t("reprotect.already-running"), style="bold yellow"))
        self.query_one("#fix-plan", Static).update("")
        self.show_progress()

    def typed_all(self, typed: str) -> bool:
        return bool(self.requests) and {r.vm for r in self.requests} <= set(typed.replace(",", " ").split())

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "confirm-name" and self.stage == "planned":
            self.query_one("#start", Button).disabled = not self.typed_all(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "confirm-name":
            self.do_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "start":
            self.do_start()
        elif event.button.id == "close":
            self.action_close()

    def do_start(self) -> None:
        if self.stage != "planned":
            return  # started once: a second Enter sends nothing
        typed = self.query_one("#confirm-name", Input).value
        if not self.control.reprotect.start(self.requests, typed, self):
            return
        self.stage = "following"
        self.query_one("#start", Button).disabled = True
        self.query_one("#confirm-name", Input).disabled = True
        self.show_progress()

    def on_reprotect_screen_job(self, message: ReprotectScreen.Job) -> None:
        self.jobs[message.vm] = (message.job_name, message.state, message.tasks)
        self.show_progress()

    def on_reprotect_screen_replicating(self, message: ReprotectScreen.Replicating) -> None:
        self.states[message.vm] = message.state
        self.show_progress()

    def on_reprotect_screen_finished(self, message: ReprotectScreen.Finished) -> None:
        self.stage = "done"
        self.show_progress()
        outcome = message.outcome
        text = Text()
        if outcome.done:
            text.append(self.t(f"stage.{self.kind}.done", vms=", ".join(outcome.done)) + "\n", style="bold green")
        if outcome.failed:
            text.append(self.t("reprotect.failed", vms=", ".join(outcome.failed)) + "\n", style="bold red")
        if outcome.still_running:
            text.append(self.t("reprotect.still-running", vms=", ".join(outcome.still_running)) + "\n", style="bold")
        self.query_one("#fix-warning", Static).update(text)
        self.query_one("#close", Button).focus()

    def show_progress(self) -> None:
        """The live list: each VM's job and its tasks, then its replication back."""
        mark = {"succeeded": "+" if self.plain else "✓", "failed": "x" if self.plain else "✗"}
        text = Text()
        for request in self.requests:
            job, state, tasks = self.jobs.get(request.vm, ("-", self.t("reprotect.starting"), ()))
            text.append(self.t("reprotect.job", vm=request.vm, job=job, state=state) + "\n", style="bold")
            for task in tasks:
                key = task.state.lower()
                text.append(f"  {mark.get(key, '-')} {task.name}: {task.state}\n", style=STATE_STYLE.get(key, ""))
                for error in task.errors:
                    text.append(f"      {error}\n", style="red")
            now = self.states.get(request.vm)
            if now:
                progress = "-" if now.get("progress") is None else f"{now['progress']}%"
                rpo = "-" if now.get("rpo_s") is None else f"{now['rpo_s']} s"
                text.append("  " + self.t("reprotect.replicating", state=now.get("protection_state") or "?",
                                          progress=progress, rpo=rpo) + "\n")
        self.query_one("#fix-progress", Static).update(text)

    def action_close(self) -> None:
        if self.stage == "following":
            self.control.reprotect.stop()  # stop following; the jobs go on, R follows them again
        self.dismiss()
