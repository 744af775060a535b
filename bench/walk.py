"""Count the key actions of the operator's walk through the demo, in a real terminal (tmux, 80x24).

    PYTHONPATH=. python bench/walk.py

The walk (tests/wizard/walk.py) is issue 14's: every component, run all, read a failure, two fix-its
(one destructive), confirm a manual step with a note, the port map, readiness, quit. A key action is
one key, or one word typed into a field. Target: 30 or fewer (48 before). Time is not measured.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.tmux import Terminals, wizard_command  # noqa: E402
from tests.wizard.walk import TARGET, walk  # noqa: E402

BEFORE = 48


def main() -> int:
    if shutil.which("tmux") is None:
        print("needs tmux")
        return 2
    with tempfile.TemporaryDirectory(prefix="walk-") as folder:
        home = Path(folder)
        # A home of its own: no keyring, configuration or transcripts of the machine's user are touched.
        os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
                          XDG_DATA_HOME=str(home / "data"), FAILBACK_PREP_TRANSCRIPT_DIR=str(home / "transcripts"))
        with Terminals(home) as terminals:
            tmux = terminals.new()
            tmux.start(wizard_command("--no-mouse", "--lang", "en", "demo"))
            tmux.wait_for("F9: continue to the components", timeout=180)
            tmux.wait_for("✓ pass  Signed in", timeout=60)
            done = walk(tmux)
    count = len(done.actions)
    print(f"the operator's walk: {count} key actions (target <= {TARGET}; {BEFORE} before): "
          f"{'met' if count <= TARGET else 'NOT met'}")
    print("keys: " + " ".join(done.actions))
    print(f"ratio: {count / BEFORE:.2f} of the walk before")
    return 0 if count <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
