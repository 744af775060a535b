"""Sources: what checks read (a vCenter session, an inventory, a vault snapshot).

Each source is fetched at most once per run, however many checks read it, and
checks that read the same source wait for the one fetch in flight. Connections
are kept between runs; data is read anew each run so re-checks see changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from checks.model import Said, SecretLookup, Settings, SourceUnavailable


@dataclass(frozen=True)
class Source:
    name: str
    fetch: Callable[[Sources], Any]
    # Persistent sources (sessions, clients) survive new_run(); data sources do not.
    persistent: bool = False
    close: Callable[[Any], None] | None = None


class _Slot:
    __slots__ = ("lock", "done", "value", "error")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None


def _no_secrets(kind: str) -> str | None:
    return None


class KnownSecrets:
    """Every secret this process has learned: looked up (environment, keyring), typed, or generated.

    One set for the whole process, so whatever writes (the log file, transcripts, screens, reports)
    removes the same secrets, wherever each was learned.
    """

    MASK = "********"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value:
            with self._lock:
                self._values.add(value)

    def update(self, values: Iterable[str | None]) -> None:
        for value in values:
            self.add(value)

    def __contains__(self, value: object) -> bool:
        with self._lock:
            return value in self._values

    def redact(self, text: str) -> str:
        """Replace every known secret in the text by asterisks (the longest first)."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, self.MASK)
        return text


KNOWN_SECRETS = KnownSecrets()


class Sources:
    def __init__(
        self,
        registry: Mapping[str, Source],
        settings: Settings,
        secrets: SecretLookup = _no_secrets,
        cancel: threading.Event | None = None,
    ) -> None:
        self._registry = dict(registry)
        self.settings = settings
        self._secrets = secrets
        self.cancel = cancel or threading.Event()
        self._slots: dict[str, _Slot] = {}
        self._guard = threading.Lock()
        # How a source tells the operator something mid-fetch (a device code to enter):
        # stderr headless, a dialog in the wizard. Never given secrets.
        self.tell: Callable[[Said], None] = lambda said: None

    # Checks and fix-its call source(); the name reads well in both.
    def source(self, name: str) -> Any:
        return self.get(name)

    def secret(self, kind: str) -> str | None:
        value = self._secrets(kind)
        KNOWN_SECRETS.add(value)  # before any library is handed it
        return value

    def redact(self, text: str) -> str:
        """Replace any secret this process knows (every one handed out here included) by asterisks."""
        return KNOWN_SECRETS.redact(text)

    def _slot(self, name: str) -> _Slot:
        with self._guard:
            slot = self._slots.get(name)
            if slot is None:
                slot = self._slots[name] = _Slot()
            return slot

    def get(self, name: str) -> Any:
        try:
            source = self._registry[name]
        except KeyError:
            raise KeyError(f"no source named {name!r}") from None
        slot = self._slot(name)
        with slot.lock:
            if not slot.done:
                try:
                    slot.value = source.fetch(self)
                except BaseException as exc:  # kept, so every reader sees the same failure
                    slot.error = exc
                slot.done = True
        if slot.error is not None:
            raise slot.error
        return slot.value

    def peek(self, name: str) -> Any:
        """The value if already fetched successfully in this run, else None."""
        with self._guard:
            slot = self._slots.get(name)
        if slot is None or not slot.done or slot.error is not None:
            return None
        return slot.value

    def fresh(self, name: str) -> Any:
        """Fetch a data source again now (fix-its read current state before changing it)."""
        self.invalidate([name])
        return self.get(name)

    def put(self, name: str, value: Any) -> None:
        """Give a persistent source its value (what a fix-it found: the probes run inside VMs)."""
        if name not in self._registry:
            raise KeyError(f"no source named {name!r}")
        slot = _Slot()
        slot.value, slot.done = value, True
        with self._guard:
            self._slots[name] = slot

    def invalidate(self, names: Iterable[str]) -> None:
        with self._guard:
            for name in names:
                self._slots.pop(name, None)

    def new_run(self) -> None:
        """Forget data and failures; keep live connections."""
        with self._guard:
            keep = {
                name: slot
                for name, slot in self._slots.items()
                if self._registry[name].persistent and slot.done and slot.error is None
            }
            self._slots = keep
        self.cancel = threading.Event()

    def update_settings(self, **changes: Any) -> None:
        self.settings = replace(self.settings, **changes)

    def close(self) -> None:
        with self._guard:
            slots, self._slots = self._slots, {}
        for name, slot in slots.items():
            closer = self._registry[name].close
            if closer and slot.done and slot.error is None:
                try:
                    closer(slot.value)
                except Exception:  # closing is best effort: the peer may be gone
                    pass


def require(value: Any, message: str, key: str = "") -> Any:
    """Raise SourceUnavailable(skip) when a configuration part is absent; `key` its text in [reasons]."""
    if value is None:
        raise SourceUnavailable(message, skip=True, key=key)
    return value
