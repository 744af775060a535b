"""Every check at once, with 100 ms of round-trip latency to vCenter and to the vault.

    PYTHONPATH=. python bench/all_checks.py [--rtt-ms 100] [--runs 3]

Both simulators run on loopback; vCenter sits behind our fault proxy (half the round
trip each way), the vault emulator delays every answer by the full round trip. The
network probes go to loopback TLS listeners. Side by side in one run it prints:
  - the real runner: checks concurrent, each source read once per run;
  - a naive run: the same checks one after another, each with its own fresh sources
    (a tool that reconnects and re-reads for every check).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import catalog  # noqa: E402
from checks.report import counts  # noqa: E402
from checks.runner import Runner  # noqa: E402
from checks.sources import Sources  # noqa: E402
from simulators.azure import AzureEmulator  # noqa: E402
from simulators.azure.tls import make_tls, server_context  # noqa: E402
from simulators.faultproxy import FaultProxy  # noqa: E402
from simulators.ports import TLSPort  # noqa: E402
from simulators.settings import simulated_settings, site_settings  # noqa: E402
from simulators.vcenter import VCenterSimulator  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtt-ms", type=float, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    context = server_context(make_tls(tempfile.mkdtemp(prefix="bench-tls-")))
    https_port, data_port = TLSPort(context).port, TLSPort(context).port
    with VCenterSimulator() as vc, FaultProxy(vc.host or "127.0.0.1", vc.port or 0) as proxy, \
            AzureEmulator("healthy-classic") as az:
        proxy.latency(args.rtt_ms / 2)
        az.set_latency(args.rtt_ms)
        site = simulated_settings(vc, az, vcenter_port=proxy.port,
                                  site=site_settings(master_target="mt-lnx01", failback_vms=("web01", "web02")),
                                  https_port=https_port, data_port=data_port, timeout_s=2.0)
        secrets = {"vcenter": vc.password, "azure": az.client_secret}
        checks = catalog.all_checks()
        print(f"{len(checks)} checks, {args.rtt_ms:g} ms round trip to vCenter and to the vault")

        sources = Sources(catalog.all_sources(), site, secrets.get)
        ours = []
        for run in range(args.runs):
            az.requests.clear()
            started = time.perf_counter()
            results = Runner(checks, sources).run()
            ours.append(time.perf_counter() - started)
            label = "first (sign-in, login)" if run == 0 else "again (connected)"
            print(f"runner  run {run + 1} {label:<24} {ours[-1]:6.2f} s  vault requests {len(az.requests):3d}  "
                  f"{ {k: v for k, v in counts(results).items() if v} }")
        sources.close()

        az.requests.clear()
        started = time.perf_counter()
        for check in checks:
            alone = Sources(catalog.all_sources(), site, secrets.get)
            Runner([check], alone).run()
            alone.close()
        naive = time.perf_counter() - started
        print(f"naive   one check at a time, fresh connections each   {naive:6.2f} s  vault requests "
              f"{len(az.requests):3d}")
        first, steady = ours[0], statistics.median(ours[1:]) if len(ours) > 1 else ours[0]
        print(f"ratio: naive / runner = {naive / first:.1f}x (first run), {naive / steady:.1f}x (connected)")
        print(f"target (< 2 s per run at 100 ms): {'met' if first < 2 else 'NOT met'} ({first:.2f} s)")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("FAILBACK_PREP_AZURE_TIMEOUT_S", "5")
    sys.exit(main())
