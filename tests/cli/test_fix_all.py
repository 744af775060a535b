"""Fix-all (`fix --all`, control.fixall): one plan of every fix-it the checks call for, in a safe order,
one confirmation, applied in order until the first failure, then the checks they mend run again.
Against both simulators: the classic demo site's master target mt-win01 is broken in four fixable ways."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from checks import catalog
from checks.model import FixError, Said, Status
from checks.runner import Runner
from checks.sources import Sources
from checks.spec import Fix, Plan
from checks.texts import Texts
from control.fixall import SAFE_ORDER, FixAllPlan, Step, applicable, apply_all, plan_all
from simulators import settings as simulated
from simulators.azure import AzureEmulator
from tests.conftest import run_cli, start_vcsim
from tests.vcenter.conftest import pyvmomi_si, read_vm

EN = Texts("en")


@pytest.fixture
def site() -> Iterator[tuple[Any, AzureEmulator]]:
    """A vCenter simulator of its own (the tests change it) and the classic vault."""
    vcsim = start_vcsim()
    try:
        with AzureEmulator("healthy-classic", device_poll_interval=0) as emu:
            yield vcsim, emu
    finally:
        vcsim.stop()


def _sources(vcsim: Any, emu: AzureEmulator) -> Sources:
    settings = simulated.simulated_settings(vcsim, emu, site=simulated.SITE, ps_address="", cs_address="")
    return Sources(catalog.all_sources(), settings, secrets={"vcenter": vcsim.password, "azure": emu.client_secret}.get)


def _planned(sources: Sources, params: dict | None = None) -> tuple[FixAllPlan, list[dict]]:
    checks = catalog.all_checks()
    results = {r.id: r for r in Runner(checks, sources).run()}
    events: list[dict] = []
    fixes = [catalog.fix(f) for f in applicable(checks, results)]
    return plan_all(fixes, sources, params or {}, EN, lambda type_, **f: events.append({"type": type_, **f})), events


def test_the_plan_lists_every_fix_it_the_checks_call_for_in_the_safe_order(site) -> None:
    vcsim, emu = site
    sources = _sources(vcsim, emu)
    try:
        plan, events = _planned(sources)
    finally:
        sources.close()
    ids = [s.fix.id for s in plan.steps]
    assert ids == ["mt.remove-snapshots", "mt.set-disk-enableuuid", "mt.exclude-storage-drs", "mt.add-retention-disk"]
    assert ids == sorted(ids, key=SAFE_ORDER.index)
    # The disk needs its size: kept with the reason, left out of what is applied.
    disk = plan.steps[-1]
    assert disk.plan is None and "mt.add-retention-disk:size_gb" in disk.problem
    assert [s.fix.id for s in plan.to_apply] == ids[:3]
    assert plan.names_to_type() == ["mt-win01"]  # removing snapshots cannot be undone
    assert [e["type"] for e in events] == ["fix.preview"] * 3  # each change recorded as previewed


def test_confirmation_needs_every_destructive_targets_name_typed_once() -> None:
    def step(target: str, destructive: bool) -> Step:
        fix = Fix(f"x.{target}", catalog.fix("mt.remove-snapshots").component, (), lambda c, p: Plan("", ""),
                  lambda c, p, g: None, (), destructive=destructive)  # type: ignore[arg-type, return-value]
        return Step(fix, Plan(fix.id, f"{target} (vm-1)", changes=[Said("x")], target_name=target))

    plan = FixAllPlan([step("mt-win01", True), step("cs01", False), step("db01", True)])
    assert plan.names_to_type() == ["mt-win01", "db01"]
    assert plan.confirmed("mt-win01 db01") and plan.confirmed("db01, mt-win01")
    assert not plan.confirmed("mt-win01") and not plan.confirmed("yes") and not plan.confirmed("")


def test_applied_in_order_then_rechecked(site) -> None:
    vcsim, emu = site
    sources = _sources(vcsim, emu)
    try:
        plan, _ = _planned(sources, {"mt.add-retention-disk": {"size_gb": "20"}})
        events: list[dict] = []
        said: list[str] = []
        outcome = apply_all(plan, sources, EN, lambda type_, **f: events.append({"type": type_, **f}), "op",
                            lambda fix_id, s: said.append(fix_id))
        assert [f for f, _ in outcome.applied] == ["mt.remove-snapshots", "mt.set-disk-enableuuid",
                                                   "mt.exclude-storage-drs", "mt.add-retention-disk"]
        assert outcome.failed is None and outcome.not_applied == []
        assert said == sorted(said, key=SAFE_ORDER.index)  # progress came in the same order
        assert [e["fix"] for e in events if e["type"] == "fix.applied"] == [f for f, _ in outcome.applied]
        again = {r.id: r for r in Runner([c for c in catalog.all_checks() if c.id in outcome.rechecks], sources).run()}
        assert {i: again[i].status for i in ("mt.no-snapshots", "mt.disk-enableuuid", "mt.storage-vmotion")} == {
            "mt.no-snapshots": Status.PASS, "mt.disk-enableuuid": Status.PASS, "mt.storage-vmotion": Status.PASS}
        assert again["mt.retention-volume"].key == "not-formatted"  # the disk is there; formatting is the guest's
    finally:
        sources.close()


def test_the_first_failure_stops_the_run_and_says_what_was_applied_and_what_was_not(site) -> None:
    vcsim, emu = site
    sources = _sources(vcsim, emu)

    def refuses(ctx: Any, plan: Plan, progress: Any) -> Any:
        raise FixError(Said("vcenter-fixes:refused", {"method": "ReconfigVM_Task", "target": plan.target,
                                                       "fault": "the host is in maintenance mode"}))

    try:
        plan, _ = _planned(sources)
        snapshots, enable_uuid, sdrs = plan.to_apply
        failing = Fix("mt.set-disk-enableuuid", enable_uuid.fix.component, (), enable_uuid.fix.plan, refuses,
                      enable_uuid.fix.rechecks)
        plan.steps[1] = Step(failing, enable_uuid.plan)
        outcome = apply_all(plan, sources, EN, lambda type_, **f: None, "op")
    finally:
        sources.close()
    assert [f for f, _ in outcome.applied] == ["mt.remove-snapshots"]
    assert outcome.failed is not None and outcome.failed[0] == "mt.set-disk-enableuuid"
    assert "maintenance mode" in outcome.failed[1]
    assert outcome.not_applied == ["mt.exclude-storage-drs"]
    assert outcome.rechecks == ["mt.no-snapshots", "mt.disk-enableuuid"]
    si = pyvmomi_si(vcsim)
    props = read_vm(si, "mt-win01", ["snapshot", "config.extraConfig"])
    assert props.get("snapshot") is None  # applied
    assert "disk.EnableUUID" not in {o.key for o in props["config.extraConfig"] or ()}  # stopped there


def _config(tmp_path, vcsim, emu) -> str:
    path = simulated.write_config(tmp_path / "site.toml", simulated.simulated_settings(
        vcsim, emu, site=simulated.SITE, ps_address="", cs_address=""))
    return str(path)


def _env(vcsim, emu) -> dict[str, str]:
    return {"FAILBACK_PREP_VCENTER_PASSWORD": vcsim.password, "FAILBACK_PREP_AZURE_CLIENT_SECRET": emu.client_secret}


def test_the_command_dry_run_prints_the_plan_as_json_and_sends_nothing(site, tmp_path) -> None:
    vcsim, emu = site
    done = run_cli("fix", "--all", "--dry-run", "--format", "json", "--config", _config(tmp_path, vcsim, emu),
                   "--transcript-dir", str(tmp_path / "t"), env=_env(vcsim, emu))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [f["fix"] for f in data["fixes"]] == ["mt.remove-snapshots", "mt.set-disk-enableuuid",
                                                 "mt.exclude-storage-drs", "mt.add-retention-disk"]
    assert data["fixes"][0]["destructive"] and data["names_to_type"] == ["mt-win01"]
    assert data["fixes"][3]["problem"] and data["fixes"][0]["request"]["method"] == "RemoveAllSnapshots_Task"
    assert read_vm(pyvmomi_si(vcsim), "mt-win01", ["snapshot"]).get("snapshot") is not None  # nothing sent


def test_the_command_asks_once_and_without_a_terminal_needs_yes(site, tmp_path) -> None:
    vcsim, emu = site
    config = _config(tmp_path, vcsim, emu)
    done = run_cli("fix", "--all", "--config", config, "--transcript-dir", str(tmp_path / "t"), env=_env(vcsim, emu))
    assert done.returncode == 2 and "pass --yes" in done.stderr
    assert read_vm(pyvmomi_si(vcsim), "mt-win01", ["snapshot"]).get("snapshot") is not None
    done = run_cli("fix", "--all", "--yes", "--param", "mt.add-retention-disk:size_gb=20", "--config", config,
                   "--transcript-dir", str(tmp_path / "t"), env=_env(vcsim, emu))
    assert done.returncode == 1, done.stdout + done.stderr  # the new disk still has to be formatted in the guest
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.endswith(").") and ": applied" in line] == [
        "mt.remove-snapshots", "mt.set-disk-enableuuid", "mt.exclude-storage-drs", "mt.add-retention-disk"]
    assert "pass   mt.no-snapshots" in done.stdout and "fail   mt.retention-volume" in done.stdout


@pytest.mark.parametrize(("args", "words"), [
    (("fix", "mt.remove-snapshots", "--all"), "not both"),
    (("fix",), "or pass --all"),
    (("fix", "--all", "--param", "size_gb=20"), "FIX_ID:NAME=VALUE"),
    (("fix", "--all", "--param", "mt.nope:size_gb=20"), "no fix-it 'mt.nope'"),
    (("fix", "--all", "--param", "mt.add-retention-disk:size=20"), "takes no such parameter"),
])
def test_bad_usage_is_one_sentence_and_exit_2(tmp_path, args, words) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[vcenter]\nhost = "vcenter.corp.example"\nuser = "u"\ninsecure = true\n', encoding="utf-8")
    done = run_cli(*args, "--config", str(config), "--transcript-dir", str(tmp_path / "t"))
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
