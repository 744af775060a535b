"""Every sentence the product shows lives in assets/texts/<lang>/*.toml, not in code.

A language folder holds several TOML files (one per area) that are merged. Each may
have these tables:

    [checks."mt.disk-enableuuid"]       title, remedy, and summary.<key> templates
    [fixes."mt.set-disk-enableuuid"]    title, and any further keys the fix uses
    [ui]                                flat "screen.thing" = "text" entries
    [components] / [steps] / ...        other flat tables, read by key

Templates use {name} placeholders; lists are joined with ", ". A key missing in a
language falls back to English, so a gap shows English rather than a key.

Parsing TOML is slow next to the rest of a start-up, and the first screen needs only the
[ui] table: a language's files are read at once but each is parsed when a table it defines
is first asked for. A key is defined in one file only (tested), so the order files happen to
be parsed in cannot change a text.
"""

from __future__ import annotations

import functools
import re
import threading
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import assets
from checks.model import Said, Status

if TYPE_CHECKING:
    from checks.spec import Result

LANGUAGES = ("en", "zh-CN")


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


# The first name of every table header: [ui], [checks."mt.x"], [[list]]. Over-matching (a line
# inside a multi-line string that starts with "[") only parses a file sooner than needed.
_TABLE_HEADER = re.compile(r'^[ \t]*\[+[ \t]*"?([A-Za-z0-9_-]+)', re.MULTILINE)


class _Language:
    """One language's files: read now, each parsed the first time one of its tables is asked for."""

    def __init__(self, lang: str) -> None:
        folder = assets.path("texts", lang)
        self._unparsed = {p.name: p.read_text(encoding="utf-8")
                          for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".toml")}
        self._files_of: dict[str, list[str]] = {}
        for name, text in self._unparsed.items():
            for table in dict.fromkeys(_TABLE_HEADER.findall(text)):
                self._files_of.setdefault(table, []).append(name)
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()  # the wizard's UI thread and its workers both read texts

    def table(self, name: str) -> Any:
        with self._lock:
            for file in self._files_of.get(name, ()):
                text = self._unparsed.pop(file, None)
                if text is not None:
                    _merge(self._data, tomllib.loads(text))
            return self._data.get(name)

    def everything(self) -> dict[str, Any]:
        with self._lock:
            for file in list(self._unparsed):
                _merge(self._data, tomllib.loads(self._unparsed.pop(file)))
            return self._data


@functools.cache
def _language(lang: str) -> _Language:
    return _Language(lang)


def load_language(lang: str) -> dict[str, Any]:
    """Every text of a language, merged from all its files."""
    return _language(lang).everything()


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_show(v) for v in value) if value else "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# "{count|VM|VMs}": the first word when the number is 1, else the second (English plurals).
_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def render(template: str, params: Mapping[str, Any]) -> str:
    def plural(match: re.Match[str]) -> str:
        value = params.get(match.group(1))
        return match.group(2) if value == 1 or value == "1" else match.group(3)

    return _PLURAL.sub(plural, template).format_map(_Keep({k: _show(v) for k, v in params.items()}))


# Results the engine gave when a check could not decide (checks.runner): their reason is the whole story.
UNDECIDED_KEYS = frozenset({"unavailable", "raised", "timeout", "cancelled"})

# Typographic punctuation in the texts, and its ASCII stand-in for terminals that draw ASCII only.
_PLAIN = str.maketrans({"…": "...", "—": "-", "–": "-", "→": "->", "‘": "'", "’": "'", "“": '"', "”": '"',
                        "•": "-"})


