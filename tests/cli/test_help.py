"""Every --help says the exit codes and where secrets come from; fix --help lists the fix ids."""

from __future__ import annotations

import subprocess
import sys

import pytest

from checks import catalog


def helped(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tui", *args, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", [(), ("check",), ("fix",), ("demo",), ("creds",), ("transcript",)])
def test_every_help_lists_the_exit_codes_and_the_secret_variables(command: tuple[str, ...]) -> None:
    out = helped(*command)
    assert "exit codes (check, fix): 0 nothing failed" in out and "3 no failure but something" in out
    assert "FAILBACK_PREP_VCENTER_PASSWORD" in out and "FAILBACK_PREP_AZURE_CLIENT_SECRET" in out


def test_fix_help_lists_every_fix_id_in_the_language_asked_for() -> None:
    english = helped("fix")
    assert all(f"  {fix_id} " in english for fix_id in catalog.all_fixes())
    chinese = helped("--lang", "zh-CN", "fix")
    assert "退出码" in chinese and "删除主目标服务器的全部快照" in chinese


def test_global_options_work_after_the_command_too() -> None:
    done = subprocess.run([sys.executable, "-m", "tui", "check", "--lang", "zh-CN", "--config", "/nonexistent.toml"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unrecognized" not in done.stderr and "/nonexistent.toml" in done.stderr
