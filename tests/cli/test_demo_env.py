"""`failback-prep demo --print-env`: the headless path on day one, as a script would use it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path


def test_print_env_gives_lines_that_run_check_against_the_demo_and_ends_cleanly_on_term(tmp_path: Path) -> None:
    # In the background with no input at all, as a runbook would start it.
    demo = subprocess.Popen([sys.executable, "-m", "tui", "demo", "--print-env"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        assert demo.stdout is not None
        for line in demo.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("failback-prep check"):
                break
        assert demo.poll() is None, "the site keeps running while the script uses it"
        exports = dict(re.findall(r'^export (\w+)="\$\(cat (\S+)\)"$', "\n".join(lines), re.M))
        assert set(exports) == {"FAILBACK_PREP_VCENTER_PASSWORD", "FAILBACK_PREP_AZURE_CLIENT_SECRET"}
        secret_files = [Path(path.strip("'")) for path in exports.values()]
        assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in secret_files)
        env = {**os.environ, **{name: p.read_text(encoding="utf-8") for name, p in zip(exports, secret_files)}}
        command = lines[-1].split()[1:]  # failback-prep check --config <file>
        done = subprocess.run([sys.executable, "-m", "tui", *command, "--format", "json"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr  # the demo site has failures to show
        report = json.loads(done.stdout)
        connect = {c["id"]: c["status"] for c in report["checks"]}
        assert connect["vc.connect"] == "pass" and connect["az.connect"] == "pass"
        assert report["readiness"]["state"] == "not-ready"
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
        assert not any(p.exists() for p in secret_files), "the secret files go with the site"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
