"""What every wizard screen shares: the controller it works through, its place in the session, its
checks, the common keys, and the key bar that shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Static

if TYPE_CHECKING:
    from textual.timer import Timer

    from checks.texts import Texts
    from control.controller import Controller


class Controlled:
    """A screen or dialog of the wizard: it reaches the state and the operations through its
    controller (control.controller.Controller), typed, and words everything with its texts."""

    control: Controller

    def t(self, key: str, **params: object) -> str:
        return self.control.texts.ui("wizard." + key, **params)

    @property
    def plain(self) -> bool:
        """--basic: ASCII glyphs and punctuation."""
        return self.control.texts.plain

    def copy(self, text: str) -> None:
        """Onto the operator's clipboard (OSC 52: works over SSH where the terminal allows it), and shown."""
        if not text or not isinstance(self, Screen):
            return
        self.app.copy_to_clipboard(text)
        self.notify(text, title=self.t("copied"), timeout=20)


# n: the next thing that needs the operator, on every screen that lists things (tables, the port map).
NEXT_PROBLEM = Binding("n,f3", "next_problem", "next-problem", key_display="n", id="next-problem")


class WizardScreen(Controlled, Screen[None]):
    """A step of the wizard. `screen_id` and `place_args` are what resume brings back."""

    class Shown(Message):
        """The screen came to the top (the app remembers the place and runs what it shows)."""

        def __init__(self, screen: WizardScreen) -> None:
            super().__init__()
            self.screen = screen

    def __init__(self, control: Controller) -> None:
        super().__init__()
        self.control = control

    screen_id: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "back", key_display="Esc", id="back"),
        Binding("f5,a", "run_all", "run-all", key_display="F5", id="run-all"),
        Binding("s,f4", "stop", "stop", key_display="s", show=False, id="stop"),
    ]

    # The row the cursor was on when the session was saved: a resumed screen puts it back there.
    restore_row: str | None = None
    # Its checks wait for secrets the operator types here (a resumed session's connect screen).
    waits_for_secrets: bool = False

    def place_args(self) -> dict[str, str]:
        return {}

    _row_timer: Timer | None = None

    def current_row(self) -> str | None:
        """The row the cursor is on, for screens with rows."""
        return None

    def place(self) -> dict[str, str]:
        """What resume needs to bring this screen back as it is: its arguments and the cursor's row."""
        row = self.current_row()
        return {**self.place_args(), **({"row": row} if row else {})}

    def remember_row(self) -> None:
        """Record the highlighted row with the place, so a resume (after kill -9 too) comes back to it.
        Once the cursor rests (a second), not per key: scrolling through a table is not history."""
        if self._row_timer is not None:
            self._row_timer.stop()

        def record() -> None:
            if self.screen_id and self.is_current:
                self.control.shown(self.screen_id, self.place())

        self._row_timer = self.set_timer(1.0, record, name="remember-row")

    def check_ids(self) -> tuple[str, ...]:
        """The checks this screen shows; re-run all and live re-checks run these."""
        return ()

    def refresh_results(self) -> None:
        """Show the session's latest results and answers."""

    def header(self) -> ComposeResult:
        yield Header(icon="*" if self.plain else "⭘")

    def footer(self) -> ComposeResult:
        yield Static(id="run-status")
        yield KeyBar(id="keys")

    def subtitle(self) -> str:
        return self.t(f"screen.{self.screen_id}")

    # Textual calls on_mount of every class in the MRO: subclasses define their own, never super().
    def on_mount(self) -> None:
        self.title = self.t("title")
        self.sub_title = self.subtitle()
        # "3 min ago" must grow when nothing re-runs (live re-checks off): the line is redrawn each minute.
        self.set_interval(60, self.update_run_status, name="run-status")

    def on_screen_resume(self) -> None:
        self.post_message(self.Shown(self))
        self.show_latest()

    def show_latest(self) -> None:
        """Results and the run line, now; a screen still composing shows them once it is ready."""
        try:
            self.refresh_results()
            self.update_run_status()
        except NoMatches:
            self.call_after_refresh(self.show_latest)

    def update_run_status(self) -> None:
        """What is running, or when this screen's checks last ran."""
        for widget in self.query("#run-status").results(Static):
            running = len(self.control.runs.running)
            if running:
                line = Text(self.t("running", count=running), style="bold")
            else:
                # The oldest answer on the screen: after a resume, "just now" for one re-run check would
                # hide that the rest are from before.
                stamps = [stamp for stamp in map(self.control.checked, self.check_ids()) if stamp]
                line = Text(self.last_checked(min(stamps)) if stamps else "", style="dim")
            widget.update(line)
            widget.display = bool(line.plain)

    def last_checked(self, stamp: str) -> str:
        """ "Checked 21:04:05 UTC, 3 min ago" from a transcript time stamp."""
        from datetime import datetime

        def parse(value: str) -> datetime | None:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return None

        when, now = parse(stamp), parse(self.control.now())
        if when is None:
            return ""
        minutes = int((now - when).total_seconds() // 60) if now is not None else 0
        ago = self.t("checked.just-now") if minutes < 1 else self.t("checked.ago", minutes=minutes)
        return self.t("checked", time=when.strftime("%H:%M:%S"), ago=ago)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:  # the bottom screen is where the wizard began
            self.app.pop_screen()

    def action_run_all(self) -> None:
        self.control.runs.request(self.check_ids(), force=True)

    def action_stop(self) -> None:
        if self.control.runs.stop():
            self.notify(self.t("stopping"))


def answer_line(control: Controller, step: str) -> str | None:
    """Who answered a step (confirmed or skipped), when and with what note; and its notes."""
    def t(key: str, **params: object) -> str:
        return control.texts.ui("wizard." + key, **params)

    answers = control.answers
    answer = answers.answer_of(step)
    lines = []
    if answer is not None:
        who = answer.by or t("answer.by-config")
        key = "answer.confirmed" if answer.confirmed else "answer.skipped"
        lines.append(t(key, by=who, at=answer.at or "-", note=answer.note or "-"))
    lines += [t("answer.note", by=n.by, at=n.at, text=n.text) for n in answers.notes_for(step)]
    return "\n".join(lines) or None


def show_causes(widget: Static, found: list[dict[str, Any]], t: Any, limit: int = 3, plain: bool = False) -> None:
    """Each reason that holds up several checks (checks.report.causes), said once, above what they hold up:
    one line each, cut to the width (with "..." in plain mode, which draws in ASCII only; the whole
    reason is in the detail of each check it holds up)."""
    from rich.cells import cell_len, set_cell_size

    width = max(20, (widget.size.width or widget.app.size.width) - 2)
    text = Text()
    for number, cause in enumerate(found[:limit], 1):
        if number > 1:
            text.append("\n")
        line = t("cause", number=number, count=len(cause["checks"]), reason=cause["reason"])
        if plain and cell_len(line) > width:
            line = set_cell_size(line, width - 3) + "..."
        text.append(line, style="bold")
    if len(found) > limit:
        text.append("\n" + t("more-causes", count=len(found) - limit), style="bold")
    widget.update(text)
    widget.display = bool(found)


_KEY_NAMES = {"escape": "Esc", "backspace": "Backspace", "enter": "Enter", "question_mark": "?", "tab": "Tab",
              "space": "Space", "pageup": "PgUp", "pagedown": "PgDn", "up": "Up", "down": "Down", "home": "Home",
              "end": "End"}


def key_name(key: str) -> str:
    """A key as people write it: Esc, F5, Ctrl+N."""
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if "+" in key:
        modifiers, _, rest = key.rpartition("+")
        return "+".join(m.capitalize() for m in modifiers.split("+")) + "+" + (rest.upper() if len(rest) == 1 else key_name(rest))
    return key.upper() if key.startswith("f") and key[1:].isdigit() else key


def described_bindings(screen: Screen[Any], texts: Texts) -> Iterator[ActiveBinding]:
    """The wizard's own keys a screen answers to, once per action (the key bar, help and the palette
    list these). A binding's description is an id into the texts ("wizard.key.<id>"); keys the
    widgets bring along (a table's page keys, focus keys) have none of ours and are left out."""
    seen = set()
    active_bindings = list(screen.active_bindings.values())
    if isinstance(screen, WizardDialog):
        # A dialog's keys in the order it declares them; a focused field answers Enter itself (it
        # submits) and so hides the dialog's own Enter from the active bindings, but Enter still acts.
        # The keys themselves come from the active bindings where there is one: a key the operator
        # rebound ([keys], Textual's keymap) is shown as rebound.
        current = {a.binding.id: a for a in active_bindings if a.binding.id}
        active_bindings = [current.get(b.id or "") or ActiveBinding(node=screen, binding=b, enabled=True)
                           for b in declared_bindings(type(screen))] + active_bindings
    for active in active_bindings:
        binding = active.binding
        if binding.description and binding.action not in seen and texts.has_ui(f"wizard.key.{binding.description}"):
            seen.add(binding.action)
            yield active


def declared_bindings(cls: type) -> list[Binding]:
    """A class's own bindings after those it inherits (unless it opts out), in declaration order.

    Textual records a class's `inherit_bindings=False` as `_inherit_bindings`; this reads it the way
    Textual's own merging does (tests/wizard/test_footer.py fails if Textual stops honouring it)."""
    chain = []
    for klass in cls.__mro__:
        if "BINDINGS" in klass.__dict__:
            chain.append(klass)
        if not klass.__dict__.get("_inherit_bindings", True):
            break
    return [b for klass in reversed(chain) for b in klass.__dict__["BINDINGS"] if isinstance(b, Binding)]


class KeyBar(Static):
    """Every key the screen answers to, in the operator's words, on as many lines as it takes (two at
    80 columns). Drawn by us rather than Textual's footer: it wraps instead of cutting keys off.
    (Ctrl+P, the palette of the same actions, is named in F1 help.)"""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: auto; max-height: 3; padding: 0 0 0 1; background: $panel; }
    """

    def on_mount(self) -> None:
        self.refresh_keys()

    def on_resize(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """The keys as "key words" pairs, a line broken only between pairs."""
        from rich.cells import cell_len

        screen = self.screen
        if not isinstance(screen, Controlled):
            return
        # A key the operator rebound in [keys] has no display name of ours: it is shown as people write it.
        entries = [(active.binding.key_display or key_name(active.binding.key.split(",")[0]), active.binding.description)
                   for active in described_bindings(screen, screen.control.texts) if active.binding.show]
        width = max(20, (self.size.width or self.app.size.width) - 1)
        text = Text()
        used = 0
        for key, description in entries:
            words = screen.t("key." + description)
            needed = cell_len(key) + 1 + cell_len(words)
            if used and used + 2 + needed > width:
                text.append("\n")
                used = 0
            elif used:
                text.append("  ")
                used += 2
            text.append(key, style="bold reverse" if screen.plain else "bold cyan")
            text.append(" " + words)
            used += needed
        self.update(text)


class WizardDialog(Controlled, ModalScreen[None]):
    """A dialog over a wizard screen (an answer, a fix-it, help): Esc closes it, and its keys and
    sentences come from the texts in the session's language."""

    def __init__(self, control: Controller) -> None:
        super().__init__()
        self.control = control

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", key_display="Esc", id="close"),
        Binding("tab", "app.focus_next", "next-field", key_display="Tab", id="next-field"),
        # A focused button presses itself and a field submits on Enter, before this binding is asked;
        # anywhere else (a checkbox, the text) Enter presses the dialog's main button.
        Binding("enter", "press_main", "press", key_display="Enter", id="press"),
    ]
    # The dialog's own keys, over the key bar of the screen beneath (whose keys do not work here).
    DEFAULT_CSS = """
    WizardDialog > KeyBar { height: 3; }
    """

    def key_bar(self) -> ComposeResult:
        yield KeyBar(id="keys")

    MAIN_BUTTON: ClassVar[str] = ""  # the id of the button Enter presses when no field or button has it

    def action_press_main(self) -> None:
        from textual.widgets import Button

        if self.MAIN_BUTTON:
            for button in self.query(f"#{self.MAIN_BUTTON}").results(Button):
                if not button.disabled:
                    button.press()

    def action_close(self) -> None:
        self.dismiss()
