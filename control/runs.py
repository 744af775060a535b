"""The check runs: what to run next, what is running, and what the site answers differently.

Runs never overlap: a request while one is in flight waits and joins the next. Results stream into
the session as they come (one notice per burst, not per result); a check asked for again while it
runs keeps its row until its new answer comes. Threads: `request`, `stop`, `finished` and the
queries are called from the owner's thread (the UI's); the run itself works in the executor's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple, Protocol

from checks.model import Status
from checks.texts import Texts
from control.session import Session
from control.status import Shown

if TYPE_CHECKING:
    from checks.spec import Check, Result
    from control.engine import Engine


class Executor(Protocol):
    """Runs work off the owner's thread and calls `done` back on it, with the error if it raised."""

    def run_work(self, name: str, work: Callable[[], None], done: Callable[[BaseException | None], None]) -> None: ...


class Change(NamedTuple):
    """A check that answers differently since the session was saved (a fix no longer in place)."""

    check_id: str
    before: Status
    now: Status


class Runs:
    def __init__(self, session: Session, texts: Texts, executor: Executor, *,
                 on_results: Callable[[], None], on_finished: Callable[[], None], resumed: bool = False) -> None:
        self.session = session
        self.texts = texts
        self.executor = executor
        self.engine: Engine | None = None
        self._on_results = on_results  # from the run's thread, once per burst
        self._on_finished = on_finished  # on the owner's thread, after each run
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._pending: set[str] = set()
        self._cancel: threading.Event | None = None
        self._busy = False
        self._told = False  # a burst is announced and not yet taken
        self._announce: set[str] = set()  # re-checks whose new answer is to be said when it comes
        # A resumed session: what each check answered before (status, key, seq), until it runs again.
        state = session.state
        self._before: dict[str, tuple[Status, str, int]] = {
            cid: (r.status, r.key, state.result_seq.get(cid, 0)) for cid, r in state.results.items()
        } if resumed else {}

    # -- asking --------------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """The engine is loaded: what was asked for before starts now."""
        self.engine = engine
        self._start_next()

    def request(self, ids: Iterable[str], force: bool = False) -> None:
        """Run these checks now, or right after the run in flight. Without `force`, one running already is left."""
        with self._lock:
            wanted = [i for i in ids if force or i not in self._running]
            if not wanted:
                return
            self._pending.update(wanted)
        self._start_next()

    def screen_opened(self, ids: Iterable[str], waits_for_secrets: bool = False) -> bool:
        """A screen shows these checks: run those with no answer yet, and (after a resume) those whose
        answer is from before, unless the screen waits for secrets. True when a run was asked for."""
        results = self.session.state.results
        with self._lock:
            running = set(self._running)
        wanted = [i for i in ids if i not in running and (
            i not in results or (not waits_for_secrets and i in self._before))]
        self.request(wanted)
        return bool(wanted)

    def recheck_and_announce(self, ids: Iterable[str]) -> None:
        """After a fix-it: run these again, and hold their new answers for `announcements`."""
        ids = list(ids)
        with self._lock:
            self._announce.update(ids)
        self.request(ids, force=True)

    def stop(self) -> bool:
        """Stop the run in flight and drop what waits; False when nothing ran."""
        with self._lock:
            self._pending.clear()
            cancel = self._cancel
        if cancel is None:
            return False
        cancel.set()
        return True

    # -- what is going on ------------------------------------------------------------------

    @property
    def running(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._running)

    def wait_idle(self, limit_s: float = 600.0) -> None:
        """In a worker: wait until no check runs or waits to run (what is judged next needs every answer)."""
        import time

        deadline = time.monotonic() + limit_s
        while (self.running or self.busy) and time.monotonic() < deadline:
            time.sleep(0.2)

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._busy or bool(self._pending)

    def status(self, check_id: str) -> Shown:
        with self._lock:
            if check_id in self._running:
                return Shown.RUNNING
        result = self.session.state.results.get(check_id)
        return Shown.of(result.status) if result is not None else Shown.PENDING

    def take_burst(self) -> None:
        """The owner took the notice of a burst: the next result announces a new one."""
        with self._lock:
            self._told = False

    def announcements(self) -> list[Result]:
        """Re-checks asked for by `recheck_and_announce` that have their new answer now (taken once)."""
        results = self.session.state.results
        with self._lock:
            done = [cid for cid in sorted(self._announce)
                    if cid not in self._running and cid not in self._pending and cid in results]
            self._announce.difference_update(done)
        return [results[cid] for cid in done]

    def changes_since_resume(self) -> list[Change]:
        """Checks run again since the resume whose answer (status or finding) differs from before;
        each check is looked at once, on its first new answer."""
        results, seq = self.session.state.results, self.session.state.result_seq
        again = [cid for cid, (_, _, before) in self._before.items() if seq.get(cid, 0) != before]
        changed = [Change(cid, self._before[cid][0], results[cid].status) for cid in again
                   if (results[cid].status, results[cid].key) != self._before[cid][:2]]
        for cid in again:
            del self._before[cid]
        return changed

    # -- running -----------------------------------------------------------------------------

    def _start_next(self) -> None:
        engine = self.engine
        if engine is None:
            return
        with self._lock:
            if self._busy:
                return
            checks = engine.ordered(self._pending)
            self._pending.clear()
            if not checks:
                return
            self._busy = True
            self._running = {c.id for c in checks}
            cancel = self._cancel = threading.Event()
        self.executor.run_work("checks", lambda: self._run(engine, checks, cancel), self._finished)

    def _run(self, engine: Engine, checks: list[Check], cancel: threading.Event) -> None:
        from control.records import run_checks

        run_checks(checks, engine.sources, self.session.record, self.texts, after=self._arrived, cancel=cancel)

    def _arrived(self, result: Result) -> None:
        with self._lock:
            self._running.discard(result.id)
            if self._told:
                return
            self._told = True
        self._on_results()

    def _finished(self, error: BaseException | None) -> None:
        with self._lock:
            left = sorted(self._running)
            self._running.clear()
            self._busy = False
            self._cancel = None
        if error is not None:  # the run itself broke (not a check: those become results): say it per check
            from checks.runner import failure_reason
            from checks.spec import Result

            reason = failure_reason(error, self.texts)
            for check_id in left:
                self.session.result(Result(check_id, Status.ERROR, "raised", reason=reason))
        self._on_finished()
        self._start_next()
