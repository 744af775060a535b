"""The wizard: a Textual app that drives the checks, fix-its and manual steps.

The app is the controller. Screens are views: they ask the app to run checks, plan
or apply a fix-it, record an answer; the app does the work in named thread workers
and tells the screens by message. Nothing here imports pyvmomi, Azure SDKs, keyring
or httpx at module level: the first screen must appear fast, also over SSH.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from checks.model import Answer, Settings, Status
from checks.sources import KNOWN_SECRETS
from checks.texts import Texts
from tui import __version__
from control.session import Session

if TYPE_CHECKING:
    from checks.spec import Check, Plan
    from control.engine import Engine

HANGUP_GRACE_S = 5.0
DEFAULT_RECHECK_S = 30.0


def stylesheet(name: str) -> str:
    import assets

    return assets.read_text("styles", name)


def open_session(directory: Path, entry: Any, command: str, secrets: Iterable[str] = (), **fields: Any) -> Session:
    """A new session, or the saved one `entry` names. What it writes is scrubbed of every secret the
    process knows (checks.sources.KNOWN_SECRETS), these among them, as are the log and the screens."""
    KNOWN_SECRETS.update(secrets)
    if entry is not None:
        return Session.resume(entry, KNOWN_SECRETS.redact)
    return Session.start(directory, KNOWN_SECRETS.redact, command, **fields)


# --- messages from workers ----------------------------------------------------------


class EngineReady(Message):
    def __init__(self, engine: Engine, missing: tuple[str, ...]) -> None:
        super().__init__()
        self.engine = engine
        self.missing = missing


class ResultsChanged(Message):
    """Some results arrived; the handler reads them from the session (coalesced)."""


class Told(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FixPlanned(Message):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan


class FixProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FixDone(Message):
    def __init__(self, task: str, detail: str) -> None:
        super().__init__()
        self.task = task
        self.detail = detail


class FixFailed(Message):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__()
        self.stage = stage
        self.reason = reason


class ConnectProbed(Message):
    def __init__(self, info: Mapping[str, Any]) -> None:
        super().__init__()
        self.info = info


class WizardApp(App[int]):
    TITLE = "failback-prep"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "help", key_display="F1"),
        Binding("f10,q", "quit_wizard", "quit", key_display="q"),
    ]

    def __init__(
        self,
        settings: Settings,
        texts: Texts,
        session: Session,
        lookup: Any,
        *,
        engine_factory: Callable[[Settings, Any], Engine] | None = None,
        recheck_s: float = DEFAULT_RECHECK_S,
        basic: bool = False,
        resume: bool = False,
        needed_secrets: tuple[str, ...] | None = None,
    ) -> None:
        # Without colour (NO_COLOR) the terminal's own colours stay, as in --basic: Textual's monochrome
        # mode would turn every colour into a near-black grey. Both then mark what matters with
        # bold, reverse and glyphs (mono.tcss).
        # A terminal of 16 colours (TERM=xterm, a serial console) gets the same: squeezed into 16, the
        # theme's shades turn into white on cyan and grey on black.
        own_colours = basic or "NO_COLOR" in os.environ or sixteen_colours()
        self.CSS = stylesheet("wizard.tcss") + (stylesheet("mono.tcss") if own_colours else "") + (
            stylesheet("basic.tcss") if basic else "")
        super().__init__(ansi_color=True if own_colours else None)
        if own_colours:
            self.theme = "ansi-dark"
        if basic:
            texts.plain = True
            ScrollBar.renderer = AsciiScrollBarRender
        if texts.lang == "zh-CN":
            from tui.cjk import allow_breaks_between_cjk

            allow_breaks_between_cjk()
        self.settings = settings
        self.texts = texts
        self.session = session
        self.lookup = lookup
        self.engine_factory = engine_factory or _load_engine
        self.recheck_s = recheck_s
        self.basic = basic
        self.resume = resume
        self.needed_secrets = needed_secrets
        self.engine: Engine | None = None
        self.running: set[str] = set()
        self._pending: set[str] = set()
        self._changed_lock = threading.Lock()
        self._notify_pending = False
        self._cancel: threading.Event | None = None
        self._run_worker: Worker[Any] | None = None
        self._live: Timer | None = None
        self.fix_target: Screen[Any] | None = None
        self._announce: set[str] = set()  # re-checks whose result is to be said when it comes
        # A resumed session: what each check said before, to tell the operator what the site answers
        # differently now (a fix no longer in place, a site that restarted).
        self._before_resume = {cid: (str(r.status), r.key, session.state.result_seq.get(cid, 0))
                               for cid, r in session.state.results.items()} if resume else {}
        self._ended = False
        self._more_screens: list[Screen[Any]] = []

    # -- texts -------------------------------------------------------------------------

    def t(self, key: str, **params: Any) -> str:
        return self.texts.ui("wizard." + key, **params)

    # -- start and end -------------------------------------------------------------------

    def on_mount(self) -> None:
        self.title = self.t("title")
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
        self._load_engine()

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's "title — screen", with an ASCII dash under --basic."""
        if not self.basic or not sub_title:
            return super().format_title(title, sub_title)
        return Content.assemble(Content(title), (" - ", "dim"), Content(sub_title).stylize("dim"))

    def get_default_screen(self) -> Screen[Any]:
        """The first wizard screen is the bottom of the stack: no blank screen is built under it."""
        from screens.registry import first_screens

        first, *self._more_screens = first_screens(self)
        return first

    def _hangup(self) -> None:
        # The terminal went away: record it and end the session now, before anything else can stop us.
        self.session.record("note", text="terminal closed; session saved")
        self.end_session(129)
        # Textual's shutdown writes reset sequences to the terminal, which is gone; that write can
        # block for ever (seen: a wizard left running, holding the demo's simulators). The session
        # is saved, so if the orderly exit has not finished in a few seconds, leave without it.
        watchdog = threading.Timer(HANGUP_GRACE_S, os._exit, args=(129,))
        watchdog.daemon = True
        watchdog.start()
        self.exit(return_code=129)

    def action_quit_wizard(self) -> None:
        self.exit(return_code=0)

    def end_session(self, code: int) -> None:
        from checks.report import counts

        if self._ended:
            return
        self._ended = True
        try:
            self.session.end(exit_code=code, summary=counts(list(self.session.results().values())))
        except OSError:
            pass

    def finish(self) -> None:
        """Called once after the app stopped: close the session and its connections."""
        self.end_session(self.return_code or 0)
        if self.engine is not None:
            self.engine.sources.close()

    # -- the engine ----------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, name="engine.load", group="engine")
    def _load_engine(self) -> None:
        engine = self.engine_factory(self.settings, self.lookup)
        self.texts.load_all()  # check titles and summaries, parsed here rather than on the UI thread
        engine.sources.tell = lambda said: self.post_message(Told(self.texts.say(said)))
        engine.use_answers(self.session.answers())
        needed = self.needed_secrets if self.needed_secrets is not None else self._secrets_needed()
        missing = tuple(kind for kind in needed if not self.lookup(kind))
        self.post_message(EngineReady(engine, missing))

    def _secrets_needed(self) -> tuple[str, ...]:
        kinds = []
        if self.settings.vcenter is not None:
            kinds.append("vcenter")
        if self.settings.azure is not None and self.settings.azure.auth == "client-secret":
            kinds.append("azure")
        return tuple(kinds)

    def on_engine_ready(self, message: EngineReady) -> None:
        self.engine = message.engine
        if self.resume and message.missing:
            from screens.connect import ConnectScreen

            self.push_screen(ConnectScreen(resumed=True))
        self.refresh_screen()
        if isinstance(self.screen, _screen_base()):
            self.screen_opened(self.screen)
        if self._pending:
            self._start_next()

    def on_told(self, message: Told) -> None:
        self.notify(message.text, title=self.t("told.title"), severity="warning", timeout=600)

    # -- running checks --------------------------------------------------------------------

    def status(self, check_id: str) -> str:
        """running, pending (no result yet), or the status of the latest result. Called per table row."""
        if check_id in self.running:
            return "running"
        result = self.session.state.results.get(check_id)
        return str(result.status) if result else "pending"

    def request_checks(self, ids: Iterable[str], force: bool = False) -> None:
        """Run these checks now, or right after the run in flight (runs never overlap)."""
        ids = [i for i in ids if force or i not in self.running]
        if not ids:
            return
        self._pending.update(ids)
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._run_worker is None and self.engine is not None:
            self._start_next()

    def stop_checks(self) -> None:
        self._pending.clear()
        if self._cancel is not None:
            self._cancel.set()
            self.notify(self.t("stopping"))

    def _start_next(self) -> None:
        assert self.engine is not None
        checks = self.engine.ordered(self._pending)
        self._pending.clear()
        if not checks:
            return
        self._cancel = threading.Event()
        with self._changed_lock:
            self.running = {c.id for c in checks}
        self._run_worker = self._run_checks(checks, self._cancel)
        self.refresh_screen()

    @work(thread=True, exit_on_error=False, name="checks", group="checks")
    def _run_checks(self, checks: list[Check], cancel: threading.Event) -> None:
        from tui.headless import run_checks

        engine = self.engine
        assert engine is not None
        run_checks(checks, engine.sources, self.session.record, self.texts,
                   after=lambda result: self._changed(result.id), cancel=cancel)

    def _changed(self, check_id: str) -> None:
        """From a worker thread: one message per burst of results, however many arrive."""
        with self._changed_lock:
            self.running.discard(check_id)
            if self._notify_pending:
                return
            self._notify_pending = True
        self.post_message(ResultsChanged())

    def on_results_changed(self, message: ResultsChanged) -> None:
        with self._changed_lock:
            self._notify_pending = False
        self.refresh_screen()
        if self._announce:
            self._announce_results()

    def _run_finished(self) -> None:
        self._run_worker = None
        self._cancel = None
        with self._changed_lock:
            self.running.clear()
        self.refresh_screen()
        if self._before_resume:
            self._say_what_changed()
        if self._pending:
            self._start_next()
        else:
            self._arm_live()

    def _say_what_changed(self) -> None:
        """After each run of a resumed session, until every check has run again: each check whose answer
        differs from the one it gave before the session was saved."""
        results, seq = self.session.state.results, self.session.state.result_seq
        # Only checks run again since the resume (runs come in parts: connect first, then the rest); a
        # changed finding counts too (a fail that found more snapshots), not only a changed status.
        again = [cid for cid, (_, _, before) in self._before_resume.items() if seq.get(cid, 0) != before]
        changed = [(cid, self._before_resume[cid][0], str(results[cid].status)) for cid in again
                   if (str(results[cid].status), results[cid].key) != self._before_resume[cid][:2]]
        for cid in again:
            del self._before_resume[cid]
        if not changed:
            return
        lines = [self.t("resume.changed-line", check=self.texts.check_title(cid),
                        before=self.texts.status(Status(old)), now=self.texts.status(Status(new)))
                 for cid, old, new in changed]
        demo = self.session.state.start.get("command") == "demo"
        head = self.t("resume.changed-demo" if demo else "resume.changed", count=len(changed))
        self.session.record("note", text=f"after the resume, {len(changed)} checks answer differently: "
                            + ", ".join(f"{cid} {old} -> {new}" for cid, old, new in changed))
        if len(lines) > 6:
            lines[5:] = [self.t("resume.more", count=len(lines) - 5)]
        self.notify(head + "\n" + "\n".join(lines), title=self.t("resume.title"), severity="warning",
                    timeout=30)

    def _arm_live(self) -> None:
        if self.recheck_s > 0 and self._live is None and self._run_worker is None:
            self._live = self.set_timer(self.recheck_s, self._live_tick, name="live-recheck")

    def _live_tick(self) -> None:
        self._live = None
        screen = self.screen
        if isinstance(screen, _screen_base()) and screen.check_ids():
            self.request_checks(screen.check_ids())
        elif not isinstance(screen, _screen_base()):
            self._arm_live()  # a dialog is open: look again later, without running

    def screen_opened(self, screen: Any) -> None:
        place = screen.screen_id
        if place:
            self.session.shown(place, screen.place())
        if self.engine is None:
            return
        ids = screen.check_ids()
        missing = [i for i in ids if i not in self.session.state.results and i not in self.running]
        # A resumed session's answers are from before: each screen checks again when first shown (the
        # connect screen of a resume waits for the secrets it asks for).
        if not screen.waits_for_secrets:
            missing += [i for i in ids if i in self._before_resume and i not in missing and i not in self.running]
        if missing:
            self.request_checks(missing)
        else:
            self._arm_live()

    def refresh_screen(self) -> None:
        base = _screen_base()
        for screen in self.screen_stack[-2:]:
            if isinstance(screen, base) and screen.is_mounted:
                screen.show_latest()

    # -- the one place worker errors go ------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR:
            self._worker_failed(worker)
        if worker.group == "checks" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR,
                                                        WorkerState.CANCELLED):
            self._run_finished()

    def _worker_failed(self, worker: Worker[Any]) -> None:
        from checks.runner import failure_reason
        from checks.spec import Result

        error = worker.error
        reason = KNOWN_SECRETS.redact(failure_reason(error, self.texts) if error is not None else "")
        name = worker.name
        if name.startswith("fix."):
            stage, _, fix_id = name.removeprefix("fix.").partition(":")
            self.session.record("fix.failed", fix=fix_id, stage=stage, reason=reason)
            if self.fix_target is not None:
                self.fix_target.post_message(FixFailed(stage, reason))
            return
        self.session.failed(name, reason)
        if worker.group == "checks":
            for check_id in sorted(self.running):
                self.session.result(Result(check_id, Status.ERROR, "raised", reason=reason))
        self.notify(self.t("worker-failed", what=self.t("worker." + name.partition(":")[0]), reason=reason),
                    severity="error", timeout=15)

    # -- fix-its -----------------------------------------------------------------------------

    def open_fix(self, fix_id: str) -> None:
        from screens.fix import FixScreen

        if self.engine is None or fix_id not in self.engine.fixes:
            return
        self.push_screen(FixScreen(self.engine.fixes[fix_id]))

    def plan_fix(self, fix_id: str, params: Mapping[str, Any], reply_to: Screen[Any]) -> None:
        self.fix_target = reply_to
        self.run_worker(lambda: self._plan(fix_id, params, reply_to), name=f"fix.plan:{fix_id}",
                        group="fix", thread=True, exit_on_error=False)

    def _plan(self, fix_id: str, params: Mapping[str, Any], reply_to: Screen[Any]) -> None:
        assert self.engine is not None
        from tui.headless import record_preview

        plan = self.engine.fixes[fix_id].plan(self.engine.sources, params)
        record_preview(self.session.record, plan, params, self.texts)
        reply_to.post_message(FixPlanned(plan))

    def apply_fix(self, plan: Plan, reply_to: Screen[Any]) -> None:
        self.fix_target = reply_to
        self.run_worker(lambda: self._apply(plan, reply_to), name=f"fix.apply:{plan.fix_id}",
                        group="fix", thread=True, exit_on_error=False)

    def _apply(self, plan: Plan, reply_to: Screen[Any]) -> None:
        assert self.engine is not None
        fix = self.engine.fixes[plan.fix_id]
        last = [0.0]

        def progress(text: str) -> None:
            # A few updates a second are enough to see it move.
            now = time.monotonic()
            if now - last[0] >= 0.25:
                last[0] = now
                reply_to.post_message(FixProgress(KNOWN_SECRETS.redact(self.texts.say(text))))

        from tui.headless import record_applied

        applied = fix.apply(self.engine.sources, plan, progress)
        record_applied(self.session.record, plan, applied, self.session.operator, self.texts)
        reply_to.post_message(FixDone(applied.task, self.texts.say(applied.detail)))
        self.call_from_thread(self.recheck_and_announce, fix.rechecks)

    def recheck_and_announce(self, ids: Iterable[str]) -> None:
        """Run these checks again and say what each finds once it has (after a fix-it closed its dialog)."""
        self._announce.update(ids)
        self.request_checks(ids, force=True)

    def _announce_results(self) -> None:
        for check_id in sorted(self._announce):
            result = self.session.state.results.get(check_id)
            if check_id in self.running or check_id in self._pending or result is None:
                continue
            self._announce.discard(check_id)
            from screens.marks import glyph

            severity = {"pass": "information", "fail": "error"}.get(str(result.status), "warning")
            self.notify(f"{glyph(self, str(result.status))} {self.texts.summary(result)}",
                        title=self.texts.check_title(check_id), severity=severity, timeout=15)

    # -- manual steps ----------------------------------------------------------------------------

    def open_answer(self, step: str) -> None:
        from screens.answer import AnswerScreen

        self.push_screen(AnswerScreen(step))

    def answer(self, step: str, action: str, text: str) -> None:
        if action == "confirm":
            self.session.confirm(step, text)
        elif action == "skip":
            self.session.skip(step, text)
        else:
            self.session.note(step, text)
        if self.engine is not None:
            self.engine.use_answers(self.session.answers())
            if step in self.engine.by_id:
                self.request_checks([step], force=True)
        self.refresh_screen()

    def answer_of(self, step: str) -> Answer | None:
        answers = self.session.state.answers
        if step in answers:
            return answers[step]
        return self.settings.answers.get(step)

    def answer_line(self, step: str) -> str | None:
        answer = self.answer_of(step)
        notes = self.session.state.notes_for(step)
        lines = []
        if answer is not None:
            who = answer.by or self.t("answer.by-config")
            key = "answer.confirmed" if answer.status == "confirmed" else "answer.skipped"
            lines.append(self.t(key, by=who, at=answer.at or "-", note=answer.note or "-"))
        lines += [self.t("answer.note", by=n.by, at=n.at, text=n.text) for n in notes]
        return "\n".join(lines) or None

    # -- connect -------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, name="connect.probe", group="connect")
    def probe_connect(self, reply_to: Screen[Any]) -> None:
        from control import credentials

        info: dict[str, Any] = {"keyring": True}
        try:
            credentials.keyring_backend()
        except credentials.CredentialError:
            info["keyring"] = False
        for kind in self._secrets_needed():
            info[f"{kind}.secret"] = self._secret_origin(kind)
        vc = self.settings.vcenter
        if vc is not None and not (vc.thumbprint or vc.ca_file or vc.insecure):
            from checks.vcenter.connection import colon_fingerprint, presented_fingerprint

            info["vcenter.fingerprint"] = colon_fingerprint(presented_fingerprint(vc.host, vc.port))
        reply_to.post_message(ConnectProbed(info))

    def _secret_origin(self, kind: str) -> str:
        from control import credentials

        if kind in getattr(self.lookup, "session_only", {}):
            return "session"
        try:
            return credentials.find(kind, self.settings).where
        except credentials.CredentialError:
            return "no keyring"

    def use_secret(self, kind: str, secret: str, save: bool) -> None:
        KNOWN_SECRETS.add(secret)
        self.lookup.session_only[kind] = secret
        if save:
            self._store_secret(kind, secret)

    @work(thread=True, exit_on_error=False, name="creds.store", group="connect")
    def _store_secret(self, kind: str, secret: str) -> None:
        from control import credentials

        try:
            credentials.store(kind, self.settings, secret)
        except credentials.CredentialError as exc:
            self.call_from_thread(self.notify, self.t("creds.not-saved", reason=str(exc)), severity="warning",
                                  timeout=15)
            return
        self.session.record("note", text=f"{kind} secret saved to the OS keyring by {self.session.operator}")
        self.call_from_thread(self.notify, self.t("creds.saved"))

    def trust_vcenter(self, fingerprint: str) -> None:
        from control import config

        vc = self.settings.vcenter
        assert vc is not None
        self.settings = dataclasses.replace(self.settings, vcenter=dataclasses.replace(vc, thumbprint=fingerprint))
        if self.engine is not None:
            self.engine.sources.update_settings(vcenter=self.settings.vcenter)
        saved = False
        if self.settings.source and Path(self.settings.source).is_file():
            config.save_value(Path(self.settings.source), "vcenter", "thumbprint", fingerprint)
            saved = True
        self.session.record("note", text=f"vCenter certificate {fingerprint} trusted by {self.session.operator}"
                            + (f"; saved to {self.settings.source}" if saved else ""))
        self.request_checks(["vc.connect"], force=True)

    # -- help, palette, clipboard --------------------------------------------------------------------

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from screens.base import described_bindings

        for active in described_bindings(screen):
            binding = active.binding
            node = active.node
            yield SystemCommand(self.t("key." + binding.description),
                                self.t("palette.key", keys=binding.key_display or binding.key),
                                lambda node=node, action=binding.action: self.call_later(node.run_action, action))

    def copy_text(self, text: str) -> None:
        if not text:
            return
        self.copy_to_clipboard(text)  # OSC 52: works over SSH when the terminal allows it
        self.notify(text, title=self.t("copied"), timeout=20)


