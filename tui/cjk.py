"""Chinese lines break between characters, not only at spaces.

Textual wraps a Static's text (and a notification's) with Rich's `divide_line`, which breaks at
whitespace only: a run of Chinese, which has no spaces, moves to the next line whole and leaves the
line before it half empty. Rich finds the words to break between with one pattern, `rich._wrap.re_word`;
here it becomes one that also makes each CJK character a word of its own, with the closing
punctuation that must not start a line kept on it. Neither Rich nor Textual has a setting for this,
so this is the one shim: installed for zh-CN sessions only, and refused (the wizard then wraps at spaces)
if Rich no longer has the pattern; tests/wizard/test_cjk.py renders a Static through Textual to prove
it works with the installed versions.
"""

from __future__ import annotations

import re

_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"
_CLOSING = "，。、；：！？）」』】》〉”’"
# Rich's own pattern is r"\s*\S+\s*": a word with the whitespace around it. The same, plus CJK.
WORD = re.compile(rf"\s*(?:[{_CJK}{_PUNCTUATION}][{_CLOSING}]*|[^\s{_CJK}{_PUNCTUATION}]+)\s*")


def allow_breaks_between_cjk() -> bool:
    """Install the pattern; False (nothing changed) where Rich's wrapper is not the one expected."""
    try:
        from rich import _wrap
    except ImportError:
        return False
    if not isinstance(getattr(_wrap, "re_word", None), re.Pattern) or not callable(getattr(_wrap, "words", None)):
        return False
    _wrap.re_word = WORD
    return True


def restore_breaks() -> None:
    """Rich's own pattern again (tests; a process that serves another language next)."""
    from rich import _wrap

    _wrap.re_word = re.compile(r"\s*\S+\s*")
