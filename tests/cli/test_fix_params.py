"""`fix --param`: a value out of a parameter's range is refused before anything is contacted,
in one sentence that gives the range, in the operator's language, exit 2."""

from __future__ import annotations

import pytest

from checks import catalog
from checks.spec import Param
from checks.texts import Texts
from tui.errors import UsageError
from tui.headless import parse_params

CONFIG = """\
[vcenter]
host = "vcenter.corp.example"
user = "administrator@vsphere.local"
insecure = true

[site]
master_target = "mt-win01"
failback_vms = ["app01"]
"""


def test_param_bounds_are_checked_in_one_place() -> None:
    both = Param("n", int, minimum=1, maximum=10)
    assert [both.out_of_range(v) for v in (0, 1, 10, 11)] == ["range", None, None, "range"]
    assert Param("n", int, minimum=1).out_of_range(10**9) is None
    assert Param("n", int, minimum=1).out_of_range(0) == "minimum"
    assert Param("n", int, maximum=5).out_of_range(6) == "maximum"
    assert Param("n", int).out_of_range(-(10**9)) is None


def test_retention_disk_size_is_capped_at_the_vsphere_disk_limit() -> None:
    size = next(p for p in catalog.fix("mt.add-retention-disk").params if p.name == "size_gb")
    assert (size.minimum, size.maximum) == (1, 63488)
    fix = catalog.fix("mt.add-retention-disk")
    assert parse_params(fix, ["size_gb=63488"], Texts("en")) == {"size_gb": 63488}
    with pytest.raises(UsageError) as caught:
        parse_params(fix, ["size_gb=63489"], Texts("en"))
    assert str(caught.value) == "--param size_gb=63489: must be at least 1 and at most 63488"
    with pytest.raises(UsageError) as low:
        parse_params(fix, ["size_gb=0"], Texts("en"))
    assert "size_gb=0: must be at least 1" in str(low.value)  # what runbooks already match on
    with pytest.raises(UsageError) as chinese:
        parse_params(fix, ["size_gb=70000"], Texts("zh-CN"))
    assert str(chinese.value) == "--param size_gb=70000：必须在 1 到 63488 之间（含两端）"


@pytest.mark.parametrize(("lang", "expected"), [("en", "must be at least 1 and at most 63488"),
                                                ("zh-CN", "必须在 1 到 63488 之间")])
def test_cli_refuses_an_absurd_size_at_once(cli, tmp_path, lang, expected) -> None:
    config = tmp_path / "site.toml"
    config.write_text(CONFIG, encoding="utf-8")
    # vcenter.corp.example is never contacted: the value is refused before any source is opened.
    done = cli("fix", "mt.add-retention-disk", "--config", str(config), "--lang", lang, "--dry-run",
               "--param", "size_gb=1000000", "--transcript-dir", str(tmp_path / "t"))
    assert done.returncode == 2
    assert expected in done.stderr and "size_gb=1000000" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t").exists(), "nothing was started, not even a transcript"
