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


def test_a_text_is_defined_in_one_file_only_so_parse_order_cannot_matter():
    import tomllib

    import assets

    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for path in sorted(assets.path("texts", lang).glob("*.toml")):
            for key in _keys(tomllib.loads(path.read_text(encoding="utf-8"))):
                assert key not in seen, f"{lang}: {key} is in {seen[key]} and {path.name}"
                seen[key] = path.name


def test_texts_parse_a_file_only_when_one_of_its_tables_is_asked_for():
    code = (
        "import checks.texts as t;"
        "texts = t.Texts('zh-CN'); texts.ui('wizard.title');"
        "zh, en = t._language('zh-CN'), t._language('en');"
        "print(sorted(zh._unparsed), sorted(en._unparsed));"
        "texts.load_all(); print(sorted(zh._unparsed), sorted(en._unparsed))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    first, after = done.stdout.splitlines()
    # The wizard's first screen: only the files with a [ui] table, and no English when nothing is missing.
    assert first == ("['azure.toml', 'network.toml', 'vcenter.toml'] "
                     "['azure.toml', 'cli.toml', 'engine.toml', 'network.toml', 'vcenter.toml', 'wizard.toml']")
    assert after == "[] []"


def test_lazily_parsed_texts_read_the_same_as_all_files_merged():
    from checks.texts import Texts, _Language

    for lang in LANGUAGES:
        eager = _Language(lang).everything()
        texts = Texts(lang)
        texts._data, texts._en = _Language(lang), _Language("en")  # nothing parsed yet
        for table, entries in eager.items():
            for key in entries:
                assert texts._lookup(table, key) == eager[table][key], (lang, table, key)
