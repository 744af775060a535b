"""Credentials and trust: which secrets the site needs and where each comes from, a secret typed for
this session (and, if asked, kept in the OS keyring), and a vCenter certificate trusted on first use
(pinned in the settings, saved to the configuration file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from checks.model import Settings
from checks.sources import KNOWN_SECRETS
from checks.texts import Texts
from control import credentials
from control.runs import Executor, Runs
from control.session import Session


class AccessReply(Protocol):
    """The connect screen hears back here, from the worker's thread."""

    def probed(self, info: dict[str, Any]) -> None: ...

    def stored(self, kind: str, problem: str) -> None:
        """The secret is in the keyring (problem empty), or why not."""


class Access:
    def __init__(self, settings: Settings, lookup: credentials.Lookup, session: Session, executor: Executor,
                 runs: Runs, on_settings: Callable[[Settings], None], texts: Texts) -> None:
        self.settings = settings
        self.texts = texts
        self.lookup = lookup
        self.session = session
        self.executor = executor
        self.runs = runs
        self._on_settings = on_settings  # the controller and the engine's sources follow a change
        self.last_save_problem = ""  # why the last trusted thumbprint could not be saved ("" when it was)

    def secrets_needed(self) -> tuple[str, ...]:
        kinds = []
        if self.settings.vcenter is not None:
            kinds.append("vcenter")
        if self.settings.azure is not None and self.settings.azure.auth == "client-secret":
            kinds.append("azure")
        return tuple(kinds)

    def missing(self, needed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The secrets needed that no place has (environment, keyring, this session)."""
        return tuple(kind for kind in (self.secrets_needed() if needed is None else needed) if not self.lookup(kind))

    def origin(self, kind: str) -> str:
        """Where the secret comes from: session, environment, keyring, or "no keyring"."""
        if kind in self.lookup.session_only:
            return "session"
        try:
            return credentials.find(kind, self.settings).where
        except credentials.CredentialError:
            return "no keyring"

    def probe(self, reply: AccessReply) -> None:
        """Is there a keyring, where does each secret come from, and (nothing pinned yet) which
        certificate does vCenter present: for the connect screen, read off the UI's thread."""

        def work() -> None:
            info: dict[str, Any] = {"keyring": True}
            try:
                credentials.keyring_backend()
            except credentials.CredentialError:
                info["keyring"] = False
            for kind in self.secrets_needed():
                info[f"{kind}.secret"] = self.origin(kind)
            vc = self.settings.vcenter
            if vc is not None and not (vc.thumbprint or vc.ca_file or vc.insecure):
                from checks.vcenter.connection import colon_fingerprint, presented_fingerprint

                info["vcenter.fingerprint"] = colon_fingerprint(presented_fingerprint(vc.host, vc.port))
            reply.probed(info)

        self.executor.run_work("connect.probe", work, lambda error: None)

    def use_secret(self, kind: str, secret: str, save: bool, reply: AccessReply) -> None:
        """A secret typed on the connect screen: for this session, and in the keyring if asked."""
        KNOWN_SECRETS.add(secret)
        self.lookup.session_only[kind] = secret
        if not save:
            return

        def work() -> None:
            try:
                credentials.store(kind, self.settings, secret)
            except credentials.CredentialError as exc:
                reply.stored(kind, self.texts.say(exc.said) if exc.said else str(exc))
                return
            self.session.record("note", text=f"{kind} secret saved to the OS keyring by {self.session.operator}")
            reply.stored(kind, "")

        self.executor.run_work("creds.store", work, lambda error: None)

    def trust_vcenter(self, fingerprint: str) -> bool:
        """Pin the certificate the operator has checked; True when the configuration file keeps it."""
        from control import config

        vc = self.settings.vcenter
        if vc is None:
            return False
        self.settings = dataclasses.replace(self.settings, vcenter=dataclasses.replace(vc, thumbprint=fingerprint))
        self._on_settings(self.settings)
        saved = False
        problem = ""
        if self.settings.source and Path(self.settings.source).is_file():
            try:
                config.save_value(Path(self.settings.source), "vcenter", "thumbprint", fingerprint)
                saved = True
            except Exception as exc:  # read-only file, full disk, a file tomlkit cannot read: trusted for this session
                problem = f"{type(exc).__name__}: {exc}"
        self.session.record("note", text=f"vCenter certificate {fingerprint} trusted by {self.session.operator}"
                            + (f"; saved to {self.settings.source}" if saved else "")
                            + (f"; not saved to {self.settings.source} ({problem})" if problem else ""))
        self.last_save_problem = problem
        self.runs.request(["vc.connect"], force=True)
        return saved
