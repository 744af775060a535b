"""Saving a trusted thumbprint keeps the operator's file as written, and a kill never leaves it torn."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from control import config
from tests.conftest import ROOT

OLD, NEW = ":".join(["AB"] * 32), ":".join(["CD"] * 32)
# A large file, so that writing it takes long enough for a kill to land in the middle.
FILLER = "".join(f"# note {i}: {'x' * 100}\n" for i in range(600))
TEXT = f'# the site (kept)\n[vcenter]\nhost = "vc01"  # the name the CS uses\nuser = "admin"\nthumbprint = "{OLD}"\n{FILLER}'
WRITER = """
import builtins, io, os, sys, time
from pathlib import Path

class Slow:
    \"\"\"Every file written from Python is written in small pieces, a little apart: a kill then lands
    inside a write often, whatever way the file is written (in place, or beside it and renamed).\"\"\"
    def __init__(self, handle):
        self.handle = handle
    def write(self, text):
        for i in range(0, len(text), 2048):
            self.handle.write(text[i:i + 2048])
            self.handle.flush()
            time.sleep(0.002)
        return len(text)
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

real_open, real_fdopen = io.open, os.fdopen
def slow_open(file, mode="r", *args, **kwargs):
    handle = real_open(file, mode, *args, **kwargs)
    return Slow(handle) if any(c in mode for c in "wax+") else handle
builtins.open = io.open = slow_open
os.fdopen = lambda *args, **kwargs: Slow(real_fdopen(*args, **kwargs))

from control.config import save_value
path, values = Path(sys.argv[1]), sys.argv[2:]
print("writing", flush=True)
i = 0
while True:
    save_value(path, "vcenter", "thumbprint", values[i % 2])
    i += 1
"""


def test_saving_keeps_comments_order_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('# top\n[site]\nmaster_target = "mt-win01"\n\n[vcenter]\nhost = "vc01"  # same name\nuser = "a"\n',
                    encoding="utf-8")
    config.save_value(path, "vcenter", "thumbprint", OLD)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# top\n[site]\nmaster_target = "mt-win01"\n\n[vcenter]\nhost = "vc01"  # same name\n')
    assert config.load(path).vcenter.thumbprint == OLD
    config.save_value(path, "vcenter", "thumbprint", NEW)
    assert path.read_text(encoding="utf-8").count("thumbprint") == 1
    assert config.load(path).vcenter.thumbprint == NEW


def test_a_kill_while_saving_leaves_the_old_file_or_the_new_never_a_torn_one(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shuffle = random.Random(20261130)
    seen = set()
    kills = 0
    # At least 25 kills, and on until they have landed both before and after a replace (a loaded machine
    # writes slowly: more kills, never a weaker check).
    while kills < 25 or (seen != {OLD, NEW} and kills < 100):
        kills += 1
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), NEW, OLD], env=env,
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        time.sleep(shuffle.uniform(0.05, 0.6) * (1 + kills // 25))  # somewhere in a write, or between two
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["vcenter"]["thumbprint"] in (OLD, NEW)
        assert data["vcenter"]["host"] == "vc01" and path.read_text(encoding="utf-8").startswith("# the site (kept)")
        assert path.read_text(encoding="utf-8").endswith(FILLER), "the whole file, to its last line"
        seen.add(data["vcenter"]["thumbprint"])
    assert seen == {OLD, NEW}, "the kills landed both before and after a replace"
    # A killed save's leftovers are cleared by a later save once they are old enough not to be another
    # writer's save under way.
    then = time.time() - config.STALE_TMP_S - 60
    for leftover in tmp_path.glob(".site.toml.*.tmp"):
        os.utime(leftover, (then, then))
    config.save_value(path, "vcenter", "thumbprint", OLD)
    assert [p.name for p in tmp_path.iterdir()] == ["site.toml"], "a killed save's leftovers are cleared"


def test_saving_through_a_symbolic_link_updates_the_file_it_points_to(tmp_path: Path) -> None:
    from control.config import save_value

    real = tmp_path / "managed" / "site.toml"
    real.parent.mkdir()
    real.write_text('# managed\n[vcenter]\nhost = "vc01"\n', encoding="utf-8")
    link = tmp_path / "site.toml"
    link.symlink_to(real)
    save_value(link, "vcenter", "thumbprint", "AA:BB")
    assert link.is_symlink(), "the link stays a link"
    assert 'thumbprint = "AA:BB"' in real.read_text(encoding="utf-8")


def test_a_save_under_way_keeps_its_temporary_file(tmp_path: Path) -> None:
    import os
    import time

    from control.config import STALE_TMP_S, save_value

    config = tmp_path / "site.toml"
    config.write_text('[vcenter]\nhost = "vc01"\n', encoding="utf-8")
    fresh, old = tmp_path / ".site.toml.fresh.tmp", tmp_path / ".site.toml.old.tmp"
    fresh.write_text("another writer", encoding="utf-8")
    old.write_text("left by a killed save", encoding="utf-8")
    then = time.time() - STALE_TMP_S - 60
    os.utime(old, (then, then))
    save_value(config, "vcenter", "thumbprint", "AA:BB")
    assert fresh.exists() and not old.exists()
