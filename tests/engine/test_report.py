"""The verdict and the causes: what the text and JSON reports, the exports and the wizard all say."""

from __future__ import annotations

from checks import catalog
from checks.model import Status
from checks.report import build, causes, readiness, say_verdict, text_lines
from checks.spec import Result
from checks.texts import Texts

EN = Texts("en")


def _ok(check_id: str) -> Result:
    return Result(check_id, Status.PASS, "ok")


def test_skips_for_a_missing_source_leave_the_site_not_confirmed_never_ready() -> None:
    # No [vcenter] nor [azure] table, every manual step answered: nothing fails, nothing was looked at.
    results = [Result("vc.connect", Status.SKIP, "unavailable", reason="no [vcenter]",
                      evidence={"reason_key": "reasons:no-vcenter-table", "reason_params": {}}),
               Result("mt.no-snapshots", Status.SKIP, "unavailable", reason="no [vcenter]",
                      evidence={"reason_key": "reasons:no-vcenter-table", "reason_params": {}}),
               Result("cs.same-ip", Status.PASS, "confirmed", {"note": "yes"})]
    state = readiness(results)
    assert state.state == "not-confirmed" and state.unconfirmed == ("vc.connect", "mt.no-snapshots")
    assert say_verdict(state, EN).startswith("NOT CONFIRMED READY: nothing failed, but 2 checks could not look")


def test_classic_skips_on_a_modernized_vault_are_one_cause_and_cost_nothing_once_the_appliance_is_checked() -> None:
    results = [Result(cid, Status.SKIP, "classic-only") for cid in ("cs.connected", "ps.in-azure", "mt.registered")]
    # Nothing stands in for them (the appliance checks were not run, e.g. --only mt): not confirmed.
    assert readiness(results).state == "not-confirmed"
    [cause] = causes(results, EN)
    assert cause["checks"] == ["cs.connected", "ps.in-azure", "mt.registered"]
    assert "modernized architecture" in cause["reason"]
    # The appliance's checks looked: the classic skips cost nothing.
    assert readiness([*results, _ok("app.registered")]).state == "ready"
    # An appliance check that was itself skipped does not stand in.
    assert readiness([*results, Result("app.registered", Status.SKIP, "unavailable")]).state == "not-confirmed"


def test_not_needed_and_answered_skips_cost_nothing_but_a_partial_warning_does() -> None:
    results = [_ok("vc.connect"), Result("cs.failback-nic", Status.SKIP, "not-needed"),
               Result("net.s2s", Status.SKIP, "link-skipped", {"note": "-"}),
               Result("mt.agent-version", Status.WARN, "caveats", {"parts": []})]
    state = readiness(results)
    assert state.state == "ready" and state.warnings == 1
    results.append(Result("mt.os-match", Status.WARN, "partial"))
    assert readiness(results).state == "not-confirmed"
    results.append(Result("mt.no-snapshots", Status.FAIL, "found"))
    assert readiness(results).state == "not-ready" and readiness(results).blockers == 1


def test_timeouts_are_never_one_shared_cause() -> None:
    results = [Result(cid, Status.ERROR, "timeout", reason="no answer within 60 s") for cid in ("a.one", "a.two")]
    assert causes(results, EN) == []


def test_a_cause_keeps_a_fingerprint_whole_and_speaks_chinese() -> None:
    presented = ":".join(["AB"] * 32)
    params = {"host": "vc01", "port": 443, "expected": ":".join(["CD"] * 32), "presented": presented,
              "subject": "CN=other", "issuer": "CN=ca"}
    held = [Result(cid, Status.ERROR, "unavailable", reason="x" * 400,
                   evidence={"reason_key": "check:vc.connect:mismatch", "reason_params": params})
            for cid in ("mt.no-snapshots", "mt.disk-count")]
    [cause] = causes(held, EN)
    assert presented in cause["reason"] and "Wrong host or port?" in cause["reason"]
    [chinese] = causes(held, Texts("zh-CN"))
    assert presented in chinese["reason"] and "证书" in chinese["reason"]


def test_fix_lines_name_only_the_fix_it_that_mends_what_was_found() -> None:
    check = next(c for c in catalog.all_checks() if c.id == "mt.retention-volume")
    for key, wanted in (("missing", ["mt.add-retention-disk"]), ("not-in-site-recovery", ["cs.refresh"]),
                        ("not-formatted", [])):
        status = Status.WARN if key == "not-in-site-recovery" else Status.FAIL
        report = build([check], [Result(check.id, status, key, {"name": "mt", "volume": "R", "disk": "d",
                                                                  "volumes": []})], EN)
        fixes = [line.strip() for line in text_lines(report, EN, config="/srv/my site.toml") if "fix:" in line]
        assert fixes == [f"fix: failback-prep fix {f} --config '/srv/my site.toml'" for f in wanted], key


def test_every_check_and_fix_id_is_documented_for_the_people_who_rely_on_them() -> None:
    """The README's tables (the shared contract's ids, and those this version adds) name every id."""
    from pathlib import Path

    from checks import catalog

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    ids = [c.id for c in catalog.all_checks()] + list(catalog.all_fixes())
    contract = {"vc.connect", "az.connect", "cs.connected", "cs.vm-known", "cs.failback-nic", "ps.in-azure",
                "ps.reachable", "mt.registered", "mt.os-match", "mt.group-os", "mt.agent-version", "mt.disk-count",
                "mt.no-snapshots", "mt.scsi-controller", "mt.disk-uuid-clash", "mt.storage-vmotion",
                "mt.retention-volume", "mt.vmware-tools", "mt.disk-enableuuid", "mt.datastore-access",
                "mt.vmfs-datastore", "mt.host-discovered", "mt.host-capacity", "policy.failback", "net.s2s", "net.ports",
                "vm.failed-over", "vm.original-location", "cs.same-ip", "ps.bandwidth", "net.link-type",
                "mt.retention-formatted", "mt.discovery-done", "mt.set-disk-enableuuid", "mt.remove-snapshots",
                "mt.add-retention-disk", "mt.exclude-storage-drs", "cs.refresh"}
    undocumented = [i for i in ids if i not in contract and f"| `{i}` |" not in readme]
    assert undocumented == []
