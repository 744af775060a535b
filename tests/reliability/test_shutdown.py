"""Closing the sessions after the checks must not hold up the report."""

from __future__ import annotations

import json
import time

import pytest

from tests.reliability.conftest import ALL_CHECK_IDS, Site, assert_complete_report


def _results_written(site: Site) -> int:
    count = 0
    for path in site.transcripts.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                count += json.loads(line).get("type") == "check.result"
            except ValueError:
                pass
    return count


@pytest.mark.slow
def test_report_comes_before_a_stalled_logout(site: Site) -> None:
    """vCenter stops answering once every check has its result (the logout is what is left to send):
    the report is printed at once, not after the logout's timeout, and the process then ends."""
    site.vc_proxy.latency(200)  # the logout request waits in the proxy long enough to be swallowed
    proc = site.spawn("check", "--config", str(site.config), "--format", "json")
    deadline = time.monotonic() + 60
    while _results_written(site) < len(ALL_CHECK_IDS):
        assert time.monotonic() < deadline and proc.proc.poll() is None, "".join(proc.err)
        time.sleep(0.01)
    site.vc_proxy.stall()
    stalled = time.monotonic()
    assert proc.wait_line('"schema"', "out", timeout=5), "the report waited for the vCenter logout"
    site.vc_proxy.reset()  # the logout gives up at once instead of after its 20 s timeout
    code, out, err = proc.finish(timeout=60)
    assert time.monotonic() - stalled < 30
    assert_complete_report(code, out, err)
