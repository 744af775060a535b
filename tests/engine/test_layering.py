"""The engine stays UI-free, and texts exist in both languages."""

from __future__ import annotations

import subprocess
import sys

from checks import catalog
from checks.texts import LANGUAGES, load_language
from tests.conftest import ROOT


def test_checks_does_not_import_textual():
    code = (
        "import sys, checks.catalog, checks.runner, checks.report, checks.texts;"
        "import checks.vcenter, checks.azure, checks.network;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'screens'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_in_checks_names_textual():
    offenders = [p for p in (ROOT / "checks").rglob("*.py") if "textual" in p.read_text(encoding="utf-8")]
    assert offenders == []


def _keys(data, prefix=""):
    keys = set()
    for key, value in data.items():
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}/")
        else:
            keys.add(prefix + key)
    return keys


def test_both_languages_have_the_same_texts():
    en, zh = (_keys(load_language(lang)) for lang in LANGUAGES)
    assert sorted(en - zh) == [], "missing in zh-CN"
    assert sorted(zh - en) == [], "missing in en"


def test_every_check_and_fix_has_a_title_and_remedy_in_both_languages():
    for lang in LANGUAGES:
        data = load_language(lang)
        for check in catalog.all_checks():
            entry = data.get("checks", {}).get(check.id, {})
            assert entry.get("title"), f"{lang}: {check.id} has no title"
            assert entry.get("remedy"), f"{lang}: {check.id} has no remedy"
        for fix_id in catalog.all_fixes():
            assert data.get("fixes", {}).get(fix_id, {}).get("title"), f"{lang}: {fix_id} has no title"


def test_check_ids_follow_the_contract_order():
    ids = [c.id for c in catalog.all_checks()]
    assert all(i in catalog.ORDER for i in ids), set(ids) - set(catalog.ORDER)
