"""The runner: concurrency, timeouts, cancellation, and a result for every check whatever happens."""

from __future__ import annotations

import threading
import time

from checks.model import Component, Settings, SourceUnavailable, Status
from checks.runner import Runner
from checks.sources import Source, Sources
from checks.spec import Check, verdict


def _check(cid: str, decide, reads=(), timeout_s: float = 5.0) -> Check:
    return Check(cid, Component.MASTER_TARGET, None, reads, decide, timeout_s=timeout_s)


def test_checks_run_concurrently_and_results_keep_catalog_order():
    barrier = threading.Barrier(3, timeout=2)

    def waits(ctx):
        barrier.wait()  # only returns if all three run at the same time
        return verdict(Status.PASS, "ok")

    checks = [_check(f"t.{i}", waits) for i in range(3)]
    seen = []
    results = Runner(checks, Sources({}, Settings())).run(on_result=lambda r: seen.append(r.id))
    assert [r.id for r in results] == ["t.0", "t.1", "t.2"]
    assert all(r.status is Status.PASS for r in results)
    assert sorted(seen) == ["t.0", "t.1", "t.2"]


def test_a_check_that_raises_becomes_an_error_with_one_line():
    def boom(ctx):
        raise RuntimeError("disk vanished\nTraceback (most recent call last): ...")

    [result] = Runner([_check("t.boom", boom)], Sources({}, Settings())).run()
    assert result.status is Status.ERROR
    assert result.reason == "disk vanished"


def test_a_hung_check_times_out_and_does_not_hold_the_others():
    release = threading.Event()

    def hangs(ctx):
        release.wait(30)
        return verdict(Status.PASS, "late")

    checks = [_check("t.hang", hangs, timeout_s=0.3), _check("t.quick", lambda ctx: verdict(Status.PASS, "ok"))]
    started = time.monotonic()
    results = Runner(checks, Sources({}, Settings())).run()
    elapsed = time.monotonic() - started
    release.set()
    assert results[0].status is Status.ERROR and results[0].key == "timeout"
    assert "0.3 s" in results[0].reason
    assert results[1].status is Status.PASS
    assert elapsed < 5


def test_cancel_ends_the_run_with_a_result_per_check():
    cancel = threading.Event()
    release = threading.Event()

    def hangs(ctx):
        release.wait(30)
        return verdict(Status.PASS, "late")

    checks = [_check("t.a", hangs), _check("t.b", hangs)]
    threading.Timer(0.2, cancel.set).start()
    results = Runner(checks, Sources({}, Settings())).run(cancel=cancel)
    release.set()
    assert [r.key for r in results] == ["cancelled", "cancelled"]
    assert all(r.status is Status.ERROR for r in results)


def test_a_source_is_fetched_once_for_all_its_readers():
    calls = []

    def fetch(ctx):
        calls.append(1)
        time.sleep(0.1)
        return {"vms": 3}

    sources = Sources({"inv": Source("inv", fetch)}, Settings())
    checks = [_check(f"t.{i}", lambda ctx: verdict(Status.PASS, "ok", n=ctx.source("inv")["vms"]), ("inv",))
              for i in range(5)]
    results = Runner(checks, sources).run()
    assert len(calls) == 1
    assert {r.params["n"] for r in results} == {3}
    Runner(checks, sources).run()
    assert len(calls) == 2, "data sources are read again on the next run"


def test_persistent_sources_survive_a_new_run_but_failures_do_not():
    attempts = []

    def connect(ctx):
        attempts.append(1)
        if len(attempts) == 1:
            raise SourceUnavailable("vCenter refused the connection")
        return "session"

    sources = Sources({"conn": Source("conn", connect, persistent=True)}, Settings())
    check = _check("t.c", lambda ctx: verdict(Status.PASS, "ok", s=ctx.source("conn")), ("conn",))
    first = Runner([check], sources).run()[0]
    assert first.status is Status.ERROR and "refused" in first.reason
    assert Runner([check], sources).run()[0].status is Status.PASS
    assert Runner([check], sources).run()[0].status is Status.PASS
    assert len(attempts) == 2


def test_a_skipped_source_skips_its_checks_with_the_reason():
    def absent(ctx):
        raise SourceUnavailable("the configuration has no [azure] table", skip=True)

    sources = Sources({"az": Source("az", absent)}, Settings())
    [result] = Runner([_check("t.az", lambda ctx: ctx.source("az"), ("az",))], sources).run()
    assert result.status is Status.SKIP
    assert result.reason == "the configuration has no [azure] table"


def test_secrets_are_redacted_from_reasons():
    sources = Sources({}, Settings(), secrets=lambda kind: "hunter2-unique")

    def leaks(ctx):
        secret = ctx.secret("vcenter")
        raise RuntimeError(f"login failed for password {secret}")

    [result] = Runner([_check("t.leak", leaks)], sources).run()
    assert "hunter2-unique" not in result.reason
    assert "********" in result.reason
