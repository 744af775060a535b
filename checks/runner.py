"""Runs checks concurrently, each with a timeout, and always yields one result per check.

Every check runs in its own daemon thread, so a check stuck in a network call can
neither hold up the others nor keep the process alive after the run ends.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from checks.model import FixError, SourceUnavailable, Status, plain
from checks.sources import Sources
from checks.spec import Check, Result
from checks.texts import Texts

log = logging.getLogger("failback_prep.checks")

OnResult = Callable[[Result], None]


def one_line(exc: BaseException) -> str:
    """An exception as one readable line: its message, or its type when it has none."""
    text = str(exc).strip().splitlines()
    message = text[0].strip() if text else ""
    if not message:
        return type(exc).__name__
    return message[:300]


def failure_reason(exc: BaseException, texts: Texts) -> str:
    """Why a fix-it stopped, in the texts' language: its own sentence when it raised FixError (or a
    source it read could not be: SourceUnavailable), else the error in one line."""
    if isinstance(exc, FixError):
        return texts.say(exc.said)
    if isinstance(exc, SourceUnavailable) and exc.key:
        return texts.reason_text(exc.key, exc.params) or one_line(exc)
    return one_line(exc)


def _decide(check: Check, sources: Sources) -> Result:
    started = time.monotonic()
    try:
        v = check.decide(sources)
        result = Result(check.id, v.status, v.key, dict(v.params), dict(v.evidence))
    except SourceUnavailable as exc:
        status = Status.SKIP if exc.skip else Status.ERROR
        # Ours: said in full (a fingerprint cut short would be pinned wrong), and by key in any language.
        why = plain({"reason_key": exc.key, "reason_params": dict(exc.params)}) if exc.key else {}
        result = Result(check.id, status, "unavailable", evidence=why, reason=sources.redact(str(exc).strip()))
    except Exception as exc:
        log.debug("check %s raised", check.id, exc_info=True)
        result = Result(check.id, Status.ERROR, "raised", reason=sources.redact(one_line(exc)))
    return replace(result, duration_ms=int((time.monotonic() - started) * 1000))


class Runner:
    def __init__(self, checks: Sequence[Check], sources: Sources) -> None:
        self.checks = list(checks)
        self.sources = sources

    def run(
        self,
        on_result: OnResult | None = None,
        cancel: threading.Event | None = None,
        new_run: bool = True,
    ) -> list[Result]:
        """Run every check; return results in catalog order.

        `on_result` is called from this thread as each result arrives, so callers
        can stream them. Setting `cancel` ends the run at once: checks not yet
        finished are reported as errors saying they were cancelled.
        """
        if new_run:
            self.sources.new_run()
        cancel = cancel or self.sources.cancel
        self.sources.cancel = cancel
        inbox: queue.Queue[Result] = queue.Queue()
        deadlines: dict[str, float] = {}
        started: dict[str, float] = {}
        now = time.monotonic()
        for check in self.checks:
            deadlines[check.id] = now + check.timeout_s
            started[check.id] = now
            thread = threading.Thread(
                target=lambda c=check: inbox.put(_decide(c, self.sources)),
                name=f"check:{check.id}",
                daemon=True,
            )
            thread.start()

        results: dict[str, Result] = {}

        def settle(result: Result) -> None:
            if result.id in results:
                return  # a timed-out check that finished late: its first result stands
            results[result.id] = result
            if on_result:
                on_result(result)

        while len(results) < len(self.checks):
            pending = [c for c in self.checks if c.id not in results]
            if cancel.is_set():
                for check in pending:
                    settle(Result(check.id, Status.ERROR, "cancelled", reason="cancelled before it finished"))
                break
            wait = min(deadlines[c.id] for c in pending) - time.monotonic()
            try:
                settle(inbox.get(timeout=max(0.0, min(wait, 0.1))))
            except queue.Empty:
                pass
            now = time.monotonic()
            for check in pending:
                if check.id not in results and now >= deadlines[check.id]:
                    settle(
                        Result(
                            check.id,
                            Status.ERROR,
                            "timeout",
                            reason=f"no answer within {check.timeout_s:g} s",
                            duration_ms=int((now - started[check.id]) * 1000),
                        )
                    )
        return [results[c.id] for c in self.checks]
