"""kill -9 at random moments: what the transcript holds is whole, in order, and complete.

Headless `check` prints its report only at the end, so what was shown before a kill is
at most the report; every result it shows must be in the transcript, and every
`check.result` in the transcript carries all of its fields.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.reliability.conftest import Site
from tests.tmux import Terminals, wizard_command

RUNS = 10
SEED = 20261125
RESULT_FIELDS = {"ts", "seq", "session", "type", "id", "status", "key", "params", "evidence", "duration_ms", "reason",
                 "component", "title", "summary"}
START_FIELDS = {"ts", "seq", "session", "type", "command", "config", "lang", "operator", "version"}


def _lines(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), f"{path.name}: the last line was cut short"
    events = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}, line {number} is not JSON ({exc}): {line[:200]}")
    return events


def _check_transcript(path: Path) -> list[dict]:
    events = _lines(path)
    assert events, f"{path.name} is empty"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "seq is not contiguous from 1"
    assert len({e["session"] for e in events}) == 1
    assert events[0]["type"] == "session.start" and START_FIELDS <= set(events[0])
    for event in events:
        if event["type"] == "check.result":
            missing = RESULT_FIELDS - set(event)
            assert not missing, f"{event.get('id')}: missing {missing}"
            assert event["summary"], event
    assert path.stat().st_mode & 0o777 == 0o600
    return events


@pytest.mark.slow
def test_kill_headless_check_at_random_moments(site: Site) -> None:
    rng = random.Random(SEED)
    site.vc_proxy.latency(40)
    site.az_proxy.latency(40)
    # How long an undisturbed run takes here, so the kills spread over all of it.
    started = time.monotonic()
    full = site.run("check", "--config", str(site.config), "--format", "json")
    span = time.monotonic() - started
    assert full.returncode in (1, 3), full.stderr
    baseline = {p.name for p in site.transcripts.glob("*.jsonl")}
    killed_midway = 0
    for run in range(RUNS):
        proc = site.spawn("check", "--config", str(site.config), "--format", "json")
        time.sleep(rng.uniform(0.05, span * 1.1))
        if proc.proc.poll() is None:
            proc.proc.send_signal(signal.SIGKILL)
        code, out, err = proc.finish(timeout=60)
        killed = code == -signal.SIGKILL  # else it ended on its own just before the kill
        killed_midway += killed
        assert "Traceback" not in err
        new = sorted({p.name for p in site.transcripts.glob("*.jsonl")} - baseline)
        if not new:
            # Killed before the transcript was opened: then nothing was shown either.
            assert killed and not out.strip(), f"run {run}: output but no transcript"
            continue
        assert len(new) == 1, new
        baseline.add(new[0])
        events = _check_transcript(site.transcripts / new[0])
        recorded = {e["id"]: e for e in events if e["type"] == "check.result"}
        if out.strip():
            # Whatever the report showed is in the transcript, with the same verdict.
            report = json.loads(out)
            for entry in report["checks"]:
                assert entry["id"] in recorded, f"run {run}: {entry['id']} shown but not recorded"
                assert recorded[entry["id"]]["status"] == entry["status"]
        if not killed:
            assert code in (1, 3) and events[-1]["type"] == "session.end"
        # The cut-off session still reads back: listed as open, shown and exported without error.
        session = events[0]["session"]
        for args in (("transcript", "show", session), ("transcript", "export", session, "--format", "html")):
            shown = site.run(*args)
            assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert killed_midway >= RUNS // 2, f"only {killed_midway} of {RUNS} runs were killed while running"


# --- the wizard in a real terminal -----------------------------------------------------------------

WIZARD_RUNS = 4
# Keys that move around without opening a dialog or quitting.
WANDER = ["F9", "F9", "F9", "1", "2", "3", "4", "5", "t", "v", "p", "g", "Escape", "a", "Down", "Up"]


def _subtitle(place: dict | None) -> str:
    from checks.texts import Texts

    texts = Texts("en")
    if place is None:
        return texts.ui("wizard.screen.connect")
    if place["screen"] == "component":
        return texts.get("components", place["args"]["component"])
    return texts.ui(f"wizard.screen.{place['screen']}")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_kill_wizard_at_random_moments_and_resume(site: Site, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    site.vc_proxy.latency(20)
    site.az_proxy.latency(20)
    for run in range(WIZARD_RUNS):
        for old in site.transcripts.glob("*.jsonl"):
            old.unlink()
        with Terminals(tmp_path) as terminals:
            tmux = terminals.new()
            tmux.start(wizard_command("--config", str(site.config), "--no-mouse", **site.env))
            tmux.wait_for("Connect", first_line=True)
            # Wander for a random while, then kill -9 mid-whatever.
            until = time.monotonic() + rng.uniform(1.0, 7.0)
            while time.monotonic() < until:
                tmux.keys(rng.choice(WANDER))
                time.sleep(rng.uniform(0.05, 0.5))
            pid = tmux.wizard_pid()
            assert pid is not None, tmux.screen()
            os.kill(pid, signal.SIGKILL)
            tmux.wait_for("WIZARD-EXITED-137")
            [path] = list(site.transcripts.glob("*.jsonl"))
            events = _check_transcript(path)
            places = [e for e in events if e["type"] == "screen.shown"]
            expected = _subtitle(places[-1] if places else None)
            results = {e["id"] for e in events if e["type"] == "check.result"}
            tmux.kill_server()

            resumed = terminals.new()  # a server of its own: the first one may still be exiting
            resumed.start(wizard_command("--resume", "latest", "--no-mouse", **site.env))
            resumed.wait_for(expected, first_line=True)
            resumed.keys("q")
            resumed.wait_for("WIZARD-EXITED-0")
            [same] = list(site.transcripts.glob("*.jsonl"))
            assert same == path, "the resumed session writes on in the same transcript"
            after = _check_transcript(path)
            assert after[: len(events)] == events, "what was written before the kill stays as it was"
            assert results <= {e["id"] for e in after if e["type"] == "check.result"}
            assert after[-1]["type"] == "session.end"
