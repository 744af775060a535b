"""The wizard's state and operations, in one typed face the screens use.

A `Controller` owns the session and the engine, and four owners of operations: the check runs
(`runs`), the fix-it flow (`fixes`), the manual answers (`answers`), credentials and trust (`access`).
It knows no terminal: the app gives it an `Executor` (to work off the UI's thread) and a `Listener`
(to hear what happened), and tests give it plain threads.
"""

from __future__ import annotations

import functools

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from checks.model import Settings
from checks.texts import Texts
from control.access import Access
from control.answers import Answers
from control.credentials import Lookup
from control.fixits import FixFlow
from control.runs import Executor, Runs
from control.session import Place, Session
from control.status import Shown

from checks.model import Component

if TYPE_CHECKING:
    from checks.spec import Check, Result
    from control.engine import Engine
    from control.fixall import FixAllFlow
    from control.operations import OperationFlow

EngineFactory = Callable[[Settings, Lookup], "Engine"]


class Listener(Protocol):
    """What the controller tells the UI."""

    def engine_ready(self, missing: tuple[str, ...]) -> None:
        """The checks are loaded; `missing` names the secrets no place has (on the owner's thread)."""

    def results_changed(self) -> None:
        """Some results arrived (from the run's thread; once per burst)."""

    def run_finished(self) -> None:
        """A run ended (on the owner's thread)."""

    def told(self, text: str) -> None:
        """A source has something to say mid-fetch: a device code to enter (from any thread)."""


def load_engine(settings: Settings, lookup: Lookup) -> Engine:
    """The engine and its check catalog, loaded once the first screen is drawn."""
    from control.engine import Engine

    return Engine.load(settings, lookup)


