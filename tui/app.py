"""The wizard as a Textual app: it wires the controller (control/) to the terminal and does nothing else.

The controller holds the state and the operations; the screens (screens/) show them and ask the
controller for what the operator wants. The app gives the controller its threads (Textual workers)
and hears what it has to say (`control.controller.Listener`): results arrived, a run ended, the
engine is loaded. It also owns what only an app can: the terminal going away, the live re-check
timer, help and the command palette. Nothing here imports pyVmomi, the Azure SDKs, keyring or httpx
at module level: the first screen must appear fast, also over SSH.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeGuard

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from checks.model import Settings
from checks.texts import Texts
from control.controller import Controller, EngineFactory, load_engine
from control.credentials import Lookup
from control.session import Session

if TYPE_CHECKING:
    from screens.base import WizardScreen

HANGUP_GRACE_S = 5.0
DEFAULT_RECHECK_S = 30.0


def stylesheet(name: str) -> str:
    import assets

    return assets.read_text("styles", name)


def binding_ids() -> frozenset[str]:
    """Every binding id the wizard declares, on the app and on each screen: what the configuration's
    [keys] table may rebind (with Textual's keymap). Imports every screen, so it is asked only when a
    configuration rebinds something."""
    import importlib
    import inspect
    import pkgutil

    import screens

    found = {b.id for b in WizardApp.BINDINGS if isinstance(b, Binding) and b.id}
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"screens.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            found.update(b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return frozenset(found)


class ResultsChanged(Message):
    """Some results arrived; the handler reads them from the session (coalesced)."""


class Told(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class WizardApp(App[int]):
    TITLE = "failback-prep"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "help", key_display="F1", id="help"),
        Binding("f10,q", "quit_wizard", "quit", key_display="q", id="quit"),
    ]

    def __init__(
        self,
        settings: Settings,
        texts: Texts,
        session: Session,
        lookup: Lookup,
        *,
        engine_factory: EngineFactory = load_engine,
        recheck_s: float = DEFAULT_RECHECK_S,
        basic: bool = False,
        resume: bool = False,
        needed_secrets: tuple[str, ...] | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        # Without colour (NO_COLOR) the terminal's own colours stay, as in --basic: Textual's monochrome
        # mode would turn every colour into a near-black grey. A terminal of 16 colours (TERM=xterm)
        # gets the same: squeezed into 16, the theme's shades turn into white on cyan and grey on black.
        # All of them then mark what matters with bold, reverse and glyphs (mono.tcss).
        own_colours = basic or "NO_COLOR" in os.environ or sixteen_colours()
        css = stylesheet("wizard.tcss") + (stylesheet("mono.tcss") if own_colours else "") + (
            stylesheet("basic.tcss") if basic else "")
        self.CSS = css  # type: ignore[misc]  # per instance: the display mode is known only now
        super().__init__(ansi_color=True if own_colours else None)
        if own_colours:
            self.theme = "ansi-dark"
        if basic:
            texts.plain = True  # ASCII punctuation and glyphs: what the screens call plain
            ScrollBar.renderer = AsciiScrollBarRender
        if texts.lang == "zh-CN":
            from tui.cjk import allow_breaks_between_cjk

            allow_breaks_between_cjk()
        self.texts = texts
        self.recheck_s = recheck_s
        self._keymap = keymap or {}
        self._done: dict[Worker[Any], Callable[[BaseException | None], None]] = {}
        self._live: Timer | None = None
        self._more_screens: list[Screen[Any]] = []
        self.control = Controller(settings, texts, session, lookup, self, self, engine_factory=engine_factory,
                                  resumed=resume, needed_secrets=needed_secrets)

    def t(self, key: str, **params: Any) -> str:
        return self.texts.ui("wizard." + key, **params)

    # -- the controller's executor: Textual workers, `done` back on this thread ----------------------

    def run_work(self, name: str, work: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        worker = self.run_worker(work, name=name, group=name.partition(":")[0].partition(".")[0], thread=True,
                                 exit_on_error=False)
        self._done[worker] = done

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        done = self._done.pop(event.worker, None)
        error = event.worker.error if event.state == WorkerState.ERROR else None
        if error is not None and not event.worker.name.startswith("fix."):  # a fix-it's dialog says its own
            self._worker_failed(event.worker.name, error)
        if done is not None:
            done(error)

    def _worker_failed(self, name: str, error: BaseException) -> None:
        from checks.runner import failure_reason
        from checks.sources import KNOWN_SECRETS

        reason = KNOWN_SECRETS.redact(failure_reason(error, self.texts))
        self.control.session.failed(name, reason)
        self.notify(self.t("worker-failed", what=self.t("worker." + name.partition(":")[0]), reason=reason),
                    severity="error", timeout=15)

    # -- the controller's listener -----------------------------------------------------------------

    def engine_ready(self, missing: tuple[str, ...]) -> None:
        if self.control.resumed and missing:
            from screens.connect import ConnectScreen

            self.push_screen(ConnectScreen(self.control, resumed=True))
        self.refresh_screen()
        if _is_wizard_screen(self.screen):
            self.screen_shown(self.screen)

    def results_changed(self) -> None:
        self.post_message(ResultsChanged())  # from the run's thread: Textual delivers it on this one

    def on_results_changed(self, message: ResultsChanged) -> None:
        self.control.runs.take_burst()
        self.refresh_screen()
        self._announce()

    def run_finished(self) -> None:
        self.refresh_screen()
        self._announce()
        self._say_what_changed()
        if not self.control.runs.busy:
            self._arm_live()

    def told(self, text: str) -> None:
        self.post_message(Told(text))

    def on_told(self, message: Told) -> None:
        self.notify(message.text, title=self.t("told.title"), severity="warning", timeout=600)

    def _announce(self) -> None:
        """The re-checks after a fix-it, each said once its new answer is in."""
        from control.status import Shown

        for result in self.control.runs.announcements():
            shown = Shown.of(result.status)
            severity: Literal["information", "warning", "error"] = (
                "information" if shown == Shown.PASS else "error" if shown == Shown.FAIL else "warning")
            self.notify(f"{shown.glyph(self.texts.plain)} {self.texts.summary(result)}",
                        title=self.texts.check_title(result.id), severity=severity, timeout=15)

    def _say_what_changed(self) -> None:
        """After a resume: each check whose answer differs from the one it gave before the session was saved."""
        changed = self.control.runs.changes_since_resume()
        if not changed:
            return
        lines = [self.t("resume.changed-line", check=self.texts.check_title(c.check_id),
                        before=self.texts.status(c.before), now=self.texts.status(c.now)) for c in changed]
        head = self.t("resume.changed-demo" if self.control.is_demo else "resume.changed", count=len(changed))
        self.control.note(f"after the resume, {len(changed)} checks answer differently: "
                          + ", ".join(f"{c.check_id} {c.before} -> {c.now}" for c in changed))
        if len(lines) > 6:
            lines[5:] = [self.t("resume.more", count=len(lines) - 5)]
        self.notify(head + "\n" + "\n".join(lines), title=self.t("resume.title"), severity="warning", timeout=30)

    # -- screens ---------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The first wizard screen is the bottom of the stack: no blank screen is built under it."""
        from screens.registry import first_screens

        first, *more = first_screens(self.control)
        self._more_screens = list(more)
        return first

    def on_wizard_screen_shown(self, message: WizardScreen.Shown) -> None:
        self.screen_shown(message.screen)

    def screen_shown(self, screen: WizardScreen) -> None:
        """A wizard screen came to the top: remember the place, and run what it shows that has no answer yet."""
        if screen.screen_id:
            self.control.shown(screen.screen_id, screen.place())
        if self.control.engine is None:
            return
        if not self.control.runs.screen_opened(screen.check_ids(), screen.waits_for_secrets):
            self._arm_live()

    def refresh_screen(self) -> None:
        for screen in self.screen_stack[-2:]:
            if _is_wizard_screen(screen) and screen.is_mounted:
                screen.show_latest()

    def _arm_live(self) -> None:
        if self.recheck_s > 0 and self._live is None and not self.control.runs.busy:
            self._live = self.set_timer(self.recheck_s, self._live_tick, name="live-recheck")

    def _live_tick(self) -> None:
        self._live = None
        screen = self.screen
        if _is_wizard_screen(screen):
            if screen.check_ids():
                self.control.runs.request(screen.check_ids())
        else:
            self._arm_live()  # a dialog is open: look again later, without running

    # -- start and end -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.title = self.t("title")
        if self._keymap:
            self.set_keymap(self._keymap)
        try:
            import asyncio

            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not on the main thread (tests) or no SIGHUP on this platform
        for screen in self._more_screens:
            self.push_screen(screen)
        self._more_screens = []

    def on_ready(self) -> None:
        # Textual says the first frame is on the terminal. Only now load the checks: importing
        # them in a worker competes with drawing for the interpreter, so the screen comes first.
        self.control.load_engine()

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's "title — screen", with an ASCII dash under --basic."""
        if not self.texts.plain or not sub_title:
            return super().format_title(title, sub_title)
        return Content.assemble(Content(title), (" - ", "dim"), Content(sub_title).stylize("dim"))

    def _hangup(self) -> None:
        # The terminal went away: record it and end the session now, before anything else can stop us.
        self.control.note("terminal closed; session saved")
        self.control.end(129)
        # Textual's shutdown writes reset sequences to the terminal, which is gone; that write can
        # block for ever (seen: a wizard left running, holding the demo's simulators). The session
        # is saved, so if the orderly exit has not finished in a few seconds, leave without it.
        watchdog = threading.Timer(HANGUP_GRACE_S, os._exit, args=(129,))
        watchdog.daemon = True
        watchdog.start()
        self.exit(return_code=129)

    def action_quit_wizard(self) -> None:
        self.exit(return_code=0)

    def finish(self) -> None:
        """Called once after the app stopped: close the session and its connections. A fix-it still
        followed stops being followed first (what it sent goes on; a resume follows it again)."""
        self.control.fixes.stop()
        self.control.end(self.return_code or 0)
        self.control.close()

    # -- help and the palette ------------------------------------------------------------------------

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.control, self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from screens.base import described_bindings

        for active in described_bindings(screen, self.texts):
            binding, node = active.binding, active.node
            yield SystemCommand(self.t("key." + binding.description),
                                self.t("palette.key", keys=binding.key_display or binding.key),
                                lambda node=node, action=binding.action: self.call_later(node.run_action, action))


def _is_wizard_screen(screen: object) -> TypeGuard[WizardScreen]:
    from screens.base import WizardScreen

    return isinstance(screen, WizardScreen)


def sixteen_colours() -> bool:
    """The terminal draws 16 colours only, as Rich (and so Textual) reads TERM and COLORTERM."""
    import io

    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=True).color_system == "standard"


class AsciiScrollBarRender(ScrollBarRender):
    """--basic: a scroll bar of spaces, its thumb in reverse video (no block characters)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8