class Texts:
    def __init__(self, lang: str = "en", *, plain: bool = False) -> None:
        self.lang = normalize_language(lang)
        self._data = _language(self.lang)
        self._en = _language("en")
        # --basic: ASCII punctuation (English is then ASCII throughout; Chinese keeps its characters).
        self.plain = plain

    def load_all(self) -> None:
        """Parse what is not parsed yet (from a worker, so the UI thread never waits for it)."""
        self._data.everything()
        self._en.everything()

    def _lookup(self, table: str, *path: str) -> Any:
        for data in (self._data, self._en):
            node: Any = data.table(table)
            for part in path:
                if not isinstance(node, Mapping) or part not in node:
                    node = None
                    break
                node = node[part]
            if node is not None:
                return node.translate(_PLAIN) if self.plain and isinstance(node, str) else node
        return None

    def get(self, table: str, key: str, **params: Any) -> str:
        value = self._lookup(table, key)
        if value is None:
            return key
        return render(str(value), {k: self.say(v) if isinstance(v, Said) else v for k, v in params.items()})

    def ui(self, key: str, **params: Any) -> str:
        return self.get("ui", key, **params)

    def has_ui(self, key: str) -> bool:
        return self._lookup("ui", key) is not None

    def check_title(self, check_id: str) -> str:
        return str(self._lookup("checks", check_id, "title") or check_id)

    def check_remedy(self, check_id: str) -> str:
        return str(self._lookup("checks", check_id, "remedy") or "")

    def remedy(self, result: Result) -> str:
        """What to do about this result: the remedy written for what was found (its summary key, else
        its first part that has one), else the check's general remedy. Nothing for a result the
        engine could not decide: its reason already says what to do."""
        if result.key in UNDECIDED_KEYS:
            return ""
        found = self._lookup("checks", result.id, "remedies", result.key)
        if found is not None:
            return render(str(found), {k: self.value(v) for k, v in result.params.items()})
        for part in result.params.get("parts", ()):
            found = self._lookup("checks", result.id, "remedies", str(part.get("key"))) if isinstance(part, Mapping) else None
            if found is not None:
                return render(str(found), {**{k: self.value(v) for k, v in result.params.items()},
                                           **self._part_params(part)})
        return self.check_remedy(result.id)

    def _part_params(self, part: Mapping[str, Any]) -> dict[str, Any]:
        params = {key: self.value(value) for key, value in part.items() if key != "key"}
        if "role" in part:  # a component named by its key ("master_target") is shown in words
            params["role"] = self._lookup("roles", str(part["role"])) or part["role"]
        return {**params, "key": part.get("key")}

    def fix_title(self, fix_id: str) -> str:
        return str(self._lookup("fixes", fix_id, "title") or fix_id)

    def fix_text(self, fix_id: str, key: str, **params: Any) -> str:
        value = self._lookup("fixes", fix_id, key)
        return render(str(value), params) if value is not None else key

    def value(self, raw: Any) -> Any:
        """A word the tool passes on as the service or the probe said it ("Running", "TLS ok",
        "deallocated"), in this language where the [values] table has it; a reason passed on as a
        value ({"text", "reason_key", "reason_params"}) in this language; anything else as it is."""
        if isinstance(raw, Said):
            return self.say(raw)
        if isinstance(raw, Mapping) and "reason_key" in raw:
            params = raw.get("reason_params")
            key = str(raw.get("reason_key") or "")
            return (self.reason_text(key, params if isinstance(params, Mapping) else {}) if key else "") \
                or str(raw.get("text", ""))
        if isinstance(raw, str):
            found = self._lookup("values", raw)
            return found if isinstance(found, str) else raw
        if isinstance(raw, (list, tuple)):
            return [self.value(item) for item in raw]
        return raw

    def reason(self, result: Result) -> str:
        """Why a check could not decide or was not run, in this language: from the reason's text key
        when the engine gave one (checks.model.SourceUnavailable), else as it was said."""
        evidence = result.evidence if isinstance(result.evidence, Mapping) else {}
        key = str(evidence.get("reason_key") or "")
        params = evidence.get("reason_params")
        found = self.reason_text(key, params if isinstance(params, Mapping) else {}) if key else ""
        return found or result.reason

    def reason_text(self, key: str, params: Mapping[str, Any]) -> str:
        """A sentence by key (checks.model.Said): "<table>:<key>[:<key>...]", or "check:<id>:<summary key>"
        (that summary with its remedy); "raw:text" is a sentence that came already worded (its {text}),
        "raw:code" a line of code shown as it is (a script), in no language.
        Empty when this language and English both lack it."""
        # Only sentences within are worded here (a Said, a reason); a plain value is a name or a word
        # as the service gave it, kept exactly: a datastore called "Error" must read "Error" to be typed.
        values = {k: self.value(v) if isinstance(v, (Said, Mapping)) else v for k, v in params.items()}
        kind, _, rest = key.partition(":")
        if kind == "raw":
            return str(values.get("text", ""))
        if kind == "check":
            check_id, _, summary_key = rest.rpartition(":")
            said = self._lookup("checks", check_id, "summary", summary_key)
            todo = self._lookup("checks", check_id, "remedies", summary_key)
            space = "" if self.lang == "zh-CN" else " "  # Chinese sentences follow each other unspaced
            return space.join(render(str(t), values) for t in (said, todo) if t is not None)
        found = self._lookup(kind, *rest.split(":"))
        return render(str(found), values) if found is not None else ""

    def say(self, said: Said | None) -> str:
        """A sentence the engine gave by key, in this language (its key when no text has it)."""
        if said is None:
            return ""
        return self.reason_text(said.key, said.params) or said.key

    def summary(self, result: Result) -> str:
        """The one-line summary of a result, in this language.

        A verdict that finds several things names each as a part ({"key": ..., params}); each is
        rendered from the check's `part.<key>` text and the parts fill the summary's {parts}.
        """
        template = self._lookup("checks", result.id, "summary", result.key)
        if template is None:
            template = self._lookup("result", result.key)
        params = {key: self.value(value) for key, value in result.params.items()}
        params.setdefault("reason", self.reason(result))
        if isinstance(params.get("parts"), (list, tuple)):
            params["parts"] = self.parts(result.id, params["parts"])
        if template is None:
            return self.reason(result) or result.key
        return render(str(template), params)

    def parts(self, check_id: str, parts: Any) -> str:
        rendered = []
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            template = self._lookup("checks", check_id, "part", str(part.get("key", "")))
            part = self._part_params(part)
            rendered.append(render(str(template), part) if template is not None else str(part.get("key", "")))
        separator = self._lookup("result", "part-separator") or "; "
        return str(separator).join(rendered) or "-"

    def status(self, status: Status) -> str:
        return self.get("status", str(status))
