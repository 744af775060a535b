"""Connect: vCenter and Azure, the certificate to trust, and the secrets for this session."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Static

from screens.base import WizardScreen
from tui.widgets import mark

KINDS = ("vcenter", "azure")
CONNECT_CHECKS = {"vcenter": "vc.connect", "azure": "az.connect"}


class ConnectScreen(WizardScreen):
    screen_id = "connect"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9,enter,ctrl+n", "continue", "continue", key_display="F9"),
    ]

    def __init__(self, resumed: bool = False) -> None:
        super().__init__()
        self.resumed = resumed
        self.info: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield from self.header()
        with VerticalScroll(id="connect-body"):
            yield Static(self.t("connect.intro"), classes="intro")
            for kind in KINDS:
                # The trust button and the secret prompt are mounted only when needed: most
                # sessions need neither, and the first screen should appear fast.
                with Vertical(id=f"box-{kind}", classes="panel connect-box"):
                    yield Static(id=f"about-{kind}")
                    yield Static(id=f"cert-{kind}")
                    yield Static(id=f"secret-state-{kind}")
                    yield Static(id=f"check-{kind}")
            yield Static(Text(self.t("connect.continue-key"), style="bold"), id="continue")
        yield from self.footer()

    def on_mount(self) -> None:
        self.show_settings()
        self.call_after_refresh(self.wizard.probe_connect, self)

    async def mount_once(self, kind: str, what: str) -> None:
        """The trust button or the secret prompt of one box, added the first time it is needed."""
        if self.query(f"#{what}-row-{kind}"):
            return
        box = self.query_one(f"#box-{kind}", Vertical)
        if what == "trust":
            row = Horizontal(Button(self.t("connect.trust"), id=f"trust-{kind}", variant="warning", compact=True),
                             classes="row", id=f"trust-row-{kind}")
            await box.mount(row, after=f"#cert-{kind}")
        else:
            prompt = Input(password=True, placeholder=self.t(f"connect.secret-{kind}"), id=f"secret-{kind}")
            # Without a keyring there is nowhere to save: the box stays off and says why above.
            save = Checkbox(self.t("connect.save"), id=f"save-{kind}", compact=True,
                            disabled=not self.info.get("keyring", False))
            await box.mount(Horizontal(prompt, save, classes="row", id=f"secret-row-{kind}"),
                            after=f"#secret-state-{kind}")
            prompt.focus()

    def check_ids(self) -> tuple[str, ...]:
        engine = self.wizard.engine
        ids = tuple(CONNECT_CHECKS.values())
        return tuple(i for i in ids if engine is None or i in engine.by_id)

    def show_settings(self) -> None:
        s = self.wizard.settings
        vc, az = s.vcenter, s.azure
        about = self.query_one("#about-vcenter", Static)
        if vc is None:
            about.update(self.t("connect.vcenter-none"))
        else:
            about.update(Text.assemble((self.t("connect.vcenter") + "  ", "bold"),
                                       self.t("connect.vcenter-about", host=vc.host, port=vc.port, user=vc.user)))
        about = self.query_one("#about-azure", Static)
        if az is None:
            about.update(self.t("connect.azure-none"))
        else:
            about.update(Text.assemble((self.t("connect.azure") + "  ", "bold"),
                                       self.t("connect.azure-about", cloud=az.cloud, vault=az.vault,
                                              group=az.resource_group, auth=az.auth)))
        cert = self.query_one("#cert-vcenter", Static)
        if vc is not None:
            if vc.thumbprint:
                cert.update(self.t("connect.cert-pinned", fingerprint=vc.thumbprint))
            elif vc.ca_file:
                cert.update(self.t("connect.cert-ca", path=vc.ca_file))
            elif vc.insecure:
                cert.update(Text(self.t("connect.cert-insecure"), style="yellow"))
            else:
                cert.update(self.t("connect.cert-reading"))
        cert = self.query_one("#cert-azure", Static)
        if az is not None:
            cert.update(self.t("connect.cert-azure", endpoint=az.arm_endpoint or self.t("connect.default-endpoint")))

    async def on_connect_probed(self, message: Any) -> None:
        self.info = dict(message.info)
        fingerprint = self.info.get("vcenter.fingerprint")
        if fingerprint:
            self.query_one("#cert-vcenter", Static).update(
                Text(self.t("connect.cert-new", fingerprint=fingerprint), style="yellow"))
            await self.mount_once("vcenter", "trust")
        for kind in KINDS:
            await self.show_secret(kind)

    async def show_secret(self, kind: str) -> None:
        origin = self.info.get(f"{kind}.secret")
        state = self.query_one(f"#secret-state-{kind}", Static)
        known = origin in ("environment", "keyring", "session")
        for row in self.query(f"#secret-row-{kind}"):
            row.display = not known
        if origin is None:
            state.update("")
            return
        if known:
            state.update(Text(self.t(f"connect.secret-from-{origin}"), style="green"))
            return
        keyring = self.info.get("keyring", False)
        text = self.t("connect.secret-needed") + ("" if keyring else " " + self.t("connect.no-keyring"))
        state.update(Text(text, style="yellow"))
        await self.mount_once(kind, "secret")

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        kind = (event.input.id or "").removeprefix("secret-")
        if kind not in KINDS or not event.value:
            return
        save = self.query_one(f"#save-{kind}", Checkbox).value
        self.wizard.use_secret(kind, event.value, save)
        event.input.value = ""
        self.info[f"{kind}.secret"] = "session"
        await self.show_secret(kind)
        self.wizard.request_checks([CONNECT_CHECKS[kind]], force=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "trust-vcenter":
            fingerprint = self.info.pop("vcenter.fingerprint", "")
            if fingerprint:
                self.wizard.trust_vcenter(fingerprint)
                self.query_one("#trust-row-vcenter").remove()
                self.show_settings()

    def refresh_results(self) -> None:
        engine = self.wizard.engine
        for kind, check_id in CONNECT_CHECKS.items():
            line = self.query_one(f"#check-{kind}", Static)
            if engine is None or check_id not in engine.by_id:
                line.update(Text(self.t("loading"), style="dim"))
                continue
            status = self.wizard.status(check_id)
            result = self.wizard.session.state.results.get(check_id)
            text = mark(self.wizard, status)
            if result is not None and status != "running":
                text.append("  " + self.wizard.texts.summary(result))
            line.update(text)

    def action_continue(self) -> None:
        if self.resumed:
            self.app.pop_screen()
            return
        from screens.overview import OverviewScreen

        self.app.switch_screen(OverviewScreen())

    def action_back(self) -> None:
        """Connect is the first step; there is nothing behind it."""
