"""A fix-it: the exact change first, then a yes (or the VM's name, for destructive ones),
then the task's progress, its result, and the checks it fixes run again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from checks.spec import Fix, Plan
from screens.base import WizardDialog

if TYPE_CHECKING:
    from control.controller import Controller


class FixScreen(WizardDialog):
    """The dialog is the control.fixits.FixReply of its plan and apply: it hears back, from the
    worker's thread, as these messages."""

    MAIN_BUTTON = "apply"

    class Planned(Message):
        def __init__(self, plan: Plan) -> None:
            super().__init__()
            self.plan = plan

    class Progress(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Done(Message):
        def __init__(self, task: str, detail: str) -> None:
            super().__init__()
            self.task = task
            self.detail = detail

    class Failed(Message):
        def __init__(self, stage: str, reason: str) -> None:
            super().__init__()
            self.stage = stage
            self.reason = reason

    def planned(self, plan: Plan) -> None:
        self.post_message(self.Planned(plan))

    def progress(self, text: str) -> None:
        self.post_message(self.Progress(text))

    def done(self, task: str, detail: str) -> None:
        self.post_message(self.Done(task, detail))

    def failed(self, stage: str, reason: str) -> None:
        self.post_message(self.Failed(stage, reason))

    def __init__(self, control: Controller, fix: Fix) -> None:
        super().__init__(control)
        self.fix = fix
        self.plan: Plan | None = None
        self.planned_with: dict[str, Any] | None = None  # the values the plan on screen was made with
        self.stage = "planning"

    def compose(self) -> ComposeResult:
        texts = self.control.texts
        with Vertical(classes="dialog panel", id="fix-dialog"):
            yield Label(Text(texts.fix_title(self.fix.id), style="bold"), id="fix-title")
            with VerticalScroll(id="fix-body"):
                yield Static(self.t("fix.planning"), id="fix-plan")
                for param in self.fix.params:
                    about = texts.fix_text(self.fix.id, f"param.{param.name}")
                    if about and about != f"param.{param.name}":
                        yield Static(Text(about, style="dim"), classes="param-about")
                    with Horizontal(classes="row"):
                        yield Label(self.t("fix.param", name=param.name), classes="param-label")
                        yield Input(str(param.default if param.default is not None else ""),
                                    id=f"param-{param.name}", compact=True)
                if self.fix.destructive:
                    yield Static(id="fix-warning")
                    yield Input(id="confirm-name", placeholder=self.t("fix.type-here"), compact=True)
                yield Static(id="fix-progress")
            with Horizontal(classes="buttons"):
                yield Button(self.t("fix.apply"), id="apply", variant="error" if self.fix.destructive
                             else "warning", disabled=True, compact=True)
                if self.fix.params:
                    yield Button(self.t("fix.replan"), id="replan", compact=True)
                yield Button(self.t("fix.close"), id="close", compact=True)
        yield from self.key_bar()

    def on_mount(self) -> None:
        if self.fix.destructive:
            self.query_one("#confirm-name").display = False
        self.replan()

    def read_params(self) -> tuple[dict[str, Any] | None, str]:
        """The values in the fields, or None and the one sentence that says what is wrong with them."""
        from control.fixits import read_values

        typed = {p.name: self.query_one(f"#param-{p.name}", Input).value for p in self.fix.params}
        values, problem = read_values(self.fix, typed)
        if problem is None:
            return values, ""
        name, kind, text = problem
        param = next(p for p in self.fix.params if p.name == name)
        return None, self.t(f"fix.param-{kind}", name=name, value=text, minimum=param.minimum, maximum=param.maximum)

    def params(self) -> dict[str, Any] | None:
        values, problem = self.read_params()
        if values is None:
            self.show_error(problem)
        return values

    def replan(self) -> None:
        params = self.params()
        if params is None:
            return
        self.stage = "planning"
        self.plan = None
        self.planned_with = params
        self.query_one("#apply", Button).disabled = True
        self.query_one("#fix-plan", Static).update(Text(self.t("fix.planning"), style="yellow"))
        self.control.fixes.plan(self.fix.id, params, self)

    def stale(self) -> bool:
        """The fields no longer hold the values the plan on screen was made with."""
        return bool(self.fix.params) and self.read_params()[0] != self.planned_with

    def show_error(self, text: str) -> None:
        self.query_one("#fix-progress", Static).update(Text(text, style="bold red"))

    def on_fix_screen_planned(self, message: FixScreen.Planned) -> None:
        plan: Plan = message.plan
        self.plan = plan
        self.stage = "planned"
        text = Text()
        text.append(self.t("fix.target", target=plan.target) + "\n", style="bold")
        if plan.nothing_to_do:
            text.append(self.t("fix.nothing") + "\n", style="green")
        else:
            text.append(self.t("fix.changes") + "\n")
            for line in map(self.control.fixes.say, plan.changes):
                text.append(f"  {'-' if self.plain else '•'} {line}\n")
        self.query_one("#fix-plan", Static).update(text)
        self.query_one("#fix-progress", Static).update("")
        apply = self.query_one("#apply", Button)
        if plan.nothing_to_do:
            apply.label = self.t("fix.recheck")
            apply.disabled = False
        elif self.fix.destructive:
            self.query_one("#fix-warning", Static).update(
                Text(self.t("fix.type-name", target=self.name_to_type()), style="bold red"))
            name = self.query_one("#confirm-name", Input)
            name.display = True
            name.value = ""
            name.focus()
            apply.disabled = True
        else:
            apply.disabled = False
            apply.focus()
        if self.stale():  # the fields changed while it was being planned
            self.check_fields()

    def name_to_type(self) -> str:
        """The target's plain name, as the fix-it planned it: the operator types "mt-win01", not "mt-win01 (vm-42)"."""
        from control.fixits import name_to_type

        return name_to_type(self.plan) if self.plan is not None else ""

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "confirm-name" and self.plan is not None and self.stage == "planned":
            self.query_one("#apply", Button).disabled = event.value.strip() != self.name_to_type() or self.stale()
        elif event.input.id and event.input.id.startswith("param-") and self.stage in ("planning", "planned"):
            self.check_fields()

    def check_fields(self) -> None:
        """A value out of range is refused as it is typed; a plan made with other values cannot be applied."""
        values, problem = self.read_params()
        stale = self.plan is not None and bool(self.fix.params) and values != self.planned_with
        if values is None:
            self.show_error(problem)
        else:
            self.query_one("#fix-progress", Static).update(
                Text(self.t("fix.preview-again"), style="yellow") if stale else "")
        if self.plan is None or self.stage != "planned":
            return
        apply = self.query_one("#apply", Button)
        if stale:
            apply.disabled = True
        elif self.plan.nothing_to_do or not self.fix.destructive:
            apply.disabled = False
        else:
            apply.disabled = self.query_one("#confirm-name", Input).value.strip() != self.name_to_type()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "confirm-name" and not self.query_one("#apply", Button).disabled:
            self.do_apply()
        elif event.input.id and event.input.id.startswith("param-"):
            self.replan()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.do_apply()
        elif event.button.id == "replan":
            self.replan()
        elif event.button.id == "close":
            self.action_close()

    def do_apply(self) -> None:
        if self.plan is None or self.stage != "planned" or self.stale():
            return
        if self.plan.nothing_to_do:
            self.control.runs.request(self.fix.rechecks, force=True)
            self.dismiss()
            return
        self.stage = "applying"
        self.query_one("#apply", Button).disabled = True
        self.query_one("#fix-progress", Static).update(Text(self.t("fix.applying"), style="yellow"))
        typed = self.query_one("#confirm-name", Input).value if self.fix.destructive else ""
        self.control.fixes.apply(self.plan, self, typed_name=typed)

    stopping = False  # Esc stopped following: the progress line keeps saying so

    def on_fix_screen_progress(self, message: FixScreen.Progress) -> None:
        if self.stopping:
            return
        self.query_one("#fix-progress", Static).update(Text(message.text, style="yellow"))

    def on_fix_screen_done(self, message: FixScreen.Done) -> None:
        """Done: the dialog closes, and the wizard says what was done and, once re-checked, what the
        check finds now (the app announces the re-checks' results)."""
        self.stage = "done"
        done = self.t("fix.done", task=message.task or "-")
        self.app.notify(f"{done} {message.detail}".strip() + "\n" + self.t("fix.rechecking"),
                        title=self.control.texts.fix_title(self.fix.id), timeout=10)
        self.dismiss()

    def on_fix_screen_failed(self, message: FixScreen.Failed) -> None:
        self.stage = "failed" if message.stage == "apply" else "planned"
        self.show_error(self.t("fix.failed", reason=message.reason))
        if message.stage == "plan":
            self.query_one("#fix-plan", Static).update("")

    def action_close(self) -> None:
        if self.stage == "applying":
            if self.fix.stoppable:
                # Stop following: what was sent goes on where it was sent; the result says what came of it.
                self.control.fixes.stop()
                self.stopping = True
                self.query_one("#fix-progress", Static).update(Text(self.t("fix.stopping"), style="bold yellow"))
            else:
                self.notify(self.t("fix.wait"), severity="warning")
            return
        self.dismiss()
