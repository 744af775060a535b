"""A manual step: the operator confirms it, skips it with a reason, or adds a note."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from screens.base import WizardDialog


class AnswerScreen(WizardDialog):
    MAIN_BUTTON = "confirm"

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step

    def title_and_about(self) -> tuple[str, str]:
        texts = self.app.texts  # type: ignore[attr-defined]
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
        line = self.app.answer_line(self.step)  # type: ignore[attr-defined]
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
        self.app.answer(self.step, action, text)  # type: ignore[attr-defined]
        self.dismiss()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#confirm", Button).press()