class Controller:
    def __init__(self, settings: Settings, texts: Texts, session: Session, lookup: Lookup, executor: Executor,
                 listener: Listener, *, engine_factory: EngineFactory = load_engine, resumed: bool = False,
                 needed_secrets: tuple[str, ...] | None = None) -> None:
        self.settings = settings
        self.texts = texts
        self.session = session
        self.lookup = lookup
        self.executor = executor
        self.listener = listener
        self.engine_factory = engine_factory
        self.resumed = resumed
        self.needed_secrets = needed_secrets  # None: those the settings need
        self.engine: Engine | None = None
        self.runs = Runs(session, texts, executor, on_results=listener.results_changed,
                         on_finished=listener.run_finished, resumed=resumed)
        self.fixes = FixFlow(session, texts, executor, self.runs, lambda: self.engine.fixes if self.engine else {},
                             lambda: self.engine.sources if self.engine else None)
        self.answers = Answers(session, settings.answers, self.runs)
        self.access = Access(settings, lookup, session, executor, self.runs, self._settings_changed, texts)

    # -- the engine ------------------------------------------------------------------------

    def load_engine(self) -> None:
        loaded: list[Engine] = []

        def work() -> None:
            engine = self.engine_factory(self.settings, self.lookup)
            self.texts.load_all()  # check titles and summaries, parsed here rather than on the UI thread
            engine.sources.tell = lambda said: self.listener.told(self.texts.say(said))
            engine.use_answers(self.session.answers())
            loaded.append(engine)

        def done(error: BaseException | None) -> None:
            if error is not None or not loaded:
                return
            self.engine = loaded[0]
            self.runs.attach(self.engine)
            self.listener.engine_ready(self.access.missing(self.needed_secrets))

        self.executor.run_work("engine.load", work, done)

    def _settings_changed(self, settings: Settings) -> None:
        self.settings = settings
        if self.engine is not None:
            self.engine.sources.update_settings(vcenter=settings.vcenter)

    # Fix-all and the operations home, made when first used: the first screen does not wait for them.
    @functools.cached_property
    def fix_all(self) -> FixAllFlow:
        from control.fixall import FixAllFlow

        return FixAllFlow(self.session, self.texts, self.executor, self.runs, lambda: self.engine)

    @functools.cached_property
    def reprotect(self) -> OperationFlow:
        from control.operations import OperationFlow

        return OperationFlow(self.session, self.texts, self.executor, self.runs, lambda: self.engine)

    # -- what the screens read -------------------------------------------------------------

    @property
    def results(self) -> Mapping[str, Result]:
        """The latest result of each check (read-only)."""
        return MappingProxyType(self.session.state.results)

    def result(self, check_id: str) -> Result | None:
        return self.session.state.results.get(check_id)

    def status(self, check_id: str) -> Shown:
        return self.runs.status(check_id)

    def of_component(self, component: Component) -> list[Check]:
        """A component's checks as the wizard shows them: without those that found they are not for this
        vault (a modernized vault's appliance checks on a classic vault, which say so when they run)."""
        if self.engine is None:
            return []
        return [c for c in self.engine.of_component(component) if not self.not_for_this_vault(c.id)]

    def not_for_this_vault(self, check_id: str) -> bool:
        result = self.result(check_id)
        return result is not None and result.key in ("modernized-only", "classic-only")

    @property
    def architecture(self) -> str:
        """classic, modernized or unknown: as the vault said (az.connect), else as configured."""
        connect = self.result("az.connect")
        found = connect.evidence.get("architecture") if connect is not None else None
        if found in ("classic", "modernized"):
            return str(found)
        configured = self.settings.site.architecture
        return configured if configured in ("classic", "modernized") else "unknown"

    def component_key(self, component: Component) -> str:
        """The texts' key for a component on this vault ([components]): the network of a modernized
        failback is the VMs' outbound 443 to Site Recovery, not a VPN or ExpressRoute."""
        if component == Component.NETWORK and self.architecture == "modernized":
            return "network-modernized"
        return str(component)

    def shown_results(self) -> list[Result]:
        """The results the wizard talks about on this vault: not those that are not for it, and on a
        modernized vault none of the classic components' (they have nothing to look at there)."""
        classic = {Component.CONFIGURATION_SERVER, Component.PROCESS_SERVER, Component.MASTER_TARGET}
        engine = self.engine
        if engine is None:
            return []
        return [r for c in engine.checks if (r := self.result(c.id)) is not None and not self.not_for_this_vault(c.id)
                and not (self.architecture == "modernized" and c.component in classic)]

    def components(self) -> tuple[Component, ...]:
        """The component table's rows for this vault: the classic five, or the appliance's three."""
        from control.engine import COMPONENTS, MODERNIZED_COMPONENTS

        return MODERNIZED_COMPONENTS if self.architecture == "modernized" else COMPONENTS

    def settled(self, check_id: str) -> Shown:
        """The status of the last answer, running or not: what orders rows, so they stay put while they run."""
        result = self.result(check_id)
        return Shown.of(result.status) if result is not None else Shown.PENDING

    def checked(self, check_id: str) -> str:
        """When the check last answered (a transcript time stamp), or ""."""
        return self.session.state.checked.get(check_id, "")

    def now(self) -> str:
        return self.session.clock()

    @property
    def session_id(self) -> str:
        return self.session.session_id

    @property
    def is_demo(self) -> bool:
        return self.session.state.start.get("command") == "demo"

    @property
    def place(self) -> Place | None:
        """Where the operator was when the session was saved."""
        return self.session.state.place

    def shown(self, screen: str, args: Mapping[str, str]) -> None:
        self.session.shown(screen, args)

    def note(self, text: str, **fields: Any) -> None:
        self.session.record("note", text=text, **fields)

    # -- the end -------------------------------------------------------------------------------

    _ended = False

    def end(self, code: int) -> None:
        """Close the session once, with the exit code and the counts."""
        if self._ended:
            return
        from checks.report import counts

        self._ended = True
        try:
            self.session.end(exit_code=code, summary=counts(list(self.session.results().values())))
        except OSError:
            pass

    def close(self) -> None:
        self.fixes.stop()  # a fix-it still followed stops following; what it sent goes on
        if "reprotect" in self.__dict__:  # made when first used
            self.reprotect.stop()
        if self.engine is not None:
            self.engine.sources.close()
