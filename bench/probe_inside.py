"""Probe inside 10 Azure VMs at once: the wall time of `net.probe-inside` against one Run Command.

    PYTHONPATH=. python bench/probe_inside.py [--vms 10] [--latency-ms 100] [--command-s 20]

The vault emulator adds the latency to every request and lets each Run Command take `--command-s`
seconds, as a real one takes 20-40 s. The VMs run in parallel, so the target is close to one Run
Command, not ten: wall time <= 1.25x of one command (and far from the serial sum).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import catalog  # noqa: E402
from checks.network import inside  # noqa: E402
from checks.sources import Sources  # noqa: E402
from simulators.azure import AzureEmulator, scenarios  # noqa: E402
from simulators.settings import simulated_settings, site_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--command-s", type=float, default=20.0)
    args = parser.parse_args()

    with AzureEmulator("healthy-classic", latency_ms=args.latency_ms) as emu:
        emu.state["run_command"].update(seconds=args.command_s, retry_after="2")
        machines = []
        for n in range(args.vms):
            name = f"bench{n:02d}"
            vm = scenarios.azure_vm(emu._ids, name, "Windows", scenarios.WINDOWS_2016)
            emu.state["resources"][vm["id"].lower()] = vm
            machines.append(inside.Machine(name, "vm", vm["id"], "Windows",
                                           (inside.Target("vm-cs", "10.0.0.10", 443),
                                            inside.Target("vm-ps-data", "10.1.0.4", 9443))))
        settings = simulated_settings(az=emu, site=site_settings())
        sources = Sources(catalog.all_sources(), settings, lambda kind: emu.client_secret if kind == "azure" else None)
        azure = sources.source("azure.client")  # signed in before the clock starts
        emu.requests.clear()
        started = time.perf_counter()
        outcomes = inside.probe_all(azure, machines, 600.0, threading.Event(), lambda said: None)
        wall = time.perf_counter() - started
        requests = emu.requests.count()
    done = sum(1 for o in outcomes if o.state == "done")
    ratio = wall / args.command_s
    print(f"{args.vms} VMs, Run Command {args.command_s:.0f} s each, {args.latency_ms:.0f} ms per request")
    print(f"probe wall {wall:.1f} s, {requests} requests, {done}/{args.vms} answered")
    print(f"ratio to one Run Command {ratio:.2f}x (serially: {args.vms:.0f}x)")
    met = ratio <= 1.25 and done == args.vms
    print(f"target (<= 1.25x of one Run Command, every VM answered): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
