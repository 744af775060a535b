"""A numbered procedure (deploy the process server, prepare the master target): each step with
its checks, or with the operator's confirmation where no check can tell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text

from checks.model import Component
from checks.spec import Check
from screens.table import ChecksScreen
from control.status import Shown, worst
from screens.widgets import CheckDetail, CheckTable, Row


class StepsScreen(ChecksScreen):
    component: ClassVar[Component]
    prefix: ClassVar[str]  # "ps" or "mt": step keys are "<prefix>.step-<n>"
    count: ClassVar[int]

    def step_key(self, number: int) -> str:
        return f"{self.prefix}.step-{number}"

    def step_checks(self, number: int) -> list[Check]:
        engine = self.control.engine
        return engine.of_step(self.component, number) if engine else []

    def own_checks(self, number: int) -> list[Check]:
        """The checks listed under the step: those whose own step it is (a check that proves a later
        step too, such as the retention volume Site Recovery lists, is listed once)."""
        return [c for c in self.step_checks(number) if c.step == number]

    def checks(self) -> list[Check]:
        return [c for n in range(1, self.count + 1) for c in self.own_checks(n)]

    def step_status(self, number: int) -> Shown:
        checks = self.step_checks(number)
        if checks:
            return worst(self.control.status(c.id) for c in checks)
        answer = self.control.answers.answer_of(self.step_key(number))
        if answer is None:
            return Shown.MANUAL
        return Shown.PASS if answer.confirmed else Shown.SKIP

    def settled_status(self, number: int) -> Shown:
        """The step's status from its checks' last results: what orders the steps, so that a step
        whose checks are being re-run keeps its place."""
        checks = self.step_checks(number)
        if not checks:
            return self.step_status(number)
        return min((self.control.settled(c.id) for c in checks), key=lambda s: s.row_rank)

    def rows(self, cause_of: Mapping[str, int]) -> list[Row]:
        """Steps with problems first, each with its checks under it, problems first there too."""
        texts = self.control.texts
        out: list[Row] = []
        numbers = sorted(range(1, self.count + 1), key=lambda n: (self.settled_status(n).row_rank, n))
        for number in numbers:
            key = self.step_key(number)
            title = f"{number}. {texts.get('steps', key)}"
            checks = self.step_checks(number)
            summary = "" if checks else self.t("steps.confirm-hint")
            if checks and not self.own_checks(number):
                summary = self.t("steps.proven-by", checks=", ".join(texts.check_title(c.id) for c in checks))
            answer = self.control.answers.answer_of(key)
            if answer is not None:
                summary = answer.note or self.t("answer." + answer.status + "-short")
            out.append((key, self.step_status(number), title, summary))
            for check in self.order(self.own_checks(number)):
                out.append((check.id, self.control.status(check.id), "   " + texts.check_title(check.id),
                            self.summary(check.id, cause_of)))
        return out

    def is_target(self, key: str) -> bool:
        if key.startswith(self.prefix + ".step-"):
            return not self.step_checks(int(key.rsplit("-", 1)[1]))
        return True

    def selected_step(self) -> int | None:
        key = self.query_one(CheckTable).selected
        if key and key.startswith(self.prefix + ".step-"):
            return int(key.rsplit("-", 1)[1])
        return None

    def show_detail(self) -> None:
        number = self.selected_step()
        if number is None:
            super().show_detail()
            return
        key = self.step_key(number)
        text = Text()
        texts = self.control.texts
        text.append(f"{number}. {texts.get('steps', key)}\n", style="bold")
        text.append(texts.get("steps", key + ".about") + "\n")
        if not self.step_checks(number):
            text.append(self.t("steps.manual-hint") + "\n", style="cyan")
        line = self.answer_line(key)
        if line:
            text.append(line + "\n", style="cyan")
        self.query_one(CheckDetail).show(text, [])

    def action_answer(self) -> None:
        number = self.selected_step()
        if number is not None:
            self.open_answer(self.step_key(number))
            return
        super().action_answer()

    def action_copy(self) -> None:
        number = self.selected_step()
        if number is not None:
            self.copy(self.control.texts.get("steps", self.step_key(number) + ".about"))
            return
        super().action_copy()
