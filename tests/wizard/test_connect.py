"""Connect: trust a new vCenter certificate on first use (saved to the config), type secrets without a keyring."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Input

from checks.model import Status
from control import config, credentials
from tui.demo import SimulatedSite

from .harness import make_app, wait_for


async def test_first_use_trust_and_a_typed_secret_without_keyring(site: SimulatedSite, transcripts: Path,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    text = site.config_path.read_text()
    path.write_text(re.sub(r"(?m)^thumbprint = .*\n", "", text))
    settings = config.load(path)
    assert not settings.vcenter.thumbprint
    lookup = credentials.Lookup(settings, extra={"azure": site.secrets["azure"]})
    app = make_app(settings, lookup, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#trust-vcenter")) and bool(app.screen.query("#secret-vcenter")))
        shown = app.screen.query_one("#box-vcenter").render().plain
        fingerprint = shown.rsplit("SHA256 ", 1)[1].split()[0]
        assert "No OS keyring here" in app.screen.query_one("#box-vcenter").render().plain
        await wait_for(pilot, lambda: app.screen.query_one("#save-vcenter").disabled)  # no keyring to save into
        prompt = app.screen.query_one("#secret-vcenter", Input)
        assert prompt.password, "typed secrets are not echoed"
        await wait_for(pilot, lambda: app.focused is prompt)  # the prompt takes the keyboard when it appears
        app.screen.query_one("#trust-vcenter").focus()  # keyboard only: Tab gets there too
        await pilot.press("enter")
        prompt.focus()
        await pilot.press(*site.secrets["vcenter"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.control.session.state.results.get("vc.connect") is not None
                       and app.control.status("vc.connect") == Status.PASS, timeout=30)
    app.finish()
    assert config.load(path).vcenter.thumbprint == fingerprint, "the trusted fingerprint is saved to the config"
    transcript = app.control.session.transcript.path.read_text()
    assert site.secrets["vcenter"] not in transcript and site.secrets["vcenter"] not in path.read_text()
