"""Every vCenter text exists in English and Simplified Chinese, and every verdict key has one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from checks import vcenter

ROOT = Path(__file__).resolve().parents[2]


def _load(lang: str) -> dict:
    return tomllib.loads((ROOT / "assets" / "texts" / lang / "vcenter.toml").read_text(encoding="utf-8"))


def _keys(data: dict, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in data.items():
        found |= _keys(value, f"{prefix}{key}/") if isinstance(value, dict) else {prefix + key}
    return found


def test_same_keys_in_both_languages():
    assert _keys(_load("en")) == _keys(_load("zh-CN"))


def test_every_check_and_fix_has_texts():
    en = _load("en")
    for check in vcenter.CHECKS:
        assert {"title", "remedy", "summary"} <= set(en["checks"][check.id]), check.id
    for fix in vcenter.FIXES:
        assert "title" in en["fixes"][fix.id], fix.id


def test_every_verdict_key_has_a_summary():
    en = _load("en")
    code = "".join(p.read_text() for p in (ROOT / "checks" / "vcenter").glob("*.py"))
    used = set(re.findall(r'verdict\(\s*Status\.\w+,\s*"([^"]+)"', code))
    known = set(en["result"])
    for check in vcenter.CHECKS:
        known |= set(en["checks"][check.id]["summary"])
    assert used - known == set()


def test_chinese_texts_are_chinese():
    zh = _load("zh-CN")
    for check_id, text in zh["checks"].items():
        assert re.search(r"[\u4e00-\u9fff]", text["title"]), check_id
