"""One language path: the engine says everything by key, and every such sentence exists in Chinese
without English in it; nothing inside checks/ reads a process-wide language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.texts import Texts
from tests.english import english_words

CHECKS = Path(__file__).resolve().parents[2] / "checks"

# Keys the fix-its build at run time, beside the ones written out in the sources.
DYNAMIC = ("vcenter-fixes:when-sent", "vcenter-fixes:when-sent-no-task", "vcenter-fixes:when-following",
           "vcenter-fixes:op-add", "vcenter-fixes:op-edit", "vcenter-fixes:architecture-classic",
           "vcenter-fixes:architecture-unknown",
           # checks/azure/operations.py words these by the operation: f"{kind}-not-allowed", f"kind-{kind}"
           "operations:failover-not-allowed", "operations:commit-not-allowed", "operations:kind-reprotect",
           "operations:kind-failover", "operations:kind-commit", "operations:kind-protect")
PATTERNS = (
    (re.compile(r'\bsaid_op\("([a-z-]+)"'), "operations:{}"),  # checks/azure/operations.py
    (re.compile(r'\bsay\("([a-z-]+)"'), "vcenter-fixes:{}"),  # checks/vcenter/fixes.py
    (re.compile(r'\b_said\("([a-z-]+)"'), "fixes:cs.refresh:{}"),  # checks/azure/refresh.py
    (re.compile(r'AzureUnavailable\("([a-z-]+)"'), "azure-errors:{}"),
    (re.compile(r'Said\("([a-z-]+:[a-z.:-]+)"'), "{}"),
    (re.compile(r'key="([a-z-]+:[a-z.:-]+)"'), "{}"),
)


def engine_keys() -> list[str]:
    found = set(DYNAMIC)
    for path in CHECKS.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern, form in PATTERNS:
            found |= {form.format(key) for key in pattern.findall(source)}
    found |= {f"check:vc.connect:{kind}" for kind in re.findall(r'ConnectError\(\s*"([a-z-]+)"',
                                                                   (CHECKS / "vcenter" / "connection.py").read_text())}
    found.discard("raw:text")  # a sentence that came worded already (a test's, or a plain str given to FixError)
    return sorted(found)


def test_the_engine_says_enough_by_key_to_be_worth_checking() -> None:
    keys = engine_keys()
    assert len(keys) > 60 and any(k.startswith("vcenter-fixes:progress") for k in keys)
    assert any(k.startswith("fixes:cs.refresh:") for k in keys) and "reasons:no-azure-table" in keys


@pytest.mark.parametrize("key", engine_keys())
def test_every_sentence_of_the_engine_is_chinese_in_chinese(key: str) -> None:
    # Each placeholder filled with a name, as the engine fills them with the site's names and ids.
    names = set(re.findall(r"\{(\w+)", Texts("en").reason_text(key, {}) + Texts("zh-CN").reason_text(key, {})))
    params = {name: "mt-win01" for name in names}
    english = Texts("en").reason_text(key, params)
    chinese = Texts("zh-CN").reason_text(key, params)
    assert english and chinese, f"{key}: no text"
    assert chinese != english, f"{key}: not translated"
    assert english_words(chinese) == set(), f"{key}: {chinese}"


def test_nothing_in_the_engine_reads_a_process_wide_language() -> None:
    readers = re.compile(r"FAILBACK_PREP_LANG|detect_language|getlocale|LC_ALL|LC_MESSAGES|environ\.get\(\"LANG")
    found = [f"{p.relative_to(CHECKS)}:{n}" for p in CHECKS.rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if readers.search(line)]
    assert found == []


def test_names_in_a_fix_its_sentence_are_kept_as_the_service_gave_them() -> None:
    """A datastore, snapshot or pod may be named like a status word ("Error", "Normal", "Running"):
    in Chinese the name the operator types must still read as it is in vCenter."""
    from checks.model import said
    from checks.texts import Texts

    text = Texts("zh-CN").say(said("raw:text", text="x"))  # a sentence that came worded stays as it is
    assert text == "x"
    zh = Texts("zh-CN")
    assert zh.value("Running") != "Running", "the [values] table translates a status word on its own"
    sentence = zh.say(said("fixes:net.probe-inside:skip-deallocated", vm="Running"))
    assert "Running" in sentence


def test_the_run_time_check_catches_english_and_passes_keys() -> None:
    """tests/conftest.py holds every fix-it a test runs to the one language path; it would catch this."""
    from checks import catalog
    from checks.model import Said
    from tests.conftest import _unworded

    assert _unworded(Said("raw:text", {"text": "The master target's host does not reach the datastore"}))
    assert _unworded(Said("vcenter-fixes:no-such-key"))
    assert _unworded(Said("fixes:net.probe-inside:run-on", {"vm": "app01"})) is None
    assert _unworded(Said("raw:code", {"text": "foreach ($t in @()) {"})) is None
    assert "wrapped" in catalog.all_fixes()["mt.set-disk-enableuuid"].apply.__qualname__, "every fix-it is heard"
