"""The controller and its owners without a terminal: plain threads for workers, a list for a listener."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checks.model import Said, Status
from checks.spec import Applied, Fix, Plan
from checks.texts import Texts
from control.controller import Controller
from control.session import Session
from control.status import Shown
from tests.canned import Canned, NoSecrets, canned_factory, canned_settings


class Threads:
    """The controller's executor: each piece of work on its own thread, `done` called after it there."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def run_work(self, name: str, work: Callable[[], None], done: Callable[[BaseException | None], None]) -> None:
        def body() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 (what a worker raised goes to done)
                done(exc)
                return
            done(None)

        thread = threading.Thread(target=body, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def settle(self, timeout: float = 30) -> None:
        """Until no work is left (work started by `done` too)."""
        while any(t.is_alive() for t in self.threads):
            for thread in list(self.threads):
                thread.join(timeout)


def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.01)


class Heard:
    """The listener: what the controller said, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def engine_ready(self, missing: tuple[str, ...]) -> None:
        self.events.append(("engine_ready", missing))

    def results_changed(self) -> None:
        self.events.append(("results_changed", None))

    def run_finished(self) -> None:
        self.events.append(("run_finished", None))

    def told(self, text: str) -> None:
        self.events.append(("told", text))


@pytest.fixture
def made(tmp_path: Path) -> Iterator[Callable[..., tuple[Controller, Threads, Heard, Canned]]]:
    built: list[Controller] = []

    def make(canned: Canned | None = None, engine_factory: Any = None, session: Session | None = None,
             resumed: bool = False, lang: str = "en") -> tuple[Controller, Threads, Heard, Canned]:
        canned = canned or Canned()
        threads, heard = Threads(), Heard()
        session = session or Session.start(tmp_path, lambda text: text, "wizard")
        control = Controller(canned_settings(), Texts(lang), session, NoSecrets(), threads, heard,
                             engine_factory=engine_factory or canned_factory(canned), resumed=resumed,
                             needed_secrets=())
        control.load_engine()
        threads.settle()
        built.append(control)
        return control, threads, heard, canned

    yield make
    for control in built:
        control.close()


def test_the_engine_loads_off_thread_and_the_listener_hears_it(made: Any) -> None:
    control, _, heard, _ = made()
    assert control.engine is not None and ("engine_ready", ()) in heard.events


def test_a_run_records_each_result_and_tells_once_per_burst(made: Any) -> None:
    control, threads, heard, _ = made()
    control.runs.request(["mt.no-snapshots", "mt.disk-count"])
    threads.settle()
    assert control.status("mt.no-snapshots") == Shown.FAIL and control.status("mt.disk-count") == Shown.PASS
    assert heard.events.count(("run_finished", None)) == 1
    assert heard.events.count(("results_changed", None)) == 1, "one notice until the owner takes it"


def test_a_request_during_a_run_joins_the_next_and_stop_cancels(made: Any) -> None:
    canned = Canned()
    gate = threading.Event()
    canned.hold["mt.disk-count"] = gate
    control, threads, heard, _ = made(canned)
    control.runs.request(["mt.disk-count"])
    assert control.status("mt.disk-count") == Shown.RUNNING and control.runs.busy
    control.runs.request(["mt.no-snapshots"])  # waits: runs never overlap
    assert control.status("mt.no-snapshots") == Shown.PENDING
    assert control.runs.stop(), "something was running"
    until(lambda: not control.runs.busy)  # the run ends on the stop, its hung check still held
    gate.set()
    threads.settle()
    assert control.result("mt.disk-count").key == "cancelled"
    assert control.result("mt.no-snapshots") is None, "stop drops what waited"
    assert not control.runs.busy


def test_a_screen_runs_only_what_has_no_answer(made: Any) -> None:
    control, threads, _, _ = made()
    control.runs.request(["mt.no-snapshots"])
    threads.settle()
    before = control.checked("mt.no-snapshots")
    assert control.runs.screen_opened(["mt.no-snapshots", "mt.disk-count"])
    threads.settle()
    assert control.result("mt.disk-count") is not None
    assert control.session.state.result_seq["mt.no-snapshots"] < control.session.state.result_seq["mt.disk-count"]
    assert control.checked("mt.no-snapshots") == before
    assert not control.runs.screen_opened(["mt.no-snapshots", "mt.disk-count"]), "nothing left to run"


def test_after_a_resume_each_check_runs_again_and_what_changed_is_said(made: Any, tmp_path: Path) -> None:
    canned = Canned()
    first, threads, _, _ = made(canned)
    first.runs.request(["mt.no-snapshots", "mt.disk-count"])
    threads.settle()
    from control.transcript import entries

    [entry] = entries(tmp_path)
    canned.status["mt.no-snapshots"] = Status.PASS  # the site answers differently now
    resumed, threads, _, _ = made(canned, session=Session.resume(entry, lambda text: text), resumed=True)
    assert resumed.runs.screen_opened(["mt.no-snapshots", "mt.disk-count"]), "answers from before run again"
    threads.settle()
    assert resumed.runs.changes_since_resume() == [("mt.no-snapshots", Status.FAIL, Status.PASS)]
    assert resumed.runs.changes_since_resume() == [], "said once"


def test_answers_are_recorded_with_who_and_rerun_the_manual_check(made: Any) -> None:
    control, threads, _, _ = made()
    control.answers.answer("cs.same-ip", "confirm", "same as before")
    threads.settle()
    answer = control.answers.answer_of("cs.same-ip")
    assert answer is not None and answer.status == "confirmed" and answer.note == "same as before" and answer.by
    assert control.status("cs.same-ip") == Shown.PASS
    control.answers.answer("mt.step-5", "note", "the disk shows after a refresh")
    assert [n.text for n in control.answers.notes_for("mt.step-5")] == ["the disk shows after a refresh"]
    with pytest.raises(ValueError):
        control.answers.answer("cs.same-ip", "maybe", "")


class Reply:
    def __init__(self) -> None:
        self.heard: list[tuple[str, Any]] = []

    def planned(self, plan: Plan) -> None:
        self.heard.append(("planned", plan))

    def progress(self, text: str) -> None:
        self.heard.append(("progress", text))

    def done(self, task: str, detail: str) -> None:
        self.heard.append(("done", (task, detail)))

    def failed(self, stage: str, reason: str) -> None:
        self.heard.append(("failed", (stage, reason)))


def _engine_with(fix: Fix, canned: Canned) -> Any:
    base = canned_factory(canned)

    def factory(settings: Any, lookup: Any) -> Any:
        from control.engine import Engine

        engine = base(settings, lookup)
        return Engine(engine.settings, engine.checks, {**engine.fixes, fix.id: fix}, engine.sources, engine.config_answers)

    return factory


def test_a_fix_it_plans_applies_in_the_sessions_language_and_its_checks_run_again(made: Any) -> None:
    from checks.model import Component

    canned = Canned()

    def plan(ctx: Any, params: Any) -> Plan:
        return Plan("mt.set-disk-enableuuid", "mt-win01", changes=[Said("vcenter-fixes:change-enable-uuid", {
            "name": "mt-win01", "moref": "vm-1", "option": "disk.EnableUUID"})])

    def apply(ctx: Any, plan: Plan, progress: Any) -> Applied:
        progress(Said("vcenter-fixes:progress-started", {"method": "ReconfigVM_Task", "task": "task-9"}))
        canned.status["mt.disk-enableuuid"] = Status.PASS
        return Applied("task-9", Said("vcenter-fixes:done-enable-uuid"))

    fix = Fix("mt.set-disk-enableuuid", Component.MASTER_TARGET, (), plan, apply, rechecks=("mt.disk-enableuuid",))
    control, threads, _, _ = made(canned, engine_factory=_engine_with(fix, canned), lang="zh-CN")
    reply = Reply()
    control.fixes.plan(fix.id, {}, reply)
    threads.settle()
    [(kind, planned)] = reply.heard
    assert kind == "planned" and planned.changes
    control.fixes.apply(planned, reply)
    threads.settle()
    kinds = [k for k, _ in reply.heard]
    assert kinds[-1] == "done" and "progress" in kinds
    task, detail = reply.heard[-1][1]
    assert task == "task-9" and "关机再开机" in detail, "said in the session's language"
    assert [r.id for r in control.runs.announcements()] == ["mt.disk-enableuuid"]
    assert control.status("mt.disk-enableuuid") == Shown.PASS
    recorded = {e["type"]: e for e in _events(control)}
    assert "对 mt-win01" in recorded["fix.preview"]["changes"][0], "the record is in the session's language too"
    assert recorded["fix.applied"]["task"] == "task-9"


def test_a_fix_it_that_fails_says_why_and_records_it(made: Any) -> None:
    from checks.model import Component, FixError

    def plan(ctx: Any, params: Any) -> Plan:
        raise FixError(Said("vcenter-fixes:no-master-target"))

    fix = Fix("mt.remove-snapshots", Component.MASTER_TARGET, (), plan, lambda *a: Applied(), rechecks=())
    canned = Canned()
    control, threads, _, _ = made(canned, engine_factory=_engine_with(fix, canned))
    reply = Reply()
    control.fixes.plan(fix.id, {}, reply)
    threads.settle()
    assert reply.heard == [("failed", ("plan", Texts("en").say(Said("vcenter-fixes:no-master-target"))))]
    assert control.session.state.failures[-1]["type"] == "fix.failed"


def test_trusting_a_certificate_pins_it_records_it_and_checks_again(made: Any, tmp_path: Path) -> None:
    from checks.model import VCenterSettings

    config = tmp_path / "site.toml"
    config.write_text('# the site\n[vcenter]\nhost = "vc01"  # the name the CS uses\nuser = "admin"\n', encoding="utf-8")
    control, threads, _, _ = made()
    settings = replace(canned_settings(str(config)), vcenter=VCenterSettings(host="vc01", user="admin"))
    control.access.settings = control.settings = settings
    assert control.access.trust_vcenter("AA:BB") is True
    threads.settle()
    assert control.settings.vcenter is not None and control.settings.vcenter.thumbprint == "AA:BB"
    text = config.read_text(encoding="utf-8")
    assert 'thumbprint = "AA:BB"' in text and "# the name the CS uses" in text and text.startswith("# the site")
    assert any("trusted" in n for n in [e.get("text", "") for e in _events(control)])
    assert control.result("vc.connect") is not None, "vc.connect ran again"


def _events(control: Controller) -> list[dict[str, Any]]:
    from control.transcript import read

    return list(read(control.session.transcript.path))


def test_a_thumbprint_that_cannot_be_saved_is_trusted_for_the_session_and_said(
        made: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """A config the wizard cannot write (read-only, a full disk) must not end the wizard: the certificate
    is trusted for this session, the record and the screen say the file was not changed, and why."""
    from checks.model import VCenterSettings
    from control import config as config_module

    config = tmp_path / "site.toml"
    config.write_text('[vcenter]\nhost = "vc01"\nuser = "admin"\n', encoding="utf-8")

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(config))

    monkeypatch.setattr(config_module, "save_value", refuse)
    control, threads, _, _ = made()
    settings = replace(canned_settings(str(config)), vcenter=VCenterSettings(host="vc01", user="admin"))
    control.access.settings = control.settings = settings
    assert control.access.trust_vcenter("AA:BB") is False
    threads.settle()
    assert control.settings.vcenter is not None and control.settings.vcenter.thumbprint == "AA:BB"
    assert "Permission denied" in control.access.last_save_problem
    assert any("not saved to" in e.get("text", "") for e in _events(control))
    assert "thumbprint" not in config.read_text(encoding="utf-8")


def test_a_destructive_change_is_not_sent_without_its_targets_name(made: Any) -> None:
    """The controller holds the rule, not only the dialog: a destructive plan applied without the
    target's name typed sends nothing and says what to type."""
    from checks.model import Component

    sent: list[Plan] = []

    def apply(ctx: Any, plan: Plan, progress: Any) -> Applied:
        sent.append(plan)
        return Applied(task="task-1")

    plan = Plan("mt.remove-snapshots", "mt-win01 (vm-42)", [Said("raw:text", {"text": "remove 2 snapshots"})],
                target_name="mt-win01")
    fix = Fix("mt.remove-snapshots", Component.MASTER_TARGET, (), lambda *a: plan, apply, rechecks=(),
              destructive=True)
    canned = Canned()
    control, threads, _, _ = made(canned, engine_factory=_engine_with(fix, canned))
    for typed in ("", "mt-win01 (vm-42)", "mt-win02"):
        reply = Reply()
        control.fixes.apply(plan, reply, typed_name=typed)
        threads.settle()
        assert reply.heard == [("failed", ("apply", "This cannot be undone. Type mt-win01 to confirm."))]
    assert sent == []
    reply = Reply()
    control.fixes.apply(plan, reply, typed_name=" mt-win01 ")
    threads.settle()
    assert [p.target for p in sent] == ["mt-win01 (vm-42)"] and reply.heard[-1][0] == "done"


