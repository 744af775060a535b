"""Network faults between the product and both simulators: every check still ends with a result,
and no fix-it is left half-applied without saying so."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from tests.reliability.conftest import FIX_ARGS, Site, assert_complete_report

VCENTER_CHECKS = (
    "vc.connect", "mt.os-match", "mt.disk-count", "mt.no-snapshots", "mt.scsi-controller", "mt.disk-uuid-clash",
    "mt.storage-vmotion", "mt.vmware-tools", "mt.disk-enableuuid", "mt.datastore-access", "mt.vmfs-datastore",
    "vm.original-location",
)
AZURE_CHECKS = ("az.connect", "cs.connected", "cs.vm-known", "ps.in-azure", "mt.registered", "mt.group-os",
                "mt.agent-version", "mt.host-discovered", "policy.failback", "vm.failed-over")
# The longest a run may take: the runner's check timeout (60 s) plus start-up and closing.
RUN_LIMIT_S = 75


def _check(site: Site) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    done = site.run("check", "--config", str(site.config), "--format", "json", timeout=RUN_LIMIT_S + 30)
    elapsed = time.monotonic() - started
    assert elapsed < RUN_LIMIT_S, f"the run took {elapsed:.0f} s"
    return assert_complete_report(done.returncode, done.stdout, done.stderr), elapsed


def _status(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"]}


def _peer_failed(entries: dict[str, dict[str, Any]], ids: tuple[str, ...], connect: str) -> None:
    """The connection check fails or errs with a reason; every check behind it is an error that says why."""
    assert entries[connect]["status"] in ("fail", "error"), entries[connect]
    for cid in ids:
        if cid == connect:
            continue
        entry = entries[cid]
        assert entry["status"] in ("error", "skip"), entry
        assert entry["summary"] and ("vCenter" in entry["summary"] or "Azure" in entry["summary"]), entry


def test_latency_changes_nothing_but_time(site: Site) -> None:
    baseline, _ = _check(site)
    site.vc_proxy.latency(40)
    site.az_proxy.latency(40)
    slow, _ = _check(site)
    assert {c["id"]: c["status"] for c in slow["checks"]} == {c["id"]: c["status"] for c in baseline["checks"]}


@pytest.mark.parametrize("side", ["vcenter", "azure", "both"])
def test_reset_connections(site: Site, side: str) -> None:
    if side in ("vcenter", "both"):
        site.vc_proxy.reset()
    if side in ("azure", "both"):
        site.az_proxy.reset()
    entries = _status(_check(site)[0])
    if side in ("vcenter", "both"):
        _peer_failed(entries, VCENTER_CHECKS, "vc.connect")
    else:
        assert entries["vc.connect"]["status"] == "pass"
    if side in ("azure", "both"):
        _peer_failed(entries, AZURE_CHECKS, "az.connect")
    else:
        assert entries["az.connect"]["status"] == "pass"


@pytest.mark.parametrize("nbytes", [0, 200, 3000])
def test_answers_cut_short(site: Site, nbytes: int) -> None:
    """Every answer is cut after `nbytes` (inside the TLS handshake or the first SOAP/ARM answer)."""
    site.vc_proxy.cut_after(nbytes)
    site.az_proxy.cut_after(nbytes)
    entries = _status(_check(site)[0])
    _peer_failed(entries, VCENTER_CHECKS, "vc.connect")
    _peer_failed(entries, AZURE_CHECKS, "az.connect")


@pytest.mark.slow
def test_stalled_peers_cost_a_timeout_not_a_hang(site: Site) -> None:
    site.vc_proxy.stall()
    site.az_proxy.stall()
    report, elapsed = _check(site)
    entries = _status(report)
    _peer_failed(entries, VCENTER_CHECKS, "vc.connect")
    _peer_failed(entries, AZURE_CHECKS, "az.connect")
    assert "did not answer" in entries["vc.connect"]["summary"] or "no answer" in entries["vc.connect"]["summary"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_fault_at_a_random_moment(site: Site, seed: int) -> None:
    """Whatever the product is doing when the fault starts (login, inventory, vault pages), the run ends well."""
    rng = random.Random(seed)
    site.vc_proxy.latency(80)
    site.az_proxy.latency(80)
    proc = site.spawn("check", "--config", str(site.config), "--format", "json")
    time.sleep(rng.uniform(0.3, 1.8))
    fault = rng.choice(["reset", "cut", "stall"])
    assert proc.proc.poll() is None, "the run ended before the fault: nothing was tested"
    for proxy in (site.vc_proxy, site.az_proxy):
        if fault == "reset":
            proxy.reset()
        elif fault == "cut":
            proxy.cut_after(rng.randint(0, 4000))
        else:
            proxy.stall()
    started = time.monotonic()
    code, out, err = proc.finish(timeout=RUN_LIMIT_S + 30)
    assert time.monotonic() - started < RUN_LIMIT_S
    assert_complete_report(code, out, err)


# --- fix-its whose answer never arrives -------------------------------------------------------------

UNKNOWN_WORDS = ("unknown", "not known", "may have been applied", "may have been made", "could not tell")


def _in_place(site: Site, fix_id: str) -> bool:
    """Whether the change is in place now, read afresh with nothing in the way (an empty plan)."""
    import json

    site.normal()
    done = site.run("fix", fix_id, "--config", str(site.config), "--dry-run", "--format", "json", *FIX_ARGS[fix_id])
    assert done.returncode == 0, done.stderr
    return not json.loads(done.stdout)["changes"]


def _outcome(code: int, out: str, err: str) -> str:
    assert "Traceback" not in err, err
    if "Applied to" in out:
        return "applied"
    text = (out + err).lower()
    if any(word in text for word in UNKNOWN_WORDS):
        return "unknown"
    return "failed"


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["start", "follow"])
@pytest.mark.parametrize("fix_id", ["mt.set-disk-enableuuid", "mt.remove-snapshots", "mt.add-retention-disk",
                                    "mt.exclude-storage-drs"])
def test_vcenter_fix_answer_cut(own_site: Site, fix_id: str, moment: str) -> None:
    """The answer to the call that starts the task ("start"), or to the first poll of the started task
    ("follow"), is cut. The product must not call a change that was made a failure, and a task it knows of
    is followed after reconnecting."""
    site = own_site
    assert not _in_place(site, fix_id)
    site.vc_proxy.latency(150)  # holds each answer long enough to arm the cut behind the request
    proc = site.spawn("fix", fix_id, "--config", str(site.config), "--yes", *FIX_ARGS[fix_id])
    if moment == "start":
        assert proc.wait_line("would change", "out"), proc.err
        # After the preview, the fix-it notes vCenter's recent tasks (one answer), then starts its task.
        site.vc_proxy.cut_after(0, connections=1, skip_answers=1)
    else:
        assert proc.wait_line(": started", "err"), proc.err
        site.vc_proxy.cut_after(0, connections=1)
    code, out, err = proc.finish(timeout=RUN_LIMIT_S)
    assert site.vc_proxy.stats()["cuts"] == 1
    outcome = _outcome(code, out, err)
    in_place = _in_place(site, fix_id)
    transcript = "".join(p.read_text() for p in site.transcripts.glob("*.jsonl"))
    if outcome == "applied":
        assert in_place and code in (0, 1) and '"fix.applied"' in transcript, (out, err)
    elif outcome == "unknown":
        assert code == 3 and ("check" in err or "vCenter" in err), err
    else:
        assert not in_place, f"the change was made, yet the product said it failed: {err.strip()}"
        assert code == 3
    if moment == "follow":
        # The task's id was known: after reconnecting the product follows it to its end.
        assert outcome == "applied", f"a started task was not followed after the connection dropped: {err.strip()}"


@pytest.mark.slow
def test_cs_refresh_answer_cut(site: Site) -> None:
    """The 202 of refreshProvider is cut: Site Recovery started the refresh, the product never heard."""
    site.emu.add_fault(r"refreshProvider", stall_s=0.6, method="POST")
    proc = site.spawn("fix", "cs.refresh", "--config", str(site.config), "--yes")
    assert proc.wait_line("would change", "out"), proc.err
    site.az_proxy.cut_after(0, connections=1)
    code, out, err = proc.finish(timeout=RUN_LIMIT_S)
    assert site.az_proxy.stats()["cuts"] == 1
    outcome = _outcome(code, out, err)
    refreshes = site.emu.requests.count(r"refreshProvider", method="POST")
    assert refreshes >= 1
    if outcome == "applied":
        assert code in (0, 1)
    elif outcome == "unknown":
        assert code == 3 and "refresh" in err.lower()
    else:
        pytest.fail(f"Site Recovery received the refresh, yet the product said it failed: {err.strip()}")


@pytest.mark.slow
def test_vcenter_fix_outcome_unknown_when_vcenter_stays_away(own_site: Site) -> None:
    """The answer to ReconfigVM_Task is cut and vCenter cannot be reached again: the product says the
    outcome is unknown and what to look at, and the transcript records it."""
    site = own_site
    fix_id = "mt.set-disk-enableuuid"
    site.vc_proxy.latency(150)
    proc = site.spawn("fix", fix_id, "--config", str(site.config), "--yes")
    assert proc.wait_line("would change", "out"), proc.err
    site.vc_proxy.cut_after(0, connections=1, skip_answers=1)
    assert site.vc_proxy.wait_for("cuts", 1, timeout=30)
    site.vc_proxy.reset()
    code, out, err = proc.finish(timeout=RUN_LIMIT_S)
    assert code == 3 and _outcome(code, out, err) == "unknown", err
    assert "Recent Tasks" in err and "run the checks again" in err
    assert "Applied to" not in out
    failed = [line for p in site.transcripts.glob("*.jsonl") for line in p.read_text().splitlines() if '"fix.failed"' in line]
    assert failed and "unknown" in failed[-1]
    assert _in_place(site, fix_id), "vCenter made the change: the test did not cut where it meant to"
