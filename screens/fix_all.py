"""Fix all (the readiness screen's f): every fix-it the checks call for, their exact changes in the order
they will be applied, one confirmation (the names of the targets of changes that cannot be undone,
typed once, together), then each followed in turn until the first failure, and the checks re-run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from screens.base import WizardDialog

if TYPE_CHECKING:
    from control.controller import Controller
    from control.fixall import FixAllPlan, Outcome


class FixAllScreen(WizardDialog):
    """The control.fixall.FixAllReply of one fix-all: it hears back, from the worker, as messages."""

    MAIN_BUTTON = "apply"

    class Planned(Message):
        def __init__(self, plan: FixAllPlan) -> None:
            super().__init__()
            self.plan = plan

    class Progress(Message):
        def __init__(self, fix_id: str, text: str) -> None:
            super().__init__()
            self.fix_id = fix_id
            self.text = text

    class Done(Message):
        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Failed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def planned_all(self, plan: FixAllPlan) -> None:
        self.post_message(self.Planned(plan))

    def progress_all(self, fix_id: str, text: str) -> None:
        self.post_message(self.Progress(fix_id, text))

    def done_all(self, outcome: Outcome) -> None:
        self.post_message(self.Done(outcome))

    def failed_all(self, reason: str) -> None:
        self.post_message(self.Failed(reason))

    def __init__(self, control: Controller) -> None:
        super().__init__(control)
        self.plan: FixAllPlan | None = None
        self.stage = "planning"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog panel", id="fix-dialog"):
            yield Label(Text(self.t("fixall.title"), style="bold"), id="fix-title")
            with VerticalScroll(id="fix-body"):
                yield Static(Text(self.t("fix.planning"), style="yellow"), id="fix-plan")
                yield Static(id="fix-warning")
                yield Input(id="confirm-name", placeholder=self.t("fix.type-here"), compact=True)
                yield Static(id="fix-progress")
            with Horizontal(classes="buttons"):
                yield Button(self.t("fixall.apply"), id="apply", variant="warning", disabled=True, compact=True)
                yield Button(self.t("fix.close"), id="close", compact=True)
        yield from self.key_bar()

    def on_mount(self) -> None:
        self.query_one("#confirm-name").display = False
        self.control.fix_all.plan(self)

    def on_fix_all_screen_planned(self, message: FixAllScreen.Planned) -> None:
        plan = self.plan = message.plan
        self.stage = "planned"
        bullet = "-" if self.plain else "•"
        text = Text()
        if not plan.steps:
            text.append(self.t("fixall.nothing") + "\n", style="green")
        number = 0
        for step in plan.steps:
            title = self.control.texts.fix_title(step.fix.id)
            if step.problem:
                text.append(f"{bullet} {title}: {self.t('fixall.left-out', reason=step.problem)}\n", style="dim")
                continue
            if step.plan is None or step.plan.nothing_to_do:
                text.append(f"{bullet} {title}: {self.t('fix.nothing')}\n", style="dim")
                continue
            number += 1
            style = "bold red" if step.fix.destructive else "bold"
            text.append(f"{number}. {title} ({step.plan.target})\n", style=style)
            for line in map(self.control.fixes.say, step.plan.changes):
                text.append(f"   {line}\n")
        self.query_one("#fix-plan", Static).update(text)
        apply = self.query_one("#apply", Button)
        names = plan.names_to_type()
        if not plan.to_apply:
            apply.disabled = True
            self.query_one("#close", Button).focus()
        elif names:
            self.query_one("#fix-warning", Static).update(
                Text(self.t("fixall.type-names", names=" ".join(names)), style="bold red"))
            field = self.query_one("#confirm-name", Input)
            field.display = True
            field.focus()
        else:
            apply.disabled = False
            apply.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "confirm-name" and self.plan is not None and self.stage == "planned":
            self.query_one("#apply", Button).disabled = not self.plan.confirmed(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "confirm-name" and not self.query_one("#apply", Button).disabled:
            self.do_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.do_apply()
        elif event.button.id == "close":
            self.action_close()

    def do_apply(self) -> None:
        if self.plan is None or self.stage != "planned":
            return  # applied once: a second Enter does nothing
        typed = self.query_one("#confirm-name", Input).value
        if not self.control.fix_all.apply(self.plan, typed, self):
            return
        self.stage = "applying"
        self.query_one("#apply", Button).disabled = True
        self.query_one("#confirm-name", Input).disabled = True
        self.query_one("#fix-progress", Static).update(Text(self.t("fix.applying"), style="yellow"))

    def on_fix_all_screen_progress(self, message: FixAllScreen.Progress) -> None:
        title = self.control.texts.fix_title(message.fix_id)
        self.query_one("#fix-progress", Static).update(Text(f"{title}: {message.text}", style="yellow"))

    def on_fix_all_screen_done(self, message: FixAllScreen.Done) -> None:
        self.stage = "done"
        outcome = message.outcome
        texts = self.control.texts
        text = Text()
        for fix_id, applied in outcome.applied:
            text.append(self.t("fixall.applied", fix=texts.fix_title(fix_id), task=applied.task or "-") + "\n",
                        style="green")
        if outcome.failed is not None:
            fix_id, reason = outcome.failed
            text.append(self.t("fixall.failed", fix=texts.fix_title(fix_id), reason=reason) + "\n", style="bold red")
            left = ", ".join(texts.fix_title(f) for f in outcome.not_applied) or "-"
            text.append(self.t("fixall.not-applied", fixes=left) + "\n", style="bold")
        text.append(self.t("fix.rechecking"), style="dim")
        self.query_one("#fix-progress", Static).update(text)
        self.query_one("#close", Button).focus()

    def on_fix_all_screen_failed(self, message: FixAllScreen.Failed) -> None:
        self.stage = "failed"
        self.query_one("#fix-progress", Static).update(Text(self.t("fix.failed", reason=message.reason),
                                                            style="bold red"))

    def action_close(self) -> None:
        if self.stage == "applying":
            self.notify(self.t("fix.wait"), severity="warning")
            return
        self.dismiss()