def test_an_error_part_way_says_the_outcome_is_unknown(made: Any) -> None:
    """Not a refusal the fix-it worded but an error while applying: the change may or may not have
    been made, and the operator is told so, as the CLI tells it."""
    from checks.model import Component

    def apply(ctx: Any, plan: Plan, progress: Any) -> Applied:
        raise ConnectionResetError("connection reset by peer")

    plan = Plan("mt.set-disk-enableuuid", "mt-win01", [Said("raw:text", {"text": "set disk.EnableUUID"})])
    fix = Fix("mt.set-disk-enableuuid", Component.MASTER_TARGET, (), lambda *a: plan, apply, rechecks=())
    canned = Canned()
    control, threads, _, _ = made(canned, engine_factory=_engine_with(fix, canned))
    reply = Reply()
    control.fixes.apply(plan, reply)
    threads.settle()
    [(kind, (stage, reason))] = reply.heard
    assert kind == "failed" and stage == "apply"
    assert "whether the change was made is unknown" in reason and "connection reset" in reason


def test_the_wizard_and_the_cli_read_parameters_alike() -> None:
    from checks.model import Component
    from checks.spec import Param
    from control.fixits import read_values

    fix = Fix("mt.add-retention-disk", Component.MASTER_TARGET, (), lambda *a: None, lambda *a: Applied(), rechecks=(),
              params=(Param("size_gb", int, required=True, minimum=1, maximum=62000), Param("datastore", str)))
    assert read_values(fix, {"size_gb": " 200 "}) == ({"size_gb": 200}, None)
    assert read_values(fix, {})[1] == ("size_gb", "needed", "")
    assert read_values(fix, {"size_gb": "1.5"})[1] == ("size_gb", "number", "1.5")
    assert read_values(fix, {"size_gb": "0"})[1] == ("size_gb", "range", "0")


def test_a_keyring_that_cannot_store_is_said_in_the_sessions_language(made: Any, monkeypatch: Any) -> None:
    """No Secret Service (the tests' keyring backend fails): the connect screen hears why, in Chinese."""
    from checks.model import VCenterSettings

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    control, threads, _, _ = made(lang="zh-CN")
    control.access.settings = replace(control.settings, vcenter=VCenterSettings(host="vc01", user="admin"))
    heard: list[tuple[str, str]] = []

    class Connect:
        def probed(self, info: dict[str, Any]) -> None: ...

        def stored(self, kind: str, problem: str) -> None:
            heard.append((kind, problem))

    control.access.use_secret("vcenter", "s3cret-typed", True, Connect())
    threads.settle()
    [(kind, problem)] = heard
    assert kind == "vcenter" and "密钥环" in problem and "FAILBACK_PREP_VCENTER_PASSWORD" in problem
    from tests.english import english_words

    assert not english_words(problem.replace("FAILBACK_PREP_VCENTER_PASSWORD", "").replace(
        "FAILBACK_PREP_AZURE_CLIENT_SECRET", "").replace("Secret Service", "")), problem
