"""Which language a command speaks: asked for, else FAILBACK_PREP_LANG, else the system locale.

Read here, at the edge, once per command; the engine (checks/) is handed a Texts and never looks.
"""

from __future__ import annotations

import locale
import os

from checks.texts import normalize_language


def detect_language(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get("FAILBACK_PREP_LANG")):
        if value:
            return normalize_language(value)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "zh-CN" if code.lower().startswith("zh") else "en"
