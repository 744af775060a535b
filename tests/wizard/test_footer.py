"""At 80 columns every key the footer shows, and the palette key, must be there in full, in both
languages: an operator at 3 a.m. reads the footer, not the help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer

from tests.wizard.test_snapshots import PLACES
from tests.wizard.test_ui import canned_app, to_overview

from .harness import wait_for


def overflow(app) -> int:  # type: ignore[no-untyped-def]
    """Columns the footer's keys need beyond the width they have (0 when they fit)."""
    footers = app.screen.query(Footer)  # a dialog has none: the screen under it shows its own
    return max((f.virtual_size.width - f.size.width for f in footers), default=0)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_footer_fits_80_columns_on_every_screen(transcripts: Path, lang: str) -> None:
    app = canned_app(transcripts, lang=lang)
    too_wide: dict[str, int] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and not app.running)
        await pilot.pause()
        too_wide["connect"] = overflow(app)
        await to_overview(pilot)
        for name, keys in PLACES:
            await pilot.press(*keys)
            await pilot.pause()
            too_wide[name] = overflow(app)
            while len(app.screen_stack) > 2:
                await pilot.press("escape")
    assert {k: v for k, v in too_wide.items() if v} == {}
