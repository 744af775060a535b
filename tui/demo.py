"""`failback-prep demo`: the wizard against a simulated site on loopback.

Both simulators start here, a temporary configuration points at them (vCenter pinned by
the simulator's fingerprint, Azure through the emulator's endpoints and CA), and small
TLS listeners stand in for the process server's ports. The secrets stay in memory:
the caller hands them to the wizard as session-only secrets; nothing secret is written.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from simulators.ports import TLSPort
from simulators.settings import simulated_settings, site_settings, write_config

# The site of simulators/SITE.md: which master target serves which VMs. The Windows one shows what the
# checks find and cannot mend; the Linux one is one fix-all away from a reprotect.
SCENARIOS = {
    "windows": ("mt-win01", ("app01", "db01")),
    "linux": ("mt-lnx01", ("web01", "web02")),
}
AZURE_SCENARIO = "demo"
# Which vault the demo's Azure side is: classic (the configuration server, process server and master
# target of SITE.md) or modernized (a replication appliance, providers InMageRcm / InMageRcmFailback).
SITES = {"classic": AZURE_SCENARIO, "modernized": "modernized"}


class SimulatedSite:
    """Starts everything on enter, stops everything on exit (errors included)."""

    def __init__(self, scenario: str = "windows", say: Callable[..., None] = lambda key, **p: None,
                 site: str = "classic") -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown demo scenario {scenario!r}; use one of {', '.join(SCENARIOS)}")
        if site not in SITES:
            raise ValueError(f"unknown demo site {site!r}; use one of {', '.join(SITES)}")
        self.scenario = scenario
        self.site = site
        self.say = say
        self.secrets: dict[str, str] = {}
        self.config_path = Path()
        self.data_port = 0
        self._stack = ExitStack()
        self._dir = ""

    def __enter__(self) -> SimulatedSite:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _start(self) -> None:
        from simulators.azure.server import AzureEmulator
        from simulators.azure.tls import make_tls, server_context
        from simulators.vcenter import VCenterSimulator

        self._dir = tempfile.mkdtemp(prefix="failback-prep-demo-")
        self._stack.callback(shutil.rmtree, self._dir, True)
        self.say("starting-vcenter")
        vc = self._stack.enter_context(VCenterSimulator(scenario="failback-site"))
        if self.scenario == "linux" and self.site == "classic":
            # The Linux site is one fix-all away from ready: its master target gets faults the fix-its mend.
            from simulators.vcenter import fixable_faults

            fixable_faults(vc, SCENARIOS["linux"][0])
        self.say("starting-azure")
        az = self._stack.enter_context(AzureEmulator(scenario=SITES[self.site]))
        az.task_s, az.initial_replication_s = 2.0, 20.0  # a reprotect's job and replication, at demo speed
        context = server_context(make_tls(self._dir))
        https, data = TLSPort(context), TLSPort(context)
        self._stack.callback(https.close)
        self._stack.callback(data.close)
        master_target, vms = SCENARIOS[self.scenario]
        self.data_port = data.port
        self.azure = az  # the vault emulator (tests set how long its Run Commands take)
        self.secrets = {"vcenter": vc.password, "azure": az.client_secret}
        if self.site == "classic":
            site = site_settings(master_target=master_target, failback_vms=vms,
                                 process_server_vm=str(az.state.get("ps_vm_id", "")))
        else:  # no configuration server, process server or master target: the vault's one appliance
            site = site_settings(master_target="", failback_vms=vms, configuration_server="",
                                 configuration_server_vm="", process_server="")
        self.config_path = write_config(
            Path(self._dir) / "failback-prep-demo.toml",
            simulated_settings(vc, az, site=site, https_port=https.port, data_port=data.port, timeout_s=1.0),
        )
        self.say("ready", vcenter=vc.url, azure=az.base_url)


def serve(scenario: str, texts: Any, site_kind: str = "classic") -> int:
    """`demo --print-env`: the simulated site alone, with the lines that run `check` against it.

    The secrets go into files of mode 0600 beside the configuration; the lines read them from there,
    so no secret is printed. The site runs until Ctrl-C, SIGTERM or SIGHUP (not the end of standard
    input: a script may start it in the background with no input at all).
    """
    def say(key: str, **params: Any) -> None:
        print(texts.ui("wizard.demo." + key, **params), file=sys.stderr, flush=True)

    with SimulatedSite(scenario, say=say, site=site_kind) as site:
        variables = {"vcenter": "FAILBACK_PREP_VCENTER_PASSWORD", "azure": "FAILBACK_PREP_AZURE_CLIENT_SECRET"}
        lines = [f"# {texts.ui('wizard.demo.env-head')}"]
        for kind, variable in variables.items():
            path = site.config_path.parent / f"{kind}.secret"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(site.secrets[kind])
            lines.append(f'export {variable}="$(cat {shlex.quote(str(path))})"')
        lines.append(f"failback-prep check --config {shlex.quote(str(site.config_path))}")
        print("\n".join(lines), flush=True)
        # Until Ctrl-C, or kill (TERM) or a closed terminal (HUP) from a script that started it in the
        # background: each ends it the same orderly way, the simulators stopped and the secret files gone.
        stop = threading.Event()
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, lambda *_: stop.set())
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        say("stopped")
    return 0
