"""Chinese lines break between characters, not only at spaces.

Textual wraps at whitespace only, so a run of Chinese (which has no spaces) moves to the next line
whole and leaves the line before it half empty. Here each CJK character is a chunk of its own,
with the closing punctuation that must not start a line kept on it. Textual has no setting for
this; its wrapper reads one pattern, replaced once at start (tests/wizard/test_cjk.py shows it working).
"""

from __future__ import annotations

import re

_CJK = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_PUNCTUATION = "\u3000-\u303f\uff00-\uffef"
_CLOSING = "，。、；：！？）」』】》〉”’"
CHUNK = re.compile(rf"[{_CJK}{_PUNCTUATION}][{_CLOSING}]*\s*|[^\s{_CJK}{_PUNCTUATION}]+\s*|\s+")


def allow_breaks_between_cjk() -> None:
    from textual import _wrap

    _wrap.re_chunk = CHUNK