def sixteen_colours() -> bool:
    """The terminal draws 16 colours only, as Rich (and so Textual) reads TERM and COLORTERM."""
    import io

    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=True).color_system == "standard"


class AsciiScrollBarRender(ScrollBarRender):
    """--basic: a scroll bar of spaces, its thumb in reverse video (no block characters)."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def _load_engine(settings: Settings, lookup: Any) -> Engine:
    """The engine and its check catalog, loaded in a worker once the first screen is drawn."""
    from control.engine import Engine

    return Engine.load(settings, lookup)


def _screen_base() -> type:
    from screens.base import WizardScreen

    return WizardScreen


# --- entry points ---------------------------------------------------------------------------


def _recheck_seconds(explicit: float | None) -> float:
    if explicit is not None:
        return explicit
    env = os.environ.get("FAILBACK_PREP_RECHECK_SECONDS")
    try:
        return float(env) if env else DEFAULT_RECHECK_S
    except ValueError:
        return DEFAULT_RECHECK_S


def _wizard_entry(directory: Path, ident: str):  # type: ignore[no-untyped-def]
    from control.session import WIZARD_COMMANDS
    from control.transcript import NotFound, entries, resolve

    if ident == "latest":
        found = [e for e in entries(directory) if e.command in WIZARD_COMMANDS]
        if not found:
            raise NotFound(f"no saved wizard sessions in {directory}; start one with `failback-prep`")
        return found[-1]
    return resolve(directory, ident)


def _first_event(entry: Any) -> dict[str, Any]:
    from control.transcript import read

    return next(iter(read(entry.path)), {})


def run_wizard(
    config: str | None = None,
    lang: str = "en",
    resume: str | None = None,
    transcript_dir: str | None = None,
    no_mouse: bool = False,
    basic: bool = False,
    recheck: float | None = None,
) -> int:
    from control import config as config_module
    from control import credentials
    from control.transcript import default_dir

    directory = Path(transcript_dir) if transcript_dir else default_dir()
    entry = _wizard_entry(directory, resume) if resume else None
    if entry is not None:
        start = _first_event(entry)
        if start.get("command") == "demo":
            return run_demo(lang, str(directory), str(start.get("scenario", "windows")), no_mouse=no_mouse,
                            basic=basic, resume=entry, recheck=recheck)
        config = config or start.get("config") or None
    settings = config_module.load(config_module.find_config(config))
    return launch(settings, credentials.Lookup(settings), Texts(lang), directory, entry, "wizard", {},
                  no_mouse=no_mouse, basic=basic, recheck=recheck)


def launch(
    settings: Settings,
    lookup: Any,
    texts: Texts,
    directory: Path,
    entry: Any,
    command: str,
    extra: Mapping[str, Any],
    *,
    no_mouse: bool,
    basic: bool,
    recheck: float | None,
    secrets: Iterable[str] = (),
) -> int:
    session = open_session(directory, entry, command, secrets, config=settings.source, lang=texts.lang,
                           version=__version__, **extra)
    app = WizardApp(settings, texts, session, lookup, recheck_s=_recheck_seconds(recheck), basic=basic,
                    resume=entry is not None)
    try:
        app.run(mouse=not no_mouse)
    except OSError:
        pass  # the terminal is gone; the session is already on disk
    finally:
        # Once the app's loop is closed a second hang-up would kill us before the session is closed.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        app.finish()
    return app.return_code or 0


def run_demo(
    lang: str,
    transcript_dir: str | None,
    scenario: str = "windows",
    no_mouse: bool = False,
    basic: bool = False,
    resume: Any = None,
    recheck: float | None = None,
) -> int:
    import sys

    from control import config as config_module
    from control import credentials
    from tui.demo import SimulatedSite
    from control.transcript import default_dir

    texts = Texts(lang)
    directory = Path(transcript_dir) if transcript_dir else default_dir()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    with SimulatedSite(scenario, say=lambda key, **p: say(texts.ui("wizard.demo." + key, **p))) as site:
        settings = config_module.load(site.config_path)
        lookup = credentials.Lookup(settings, extra=site.secrets)
        code = launch(settings, lookup, texts, directory, resume, "demo", {"scenario": scenario},
                      no_mouse=no_mouse, basic=basic, recheck=recheck, secrets=site.secrets.values())
    say(texts.ui("wizard.demo.try-headless"))
    return code
