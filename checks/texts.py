"""Every sentence the product shows lives in assets/texts/<lang>/*.toml, not in code.

A language folder holds several TOML files (one per area) that are merged. Each may
have these tables:

    [checks."mt.disk-enableuuid"]       title, remedy, and summary.<key> templates
    [fixes."mt.set-disk-enableuuid"]    title, and any further keys the fix uses
    [ui]                                flat "screen.thing" = "text" entries
    [components] / [steps] / ...        other flat tables, read by key

Templates use {name} placeholders; lists are joined with ", ". A key missing in a
language falls back to English, so a gap shows English rather than a key.
"""

from __future__ import annotations

import functools
import locale
import os
import tomllib
from collections.abc import Mapping
from typing import Any

import assets
from checks.model import Result, Status

LANGUAGES = ("en", "zh-CN")


def detect_language(explicit: str | None = None) -> str:
    """The language asked for, else FAILBACK_PREP_LANG, else the system locale."""
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


def normalize_language(value: str) -> str:
    low = value.strip().lower().replace("_", "-")
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("en"):
        return "en"
    raise ValueError(f"unknown language {value!r}: use one of {', '.join(LANGUAGES)}")


def _merge(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


@functools.cache
def load_language(lang: str) -> dict[str, Any]:
    folder = assets.path("texts", lang)
    merged: dict[str, Any] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _merge(merged, tomllib.loads(entry.read_text(encoding="utf-8")))
    return merged


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_show(v) for v in value) if value else "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render(template: str, params: Mapping[str, Any]) -> str:
    return template.format_map(_Keep({k: _show(v) for k, v in params.items()}))


class Texts:
    def __init__(self, lang: str = "en") -> None:
        self.lang = normalize_language(lang)
        self._data = load_language(self.lang)
        self._en = load_language("en")

    def _lookup(self, *path: str) -> Any:
        for data in (self._data, self._en):
            node: Any = data
            for part in path:
                if not isinstance(node, Mapping) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return node
        return None

    def get(self, table: str, key: str, **params: Any) -> str:
        value = self._lookup(table, key)
        if value is None:
            return key
        return render(str(value), params)

    def ui(self, key: str, **params: Any) -> str:
        return self.get("ui", key, **params)

    def check_title(self, check_id: str) -> str:
        return str(self._lookup("checks", check_id, "title") or check_id)

    def check_remedy(self, check_id: str) -> str:
        return str(self._lookup("checks", check_id, "remedy") or "")

    def fix_title(self, fix_id: str) -> str:
        return str(self._lookup("fixes", fix_id, "title") or fix_id)

    def fix_text(self, fix_id: str, key: str, **params: Any) -> str:
        value = self._lookup("fixes", fix_id, key)
        return render(str(value), params) if value is not None else key

    def summary(self, result: Result) -> str:
        """The one-line summary of a result, in this language."""
        template = self._lookup("checks", result.id, "summary", result.key)
        if template is None:
            template = self._lookup("result", result.key)
        params = dict(result.params)
        params.setdefault("reason", result.reason)
        if template is None:
            return result.reason or result.key
        return render(str(template), params)

    def status(self, status: Status) -> str:
        return self.get("status", str(status))
