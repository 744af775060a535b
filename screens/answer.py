"""A manual step: the operator confirms it, skips it with a reason, or adds a note."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from screens.base import WizardDialog, WizardScreen, answer_line

if TYPE_CHECKING:
    from control.controller import Controller


class AnswerScreen(WizardDialog):
    MAIN_BUTTON = "confirm"

    def __init__(self, control: Controller, step: str) -> None:
        super().__init__(control)
        self.step = step

    def title_and_about(self) -> tuple[str, str]:
        texts = self.control.texts
        if ".step-" in self.step:
            return texts.get("steps", self.step), texts.get("steps", self.step + ".about")
        return texts.check_title(self.step), texts.check_remedy(self.step)

    def compose(self) -> ComposeResult:
        title, about = self.title_and_about()
        with Vertical(classes="dialog panel", id="answer-dialog"):
            yield Label(Text(title, style="bold"))
            yield Static(about, id="answer-about")
            yield Static(id="answer-state")
            yield Input(placeholder=self.t("answer.placeholder"), id="answer-text", compact=True)
            yield Static(id="answer-error")
            with Horizontal(classes="buttons"):
                yield Button(self.t("answer.confirm"), id="confirm", variant="success", compact=True)
                yield Button(self.t("answer.skip"), id="skip", compact=True)
                yield Button(self.t("answer.note-only"), id="note", compact=True)
                yield Button(self.t("fix.close"), id="close", compact=True)
        yield from self.key_bar()

    def on_mount(self) -> None:
        line = answer_line(self.control, self.step)
        self.query_one("#answer-state", Static).update(Text(line or self.t("answer.none"), style="cyan"))
        self.query_one("#answer-text", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = event.button.id or ""
        if action == "close":
            self.dismiss()
            return
        text = self.query_one("#answer-text", Input).value.strip()
        if action in ("skip", "note") and not text:
            key = "answer.reason-needed" if action == "skip" else "answer.text-needed"
            self.query_one("#answer-error", Static).update(Text(self.t(key), style="bold red"))
            self.query_one("#answer-text", Input).focus()
            return
        self.control.answers.answer(self.step, action, text)
        for screen in self.app.screen_stack[:-1]:  # the screen under the dialog shows the answer now
            if isinstance(screen, WizardScreen):
                screen.show_latest()
        self.dismiss()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#confirm", Button).press()

