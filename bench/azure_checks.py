"""Time every Azure and network check against the vault emulator with added latency.

    PYTHONPATH=. python bench/azure_checks.py [--latency-ms 100] [--scenario healthy-classic] [--runs 3]

Prints the wall time of each run and the number of requests the emulator served.
Target: under 2 s per run at 100 ms latency. The process server's probes go to
loopback TLS listeners started here, so the network checks measure the tool, not this host.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import catalog  # noqa: E402
from checks.model import VCenterSettings  # noqa: E402
from checks.runner import Runner  # noqa: E402
from checks.sources import Sources  # noqa: E402
from simulators.azure import AzureEmulator  # noqa: E402
from simulators.azure.tls import make_tls, server_context  # noqa: E402
from simulators.ports import TLSPort  # noqa: E402
from simulators.settings import simulated_settings, site_settings  # noqa: E402

PREFIXES = ("az.", "cs.connected", "cs.vm-known", "ps.in-azure", "ps.reachable", "mt.registered", "mt.group-os",
            "mt.agent-version", "mt.host-discovered", "policy.", "net.s2s", "net.ports", "vm.failed-over")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--scenario", default="healthy-classic")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    context = server_context(make_tls(tempfile.mkdtemp(prefix="bench-tls-")))
    https_port, data_port = TLSPort(context).port, TLSPort(context).port
    checks = [c for c in catalog.all_checks() if c.id.startswith(PREFIXES)]

    with AzureEmulator(args.scenario, latency_ms=args.latency_ms) as emu:
        settings = simulated_settings(
            az=emu, site=site_settings(configuration_server_vm=""),
            vcenter=VCenterSettings(host="127.0.0.1", user="bench", port=https_port),
            https_port=https_port, data_port=data_port, timeout_s=1.0,
        )
        secret = emu.client_secret
        sources = Sources(catalog.all_sources(), settings, secrets=lambda kind: secret if kind == "azure" else None)
        print(f"{len(checks)} checks, scenario {args.scenario}, {args.latency_ms:g} ms added per request")
        try:
            for n in range(1, args.runs + 1):
                before = len(emu.requests)
                started = time.monotonic()
                results = Runner(checks, sources).run()
                wall = time.monotonic() - started
                served = len(emu.requests) - before
                counts: dict[str, int] = {}
                for result in results:
                    counts[str(result.status)] = counts.get(str(result.status), 0) + 1
                kind = "first (sign-in)" if n == 1 else "again (signed in)"
                print(f"run {n} {kind:<18} wall {wall:5.2f} s  requests {served:3d}  {counts}")
                bad = [f"{r.id}={r.status}" for r in results if r.status not in ("pass", "manual")]
                if bad:
                    print("    not passing:", ", ".join(bad))
        finally:
            sources.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
