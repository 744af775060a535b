"""Benchmark: every vCenter check through the Runner against a 5000-VM simulated vCenter,
compared with a naive pyvmomi walk that reads the same facts attribute by attribute.

    PYTHONPATH=. python bench/vcenter_checks.py [--vms 5000] [--sample 500]

The naive walk over every VM takes minutes, so it is timed over a sample of VMs and
extrapolated linearly to the whole inventory; the output says so.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks import catalog, vcenter  # noqa: E402
from checks.model import SiteSettings  # noqa: E402
from checks.runner import Runner  # noqa: E402
from checks.sources import Sources  # noqa: E402
from simulators.settings import simulated_settings  # noqa: E402
from simulators.vcenter import VCenterSimulator  # noqa: E402

TARGET_S = 3.0
TARGET_RATIO = 20.0


def run_checks(sim: VCenterSimulator) -> tuple[float, int, dict[str, str]]:
    settings = simulated_settings(
        sim,
        site=SiteSettings(master_target="mt-win01", failback_vms=("app01", "db01"), configuration_server_vm="cs01", retain_ip=True),
        ps_address="", cs_address="", timeout_s=None,
    )
    sources = Sources(catalog.all_sources(), settings, secrets=lambda kind: sim.password if kind == "vcenter" else None)
    wanted = {c.id for c in vcenter.CHECKS}
    checks = [c for c in catalog.all_checks() if c.id in wanted]
    try:
        started = time.perf_counter()
        results = Runner(checks, sources).run()
        elapsed = time.perf_counter() - started
        trips = sources.peek("vcenter.session").round_trips
    finally:
        sources.close()
    return elapsed, trips, {r.id: str(r.status) for r in results}


def naive_walk(sim: VCenterSimulator, sample: int) -> tuple[float, int, int, int]:
    """What a script without the PropertyCollector does: one round trip per attribute read."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    si = SmartConnect(host=sim.host, port=sim.port, user=sim.username, pwd=sim.password, serverPemCert=sim.server_pem)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        started = time.perf_counter()
        vms = view.view
        total = len(vms)
        reads = 0
        for vm in vms[:sample]:
            # Only properties every VM has set: reading an unset one (vm.snapshot) one at a time
            # crashes this simulator.
            name = vm.name
            devices = vm.config.hardware.device
            extra = vm.config.extraConfig
            guest_id = vm.config.guestId
            host = vm.runtime.host
            tools = vm.guest.toolsRunningStatus
            disks = vm.guest.disk
            datastores = vm.datastore
            reads += len((name, devices, extra, guest_id, host, tools, disks, datastores))
        elapsed = time.perf_counter() - started
        view.Destroy()
        return elapsed, min(sample, total), total, reads
    finally:
        Disconnect(si)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=5000, help="extra VMs in the scale scenario")
    parser.add_argument("--sample", type=int, default=500, help="VMs the naive walk reads before extrapolating")
    args = parser.parse_args()

    started = time.perf_counter()
    with VCenterSimulator(scenario="scale", vms=args.vms) as sim:
        print(f"simulator: scale scenario, {args.vms} extra VMs, ready in {time.perf_counter() - started:.1f} s")
        run_checks(sim)  # warm-up: imports, TLS, the simulator's caches
        elapsed, trips, statuses = run_checks(sim)
        print(f"vCenter checks via Runner: {len(statuses)} checks in {elapsed:.3f} s, {trips} vCenter round trips (login included)")
        naive_s, walked, total, reads = naive_walk(sim, args.sample)
        per_vm = naive_s / max(walked, 1)
        projected = per_vm * total
        print(
            f"naive pyvmomi walk: {walked} of {total} VMs, {reads} attribute reads, in {naive_s:.2f} s ({per_vm * 1000:.1f} ms per VM); "
            f"extrapolated linearly to all {total} VMs: {projected:.1f} s"
        )
        ratio = projected / elapsed if elapsed else float("inf")
        print(f"ratio: the checks are {ratio:.0f}x faster than the naive walk (extrapolated)")
        ok = elapsed < TARGET_S and ratio >= TARGET_RATIO
        print(f"target (< {TARGET_S:g} s and >= {TARGET_RATIO:g}x): {'met' if ok else 'NOT met'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
