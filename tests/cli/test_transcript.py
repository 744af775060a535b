"""Transcripts: appended per event, readable after a kill, exported in the session's language."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

from control import transcript
from control.transcript import Transcript


def test_each_event_is_on_disk_before_write_returns(tmp_path):
    log = Transcript(tmp_path)
    log.write("session.start", command="check")
    log.write("note", text="first")
    # Read back without closing: the writer holds nothing in a buffer.
    events = list(transcript.read(log.path))
    assert [e["type"] for e in events] == ["session.start", "note"]
    log.close()


def test_a_line_cut_short_by_a_kill_is_skipped(tmp_path):
    log = Transcript(tmp_path)
    log.write("session.start", command="check")
    log.close()
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"ts": "2026-11-25T00:00:00Z", "seq": 2, "type": "no')
    assert [e["type"] for e in transcript.read(log.path)] == ["session.start"]
    # Appending after resume continues the sequence.
    again = Transcript(tmp_path, path=log.path)
    again.write("note", text="resumed")
    again.close()
    assert [e["seq"] for e in transcript.read(log.path)] == [1, 2]


def test_a_killed_writer_leaves_only_whole_lines(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(os.getcwd())!r})
        from pathlib import Path
        from control.transcript import Transcript
        t = Transcript(Path({str(tmp_path)!r}))
        print(t.path, flush=True)
        i = 0
        while True:
            i += 1
            t.write("note", text="x" * (i % 500))
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    path = proc.stdout.readline().strip()
    import time

    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lines = open(path, encoding="utf-8").read().splitlines()
    assert len(lines) > 100
    for number, line in enumerate(lines[:-1], 1):
        event = json.loads(line)
        assert event["seq"] == number


def test_secrets_are_removed_before_writing(tmp_path):
    log = Transcript(tmp_path, redact=lambda s: s.replace("pa55-unique", "********"))
    log.write("note", text="password was pa55-unique")
    log.close()
    assert "pa55-unique" not in log.path.read_text()


def test_export_speaks_the_session_language(cli, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('[answers]\n"ps.bandwidth" = { status = "confirmed", note = "10 Gbps" }\n', encoding="utf-8")
    folder = tmp_path / "tr"
    done = cli("check", "--config", str(site), "--lang", "zh-CN", "--only", "ps.bandwidth",
               "--transcript-dir", str(folder))
    assert done.returncode == 0, done.stderr
    md = cli("transcript", "export", "latest", "--transcript-dir", str(folder))
    assert "尚未确认可以重新保护" in md.stdout and "## Azure 中的进程服务器" in md.stdout
    assert "VPN 或 ExpressRoute 的带宽" in md.stdout
    english = cli("transcript", "export", "latest", "--lang", "en", "--transcript-dir", str(folder))
    assert "## Process server in Azure" in english.stdout
    from checks import catalog

    not_run = len(catalog.all_checks()) - 1  # every check but ps.bandwidth
    assert f"NOT CONFIRMED READY: nothing failed, but {not_run} checks were not run." in english.stdout
    out = tmp_path / "review.html"
    page = cli("transcript", "export", "latest", "--format", "html", "-o", str(out), "--transcript-dir", str(folder))
    assert page.returncode == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<style>" in html and "<script" not in html
    assert 'lang="zh-CN"' in html
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_unknown_session_is_one_clear_line(cli, tmp_path):
    done = cli("transcript", "show", "nosuch", "--transcript-dir", str(tmp_path))
    assert done.returncode == 2
    assert "no saved sessions" in done.stderr


def test_only_known_event_types_are_written(tmp_path):
    import pytest

    log = Transcript(tmp_path)
    with pytest.raises(ValueError, match="not a transcript event type"):
        log.write("check.reslut")
    log.close()
    assert list(transcript.read(log.path)) == []
