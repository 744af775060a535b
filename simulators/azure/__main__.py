"""``python -m simulators.azure --scenario X --port 0``: print one JSON line, serve until EOF/SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .scenarios import SCENARIOS
from .server import AzureEmulator


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m simulators.azure", description=__doc__)
    ap.add_argument("--scenario", default="healthy-classic", choices=SCENARIOS)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--workdir", default=None, help="where ca.pem is written (default: a temporary folder)")
    ap.add_argument("--client-secret", default=None, help="fixed secret instead of a random one")
    ap.add_argument("--ignore-stdin", action="store_true", help="do not stop at stdin EOF (only on a signal)")
    args = ap.parse_args(argv)

    stop = threading.Event()
    emu = AzureEmulator(args.scenario, latency_ms=args.latency_ms, workdir=args.workdir, host=args.host,
                        port=args.port, client_secret=args.client_secret)
    emu.start()
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        print(json.dumps(emu.info()), flush=True)
        if not args.ignore_stdin:
            def watch() -> None:
                try:
                    while sys.stdin.read(4096):
                        pass
                except (OSError, ValueError):
                    pass
                stop.set()

            threading.Thread(target=watch, daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
