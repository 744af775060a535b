"""At 80 columns the key bar shows every key the screen answers to, in full, in both languages, on at
most two lines: an operator at 3 a.m. reads the key bar, not the help."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding

from screens.base import KeyBar, described_bindings
from tests.wizard.test_snapshots import PLACES
from tests.wizard.test_ui import canned_app, to_overview

from .harness import wait_for


def shown(app) -> tuple[str, int, list[str]]:
    """The key bar's words, its height, and the keys the screen answers to that it leaves out."""
    screen = app.screen
    bar = screen.query_one(KeyBar)
    words = str(bar.render())
    missing = [f"{a.binding.key_display or a.binding.key} {app.t('key.' + a.binding.description)}"
               for a in described_bindings(screen, app.texts) if a.binding.show]
    missing = [entry for entry in missing if entry not in " ".join(words.split())]
    return words, len(words.splitlines()), missing


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_key_bar_shows_every_key_in_two_lines_at_80_columns(transcripts: Path, lang: str) -> None:
    app = canned_app(transcripts, lang=lang)
    problems: dict[str, object] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running)
        await pilot.pause()
        seen = {"connect": shown(app)}
        await to_overview(pilot)
        for name, keys in PLACES:
            await pilot.press(*keys)
            await pilot.pause()
            seen[name] = shown(app)
            while len(app.screen_stack) > 2:
                await pilot.press("escape")
        for name, (words, height, missing) in seen.items():
            if height > 2 or missing:
                problems[name] = (height, missing, words)
        overview, component = seen["overview"][0], seen["component-master-target"][0]
    assert problems == {}
    # The keys that used to hide: the component numbers, the next problem, and m for a manual step.
    assert "1-5" in overview and app.t("key.next-problem") in overview
    assert f"m {app.t('key.answer')}" in " ".join(component.split())


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_help_lists_the_screens_own_keys_in_words_with_no_raw_keys(transcripts: Path, lang: str) -> None:
    """F1 on each screen: what the screen is for and each of its keys in a sentence; no message ids,
    no keys the widgets bring along (the table's Page Left, Focus Next), no key in lower-case code."""
    app = canned_app(transcripts, lang=lang)
    problems: dict[str, list[str]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        for name, keys in (("overview", ()), *PLACES):
            if name in ("help", "answer"):
                continue
            await pilot.press(*keys)
            await pilot.pause()
            about = app.screen
            expected = [app.t("key-long." + a.binding.description) for a in described_bindings(about, app.texts)]
            await pilot.press("f1")
            await pilot.pause()
            text = str(app.screen.query_one("#help-dialog Static").render())
            wrong = [w for w in ("wizard.", "Page Left", "Page Right", "Focus", "ctrl+", "pageup", "Scroll") if w in text]
            wrong += [f"missing: {line}" for line in expected if line not in text]
            if wrong:
                problems[name] = wrong
            while len(app.screen_stack) > 2:
                await pilot.press("escape")
    assert problems == {}


async def test_dialog_key_bars_follow_textuals_own_binding_inheritance(transcripts: Path) -> None:
    """declared_bindings reads Textual's record of inherit_bindings=False: it must agree with Textual."""
    from screens.base import declared_bindings
    from screens.fix import FixScreen
    from screens.help import HelpScreen

    app = canned_app(transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        help_keys = {b.binding.key for b in app.screen.active_bindings.values()}
    assert "tab" not in help_keys and "enter" not in help_keys, "Textual: HelpScreen inherits no dialog keys"
    assert {b.key for b in declared_bindings(HelpScreen)} == {"escape,f1,q", "down", "up", "pagedown,space", "pageup"}
    assert [b.key for b in declared_bindings(FixScreen)][-3:] == ["escape", "tab", "enter"]


def test_every_key_the_wizard_binds_has_its_words_in_both_languages() -> None:
    """A binding whose text is missing would vanish from the key bar, help and palette together (they
    all list only bindings with words): every one the wizard declares must have both texts."""
    import importlib
    import pkgutil

    import screens
    from checks.texts import Texts
    from screens.base import WizardDialog, WizardScreen
    from tui.app import WizardApp

    for module in pkgutil.iter_modules(screens.__path__):
        importlib.import_module(f"screens.{module.name}")

    def subclasses(cls: type) -> list[type]:
        return [cls] + [s for sub in cls.__subclasses__() for s in subclasses(sub)]

    ours = [c for c in subclasses(WizardScreen) + subclasses(WizardDialog) + [WizardApp]
            if c.__module__.startswith(("screens.", "tui."))]
    missing = []
    for lang in ("en", "zh-CN"):
        texts = Texts(lang)
        for cls in ours:
            for binding in cls.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding) and binding.description:
                    missing += [f"{lang} {cls.__name__} {binding.key}: wizard.{kind}.{binding.description}"
                                for kind in ("key", "key-long") if not texts.has_ui(f"wizard.{kind}.{binding.description}")]
    assert missing == []
