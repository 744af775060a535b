"""The simulated site and a transcript folder for wizard tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.demo import SimulatedSite


@pytest.fixture(autouse=True)
def operator_name(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FAILBACK_PREP_OPERATOR", "oncall@jump01")
    return "oncall@jump01"


@pytest.fixture
def transcripts() -> Path:
    return Path(os.environ["FAILBACK_PREP_TRANSCRIPT_DIR"])


@pytest.fixture
def site() -> Iterator[SimulatedSite]:
    from simulators.vcenter import SimulatorUnavailable

    try:
        with SimulatedSite("windows") as running:
            yield running
    except SimulatorUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def linux_site() -> Iterator[SimulatedSite]:
    """The Linux demo site: one fix-all away from a reprotect."""
    with SimulatedSite("linux") as running:
        yield running
