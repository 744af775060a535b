"""Connect: vCenter and Azure, the certificate to trust, and the secrets for this session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from control.status import Shown
from screens.base import WizardScreen
from screens.marks import mark

if TYPE_CHECKING:
    from textual.widgets import Button, Input

    from control.controller import Controller

KINDS = ("vcenter", "azure")
CONNECT_CHECKS = {"vcenter": "vc.connect", "azure": "az.connect"}


class ConnectScreen(WizardScreen):
    screen_id = "connect"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9,enter,ctrl+n", "continue", "continue", key_display="F9", id="continue"),
    ]

    class Probed(Message):
        def __init__(self, info: Mapping[str, Any]) -> None:
            super().__init__()
            self.info = info

    class Stored(Message):
        def __init__(self, kind: str, problem: str) -> None:
            super().__init__()
            self.kind = kind
            self.problem = problem

    def __init__(self, control: Controller, resumed: bool = False) -> None:
        super().__init__(control)
        self.resumed = resumed
        # A resumed session's connect screen asks for the secrets first; its checks wait for them.
        self.waits_for_secrets = resumed
        self.info: dict[str, Any] = {}
        self.lines: dict[str, dict[str, str | Text]] = {}

    def compose(self) -> ComposeResult:
        # Few, plain widgets: this is the first screen, and it must appear fast. Each box is one
        # Static (what it connects to, its certificate, where its secret comes from, its check);
        # the trust button and the secret prompt are mounted under it only when needed, as most
        # sessions need neither. The screen itself scrolls when it grows past a small terminal.
        yield from self.header()
        yield Static(self.t("connect.intro"), classes="intro")
        for kind in KINDS:
            yield Static(id=f"box-{kind}", classes="panel connect-box")
        yield Static(Text(self.t("connect.continue-key"), style="bold"), id="continue")
        yield from self.footer()

    def on_mount(self) -> None:
        self.show_settings()
        self.call_after_refresh(self.control.access.probe, self)

    # control.access.AccessReply, from the worker's thread: as messages to this screen.
    def probed(self, info: dict[str, Any]) -> None:
        self.post_message(self.Probed(info))

    def stored(self, kind: str, problem: str) -> None:
        self.post_message(self.Stored(kind, problem))

    def on_connect_screen_stored(self, message: ConnectScreen.Stored) -> None:
        if message.problem:
            self.notify(self.t("creds.not-saved", reason=message.problem), severity="warning", timeout=15)
        else:
            self.notify(self.t("creds.saved"))

    def _line(self, kind: str, part: str, text: str | Text) -> None:
        """Set one line of a box (about, cert, secret or check) and redraw it."""
        self.lines.setdefault(kind, {})[part] = text
        shown = [self.lines[kind].get(p) for p in ("about", "cert", "secret", "check")]
        self.query_one(f"#box-{kind}", Static).update(
            Text("\n").join(Text(t) if isinstance(t, str) else t for t in shown if t))

    async def mount_once(self, kind: str, what: str) -> None:
        """The trust button or the secret prompt of one box, added the first time it is needed."""
        if self.query(f"#{what}-row-{kind}"):
            return
        from textual.containers import Horizontal
        from textual.widgets import Button, Checkbox, Input

        # Under the box, the trust row first: the secret is asked for the trusted host.
        after = self.query(f"#trust-row-{kind}").last() if self.query(f"#trust-row-{kind}") else f"#box-{kind}"
        if what == "trust":
            row = Horizontal(Button(self.t("connect.trust"), id=f"trust-{kind}", variant="warning", compact=True),
                             classes="row", id=f"trust-row-{kind}")
            await self.mount(row, after=f"#box-{kind}")
        else:
            prompt = Input(password=True, placeholder=self.t(f"connect.secret-{kind}"), id=f"secret-{kind}")
            # Without a keyring there is nowhere to save: the box stays off and says why above.
            save = Checkbox(self.t("connect.save"), id=f"save-{kind}", compact=True,
                            disabled=not self.info.get("keyring", False))
            await self.mount(Horizontal(prompt, save, classes="row", id=f"secret-row-{kind}"), after=after)
            prompt.focus()

    def check_ids(self) -> tuple[str, ...]:
        engine = self.control.engine
        ids = tuple(CONNECT_CHECKS.values())
        return tuple(i for i in ids if engine is None or i in engine.by_id)

    def show_settings(self) -> None:
        s = self.control.settings
        vc, az = s.vcenter, s.azure
        if vc is None:
            self._line("vcenter", "about", self.t("connect.vcenter-none"))
        else:
            self._line("vcenter", "about", Text.assemble(
                (self.t("connect.vcenter") + "  ", "bold"),
                self.t("connect.vcenter-about", host=vc.host, port=vc.port, user=vc.user)))
            if vc.thumbprint:
                cert: str | Text = self.t("connect.cert-pinned", fingerprint=vc.thumbprint)
            elif vc.ca_file:
                cert = self.t("connect.cert-ca", path=vc.ca_file)
            elif vc.insecure:
                cert = Text(self.t("connect.cert-insecure"), style="yellow")
            else:
                cert = self.t("connect.cert-reading")
            self._line("vcenter", "cert", cert)
        if az is None:
            self._line("azure", "about", self.t("connect.azure-none"))
        else:
            self._line("azure", "about", Text.assemble(
                (self.t("connect.azure") + "  ", "bold"),
                self.t("connect.azure-about", cloud=az.cloud, vault=az.vault, group=az.resource_group,
                       auth=az.auth)))
            self._line("azure", "cert", self.t("connect.cert-azure",
                                               endpoint=az.arm_endpoint or self.t("connect.default-endpoint")))

    async def on_connect_screen_probed(self, message: ConnectScreen.Probed) -> None:
        self.info = dict(message.info)
        fingerprint = self.info.get("vcenter.fingerprint")
        if fingerprint:
            self._line("vcenter", "cert", Text(self.t("connect.cert-new", fingerprint=fingerprint), style="yellow"))
            await self.mount_once("vcenter", "trust")
        for kind in KINDS:
            await self.show_secret(kind)

    async def show_secret(self, kind: str) -> None:
        origin = self.info.get(f"{kind}.secret")
        known = origin in ("environment", "keyring", "session")
        for row in self.query(f"#secret-row-{kind}"):
            row.display = not known
        if origin is None:
            self._line(kind, "secret", "")
            return
        if known:
            self._line(kind, "secret", Text(self.t(f"connect.secret-from-{origin}"), style="green"))
            return
        keyring = self.info.get("keyring", False)
        text = self.t("connect.secret-needed") + ("" if keyring else " " + self.t("connect.no-keyring"))
        self._line(kind, "secret", Text(text, style="yellow"))
        await self.mount_once(kind, "secret")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        kind = (event.input.id or "").removeprefix("secret-")
        if kind not in KINDS or not event.value:
            return
        from textual.widgets import Checkbox

        save = self.query_one(f"#save-{kind}", Checkbox).value
        self.control.access.use_secret(kind, event.value, save, self)
        event.input.value = ""
        self.info[f"{kind}.secret"] = "session"
        await self.show_secret(kind)
        self.control.runs.request([CONNECT_CHECKS[kind]], force=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "trust-vcenter":
            fingerprint = self.info.pop("vcenter.fingerprint", "")
            if fingerprint:
                saved = self.control.access.trust_vcenter(fingerprint)
                source = self.control.settings.source
                if saved:
                    self.notify(self.t("connect.trust-saved", path=source))
                elif self.control.access.last_save_problem:
                    self.notify(self.t("connect.trust-not-saved", path=source,
                                       problem=self.control.access.last_save_problem), severity="error", timeout=30)
                self.query_one("#trust-row-vcenter").remove()
                self.show_settings()

    def refresh_results(self) -> None:
        engine = self.control.engine
        for kind, check_id in CONNECT_CHECKS.items():
            if engine is None or check_id not in engine.by_id:
                self._line(kind, "check", Text(self.t("loading"), style="dim"))
                continue
            status = self.control.status(check_id)
            result = self.control.result(check_id)
            text = mark(self.control.texts, status)
            if result is not None and status != Shown.RUNNING:
                text.append("  " + self.control.texts.summary(result))
            self._line(kind, "check", text)

    def action_continue(self) -> None:
        if self.resumed:
            self.app.pop_screen()
            return
        from screens.overview import OverviewScreen

        # Connect stays below the overview: Esc there comes back here to trust, retype or re-check.
        self.app.push_screen(OverviewScreen(self.control))

    def action_back(self) -> None:
        """Connect is the first step; there is nothing behind it."""
