"""Chinese wraps between characters: a line is filled before it breaks."""

from __future__ import annotations

import re

from textual import _wrap
from textual._wrap import compute_wrap_offsets

from tui.cjk import CHUNK, allow_breaks_between_cjk

# As the texts mix them: a name, then a run of Chinese with no space in it.
MIXED = "mt-win01 有 2 个快照：before-patch。处理办法：删除主目标服务器的全部快照，修复操作会删除快照并合并磁盘。"


def lines(text: str, width: int) -> list[str]:
    offsets = [0, *compute_wrap_offsets(text, width, 4), len(text)]
    return [text[a:b] for a, b in zip(offsets, offsets[1:])]


def test_a_chinese_run_fills_the_line_before_it_breaks() -> None:
    original = _wrap.re_chunk
    try:
        _wrap.re_chunk = re.compile(r"\S+\s*|\s+")  # spaces only, as Textual does by itself
        before = lines(MIXED, 40)
        allow_breaks_between_cjk()
        after = lines(MIXED, 40)
    finally:
        _wrap.re_chunk = original
    assert len(before[0]) < 20, before  # the run after "2 " moved to the next line whole
    widths = [sum(2 if ord(c) > 0x2e80 else 1 for c in line) for line in after]
    assert all(width >= 37 for width in widths[:-1]), after
    assert not any(line.startswith(("，", "。")) for line in after), "no line starts with closing punctuation"


def test_english_still_breaks_at_spaces() -> None:
    allow_breaks_between_cjk()
    assert lines("the master target needs no snapshots", 20) == ["the master target ", "needs no snapshots"]
    assert CHUNK.match("mt-win01，").group(0) == "mt-win01"
