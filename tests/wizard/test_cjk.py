"""Chinese wraps between characters: a line is filled before it breaks, on screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.cjk import WORD, allow_breaks_between_cjk, restore_breaks

# As the texts mix them: a name, then a run of Chinese with no space in it.
MIXED = "mt-win01 有 2 个快照：before-patch。处理办法：删除主目标服务器的全部快照，修复操作会删除快照并合并磁盘。"


class OneStatic(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.text)


async def shown(text: str, width: int) -> list[str]:
    """The lines a Static draws the text in, `width` columns wide."""
    app = OneStatic(text)
    async with app.run_test(size=(width, 10)) as pilot:
        await pilot.pause()
        static = app.query_one(Static)
        strips = static.render_lines(static.region.reset_offset)
        return [strip.text.rstrip() for strip in strips if strip.text.strip()]


def cells(line: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in line)


@pytest.fixture
def cjk() -> Iterator[None]:
    assert allow_breaks_between_cjk(), "Rich's wrapper changed: tui/cjk.py no longer applies"
    yield
    restore_breaks()


async def test_without_it_a_chinese_run_leaves_the_line_half_empty() -> None:
    restore_breaks()
    before = await shown(MIXED, 40)
    assert cells(before[0]) < 20, before


async def test_a_chinese_run_fills_the_line_before_it_breaks(cjk: None) -> None:
    after = await shown(MIXED, 40)
    assert all(cells(line) >= 37 for line in after[:-1]), after
    assert "".join(after).replace(" ", "") == MIXED.replace(" ", ""), "nothing lost or doubled"
    assert not any(line.startswith(("，", "。", "：")) for line in after), "no line starts with closing punctuation"


async def test_english_still_breaks_at_spaces(cjk: None) -> None:
    assert await shown("the master target needs no snapshots", 20) == ["the master target", "needs no snapshots"]
    assert WORD.match("mt-win01，").group(0) == "mt-win01"
