"""The manual steps: confirmed, skipped with a reason, or noted, each with who and when; the
configuration's [answers] stand until the operator answers in the session."""

from __future__ import annotations

from collections.abc import Mapping

from checks.model import Answer
from control.runs import Runs
from control.session import Note, Session


class Answers:
    def __init__(self, session: Session, config_answers: Mapping[str, Answer], runs: Runs) -> None:
        self.session = session
        self.config_answers = config_answers
        self.runs = runs

    def answer(self, step: str, action: str, text: str) -> None:
        """confirm, skip (text is the reason) or note; a manual check runs again with the answer."""
        if action == "confirm":
            self.session.confirm(step, text)
        elif action == "skip":
            self.session.skip(step, text)
        elif action == "note":
            self.session.note(step, text)
        else:
            raise ValueError(f"unknown answer {action!r}")
        engine = self.runs.engine
        if engine is not None:
            engine.use_answers(self.session.answers())
            if step in engine.by_id:
                self.runs.request([step], force=True)

    def answer_of(self, step: str) -> Answer | None:
        """The session's answer, else the configuration's."""
        answers = self.session.state.answers
        return answers[step] if step in answers else self.config_answers.get(step)

    def notes_for(self, step: str) -> list[Note]:
        return self.session.state.notes_for(step)
