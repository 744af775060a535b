"""The texts in both languages: the same keys, the same placeholders, and one word for each term."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "texts"
FILES = sorted(p.name for p in (TEXTS / "en").glob("*.toml"))
PLACEHOLDER = re.compile(r"\{(\w+)(?:\|[^{}]*)?\}")


def _flat(data: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}/"))
        elif isinstance(value, str):
            out[prefix + key] = value
    return out


def _load(lang: str, name: str) -> dict[str, str]:
    return _flat(tomllib.loads((TEXTS / lang / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", FILES)
def test_both_languages_have_the_same_keys_and_placeholders(name: str) -> None:
    en, zh = _load("en", name), _load("zh-CN", name)
    # [values] exists only in Chinese: English shows those words as the service says them.
    assert set(en) == {k for k in zh if not k.startswith("values/")}, name
    differ = {key: (sorted(set(PLACEHOLDER.findall(en[key]))), sorted(set(PLACEHOLDER.findall(zh[key]))))
              for key in en if set(PLACEHOLDER.findall(en[key])) != set(PLACEHOLDER.findall(zh[key]))}
    assert differ == {}


def test_chinese_uses_one_word_for_each_term() -> None:
    glossary = tomllib.loads((TEXTS / "glossary.toml").read_text(encoding="utf-8"))
    found = []
    for name in FILES:
        for key, text in _load("zh-CN", name).items():
            for term, entry in glossary.items():
                found += [(name, key, term, avoid) for avoid in entry["avoid"] if avoid in text]
    assert found == []


def test_a_text_with_a_glossary_term_has_its_chinese_word() -> None:
    """Where the English says "failback", the Chinese says 回切: a translation does not drift to a synonym."""
    glossary = tomllib.loads((TEXTS / "glossary.toml").read_text(encoding="utf-8"))
    missing = []
    for name in FILES:
        en, zh = _load("en", name), _load("zh-CN", name)
        for key, text in en.items():
            for term, entry in glossary.items():
                word = entry["en"]  # a word of its own: not in failback-prep, failback_vms or VMware
                found = re.search(rf"(?<![\w-]){re.escape(word)}s?(?![\w-])", text, 0 if word.isupper() else re.IGNORECASE)
                if found and entry["zh-CN"] not in zh.get(key, ""):
                    missing.append(f"{name} {key}: {entry['en']} -> {entry['zh-CN']}: {zh.get(key, '')}")
    assert missing == [], "\n".join(missing)
