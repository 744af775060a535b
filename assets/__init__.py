"""Package data: texts in each language and styles.

The wheel installs these as plain files next to this module (pip, pipx and uv tool do not run
packages from zip files), so they are read by path. importlib.resources would cost the wizard's
first screen a noticeable slice of its start-up for the same result.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """The file or folder under assets/ named by these parts."""
    return HERE.joinpath(*parts)


def read_text(*parts: str) -> str:
    return path(*parts).read_text(encoding="utf-8")
