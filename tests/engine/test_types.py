"""The contracts CI holds the code to: the import layers, strict types on the engine and the
controller, a reason beside every `type: ignore`, and shell modules small enough to read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("tui", "screens", "control", "checks", "simulators", "assets")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_import_contracts_hold() -> None:
    """tui -> screens -> control -> checks; inside checks, runner -> catalog -> sides -> spec/model
    (pyproject.toml, [tool.importlinter])."""
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_engine_and_the_controller_type_check_strictly() -> None:
    done = _run("mypy")  # files and strictness: pyproject.toml, [tool.mypy]
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_every_type_ignore_says_why() -> None:
    silent = []
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = re.search(r"# type: ignore(\[[^\]]*\])?(.*)$", line)
                if found and not found.group(2).strip().startswith("#"):
                    silent.append(f"{path.relative_to(ROOT)}:{number}")
    assert silent == []


def test_no_shell_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for package in ("tui", "screens") for p in (ROOT / package).glob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
