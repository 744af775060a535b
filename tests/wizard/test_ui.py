"""Pure-UI behaviour against canned sources: workers, cancel, coalescing, live re-checks, answers, errors."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from rich.text import Text

from checks.model import Answer, Said, Settings, SiteSettings, Status
from checks.texts import load_language
from screens.answer import AnswerScreen
from screens.component import ComponentScreen
from screens.connect import ConnectScreen
from screens.overview import OverviewScreen
from tests.conftest import ROOT
from tui.app import ResultsChanged
from tui.export import to_markdown
from control.transcript import read
from screens.widgets import CheckDetail, CheckTable

from .harness import Canned, NoSecrets, canned_factory, canned_settings, make_app, texts, wait_for


def canned_app(transcripts: Path, canned: Canned | None = None, settings: Settings | None = None, **kwargs):
    canned = canned or Canned()
    return make_app(settings or canned_settings(), NoSecrets(), transcripts,
                    engine_factory=canned_factory(canned), needed_secrets=(), **kwargs)


async def to_overview(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.control.engine is not None)
    await pilot.press("f9")
    await wait_for(pilot, lambda: not app.control.runs.running and len(app.control.session.state.results) == len(app.control.engine.checks))


async def test_results_stream_in_coalesced_and_a_hung_check_can_be_stopped(transcripts: Path) -> None:
    canned = Canned()
    gate = threading.Event()
    canned.hold["mt.vmfs-datastore"] = gate
    app = canned_app(transcripts, canned)
    messages: list[object] = []
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await wait_for(pilot, lambda: app.control.engine is not None)
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.control.runs.running == {"mt.vmfs-datastore"})
        await pilot.press("3")
        table = app.screen.query_one(CheckTable)
        row = table.get_row_index("mt.vmfs-datastore")
        assert table.get_row_at(row)[0].plain == "…", "a hung check shows as running"
        assert app.screen.query_one("#run-status").display
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.control.runs.running)
        result = app.control.session.state.results["mt.vmfs-datastore"]
        assert result.status == Status.ERROR and result.key == "cancelled"
        gate.set()
    changes = [m for m in messages if isinstance(m, ResultsChanged)]
    assert 0 < len(changes) < len(app.control.engine.checks), "results arrive in bursts, not one message each"
    assert canned.reads == 2, "one fetch per run (connect, then the rest), however many checks read it"


async def test_the_first_screen_is_the_bottom_and_esc_from_the_overview_returns_to_it(transcripts: Path) -> None:
    app = canned_app(transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.control.engine is not None)
        assert [type(s) for s in app.screen_stack] == [ConnectScreen], "no blank screen under the first one"
        await pilot.press("escape")
        assert isinstance(app.screen, ConnectScreen), "nothing is behind connect"
        await pilot.press("f9")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("3")
        assert isinstance(app.screen, ComponentScreen)
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, ConnectScreen), "back to connect, to trust, retype or re-check"
        await pilot.press("f9")
        assert isinstance(app.screen, OverviewScreen) and len(app.screen_stack) == 2
    shown = [e["screen"] for e in read(app.control.session.transcript.path) if e["type"] == "screen.shown"]
    assert shown == ["connect", "overview", "component", "overview", "connect", "overview"]


async def test_live_rechecks_are_a_timer_chain_while_the_screen_is_open(transcripts: Path) -> None:
    canned = Canned()
    app = canned_app(transcripts, canned, recheck_s=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("3")
        canned.status["mt.no-snapshots"] = Status.PASS  # someone fixed it outside the wizard
        await wait_for(pilot, lambda: app.control.session.state.results["mt.no-snapshots"].status == Status.PASS, timeout=5)
        assert canned.reads >= 2
        assert all(t._repeat == 0 for t in app._timers), "one-shot timers only: no set_interval loop"


async def test_a_worker_error_is_shown_and_recorded_not_a_crash(transcripts: Path) -> None:
    def broken(settings, lookup):
        raise RuntimeError("the catalog could not be read")

    app = make_app(canned_settings(), NoSecrets(), transcripts, engine_factory=broken, needed_secrets=())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: any(f.get("step") == "engine.load" for f in app.control.session.state.failures))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConnectScreen)
        assert any("the catalog could not be read" in str(n.message) for n in app._notifications)
    events = list(read(app.control.session.transcript.path))
    failed = [e for e in events if e["type"] == "step.failed"]
    assert failed and failed[0]["reason"] == "the catalog could not be read"


async def test_manual_steps_confirm_skip_and_note_feed_the_checks(transcripts: Path) -> None:
    app = canned_app(transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, ComponentScreen)
        table = app.screen.query_one(CheckTable)
        table.move_cursor(row=table.get_row_index("ps.bandwidth"))
        await pilot.press("enter")
        assert isinstance(app.screen, AnswerScreen)
        await pilot.press(*"1 Gbps, 20% used")
        await pilot.click("#note")
        assert app.control.session.state.notes_for("ps.bandwidth")[0].text == "1 Gbps, 20% used"
        await pilot.press("m")
        await pilot.click("#skip")
        assert "ps.bandwidth" not in app.control.session.state.answers, "skipping needs a reason"
        await pilot.press(*"measured by the network team")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.control.session.state.results["ps.bandwidth"].status == Status.PASS)
        answer = app.control.session.state.answers["ps.bandwidth"]
        assert (answer.by, answer.at) == ("oncall@jump01", "2026-11-25T21:00:00Z")
    markdown = to_markdown(list(read(app.control.session.transcript.path)), texts("en"))
    assert "ps.bandwidth" in markdown and "oncall@jump01" in markdown and "1 Gbps, 20% used" in markdown


async def test_config_answers_drive_manual_steps_unattended(transcripts: Path) -> None:
    settings = Settings(site=SiteSettings(master_target="mt-win01"),
                        answers={"mt.discovery-done": Answer("skipped", "no physical machines")})
    app = canned_app(transcripts, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        assert app.control.session.state.results["mt.discovery-done"].status == Status.SKIP
        await pilot.press("t")
        table = app.screen.query_one(CheckTable)
        table.move_cursor(row=table.get_row_index("mt.discovery-done"))
        await pilot.pause()
        assert "the configuration file" in app.screen.query_one("#detail-text").render().plain


async def test_palette_offers_the_actions_of_the_current_screen(transcripts: Path) -> None:
    app = canned_app(transcripts, lang="zh-CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "端口图" in titles and "帮助" in titles
        await pilot.press("f1")
        assert "本页面的按键" in str(app.screen.query_one("#help-dialog Static").render())
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_copy_shows_the_text_as_well(transcripts: Path) -> None:
    app = canned_app(transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("3")
        table = app.screen.query_one(CheckTable)
        table.move_cursor(row=table.get_row_index("mt.disk-enableuuid"))
        await pilot.press("c")
        remedy = app.texts.check_remedy("mt.disk-enableuuid")
        assert app.clipboard == remedy
        assert any(n.message == remedy for n in app._notifications)


def test_both_languages_have_the_same_wizard_keys() -> None:
    import tomllib
    from importlib import resources

    def keys(lang: str) -> set[str]:
        data = tomllib.loads((resources.files("assets") / "texts" / lang / "wizard.toml").read_text("utf-8"))
        assert all(k.startswith("wizard.") for k in data["ui"])
        return {f"{table}.{key}" for table, values in data.items() for key in values}

    assert keys("en") == keys("zh-CN")
    assert load_language("zh-CN")["ui"]["wizard.title"]


def test_the_wizard_loads_no_sdk_before_a_worker_needs_it() -> None:
    code = (
        "import sys, tui.cli, tui.app, screens.registry, screens.component, screens.fix;"
        "heavy = [m for m in ('pyVmomi', 'azure', 'keyring', 'httpx', 'checks.catalog') if m in sys.modules];"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_the_first_screen_loads_only_what_it_shows(tmp_path: Path) -> None:
    """Start-up time (bench/startup.py) is mostly imports: `failback-prep` must not pull in the table
    screens, the table widgets, the check catalog or an SDK before its first frame is drawn."""
    config = tmp_path / "site.toml"
    config.write_text('[site]\nmaster_target = "mt-win01"\nfailback_vms = ["app01"]\n', encoding="utf-8")
    code = f"""
import sys
from tui import app as wizard
from tui import cli

def on_ready(self):  # Textual: the first frame is on the terminal (the wizard's own loads the checks)
    # (Textual itself loads Input and Button, for its command palette.)
    watched = ("textual.widgets._data_table", "textual.widgets._checkbox", "screens.overview",
               "screens.table", "screens.widgets", "control.engine", "tui.headless", "checks.catalog",
               "checks.spec", "checks.manual", "pyVmomi", "azure", "keyring", "httpx",
               "importlib.metadata", "importlib.resources")
    print("LOADED", sorted(m for m in watched if m in sys.modules), flush=True)
    self.exit()

wizard.WizardApp.on_ready = on_ready
run = wizard.WizardApp.run
wizard.WizardApp.run = lambda self, **kw: run(self, headless=True)
sys.exit(cli.main(["--config", {str(config)!r}, "--transcript-dir", {str(tmp_path / "t")!r}]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    loaded = [line for line in done.stdout.splitlines() if line.startswith("LOADED")]
    assert loaded == ["LOADED []"], done.stdout + done.stderr[-2000:]


# --- the fix-it dialog -------------------------------------------------------------------------


def _fake_fixes_app(transcripts: Path, planned: list[dict], target: str, target_name: str):
    """The canned wizard whose retention-disk and snapshot fix-its only record what they were asked to plan."""
    from checks import catalog
    from checks.spec import Applied, Fix, Plan
    from control.engine import Engine

    def plan(fix_id: str):
        def make(ctx, params):
            planned.append(dict(params))
            return Plan(fix_id, target, changes=[Said("raw:text", {"text": f"change {dict(params)}"})], request={},
                        target_name=target_name)

        return make

    def fake(fix_id: str) -> Fix:
        real = catalog.fix(fix_id)
        return Fix(real.id, real.component, ("canned",), plan(fix_id), lambda ctx, p, progress: Applied("task-1", Said("raw:text", {"text": "done"})),
                   rechecks=(), params=real.params, destructive=real.destructive)

    base = canned_factory(Canned())

    def factory(settings: Settings, lookup: object) -> Engine:
        engine = base(settings, lookup)
        fixes = {**engine.fixes, **{f: fake(f) for f in ("mt.add-retention-disk", "mt.remove-snapshots")}}
        return Engine(engine.settings, engine.checks, fixes, engine.sources, engine.config_answers)

    return make_app(canned_settings(), NoSecrets(), transcripts, engine_factory=factory, needed_secrets=())


async def test_fix_dialog_refuses_a_size_out_of_range_as_it_is_typed(transcripts: Path) -> None:
    from textual.widgets import Button, Input

    from screens.fix import FixScreen

    planned: list[dict] = []
    app = _fake_fixes_app(transcripts, planned, "mt-win01 (vm-42)", "mt-win01")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_overview(pilot)
        await app.push_screen(FixScreen(app.control, app.control.fixes.get("mt.add-retention-disk")))
        await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and app.screen.query("#param-size_gb"))
        dialog = app.screen
        size = dialog.query_one("#param-size_gb", Input)
        size.focus()
        await pilot.press(*"70000")
        await pilot.pause()
        error = str(dialog.query_one("#fix-progress").render())
        assert error == "size_gb must be from 1 to 63488.", "refused at once, with the range"
        await pilot.press("enter")  # handled at once: planning would have been asked for by now
        await pilot.pause()
        assert planned == [] and dialog.plan is None, "nothing is planned with a value out of range"
        size.value = "20"
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.stage == "planned" and dialog.plan is not None)
        assert planned == [{"size_gb": 20}]
        apply = dialog.query_one("#apply", Button)
        assert not apply.disabled
        size.focus()
        await pilot.press("end", *"0000")  # focusing selects the text: type after it
        await pilot.pause()
        assert size.value == "200000", size.value
        assert apply.disabled, "a plan made with another size cannot be applied"
        assert "63488" in str(dialog.query_one("#fix-progress").render())
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await pilot.pause()
        assert size.value == "20", size.value
        assert not apply.disabled and str(dialog.query_one("#fix-progress").render()) == ""
        await pilot.press("backspace", "1")  # 21: a fine size, but not the one planned
        await pilot.pause()
        assert apply.disabled and "Preview again" in str(dialog.query_one("#fix-progress").render())
        assert planned == [{"size_gb": 20}]


def test_fix_dialog_range_sentence_in_chinese() -> None:
    from checks.texts import Texts

    text = Texts("zh-CN").ui("wizard.fix.param-range", name="size_gb", minimum=1, maximum=63488)
    assert text == "size_gb 必须在 1 到 63488 之间。"


async def test_destructive_fix_asks_for_the_plain_name_the_fix_it_gives(transcripts: Path) -> None:
    """The name to type comes from the plan, not from cutting the target's text: here it has brackets of its own."""
    from textual.widgets import Button, Input

    from screens.fix import FixScreen

    planned: list[dict] = []
    app = _fake_fixes_app(transcripts, planned, "mt-win01 (restored) (vm-42)", "mt-win01 (restored)")
    async with app.run_test(size=(100, 30)) as pilot:
        await to_overview(pilot)
        await app.push_screen(FixScreen(app.control, app.control.fixes.get("mt.remove-snapshots")))
        await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and app.screen.stage == "planned")
        dialog = app.screen
        assert "mt-win01 (restored) (vm-42)" in str(dialog.query_one("#fix-plan").render()), "the record keeps the moref"
        assert "Type mt-win01 (restored) to confirm" in str(dialog.query_one("#fix-warning").render())
        apply = dialog.query_one("#apply", Button)
        name = dialog.query_one("#confirm-name", Input)
        name.value = "mt-win01"
        await pilot.pause()
        assert apply.disabled
        name.value = "mt-win01 (restored)"
        await pilot.pause()
        assert not apply.disabled


async def test_a_reason_shared_by_many_checks_is_said_once(transcripts: Path) -> None:
    canned = Canned()
    reason = "No vCenter password is available; set FAILBACK_PREP_VCENTER_PASSWORD."
    for check_id in ("mt.disk-count", "mt.no-snapshots", "mt.scsi-controller", "mt.vmware-tools"):
        canned.unavailable[check_id] = reason
    app = canned_app(transcripts, canned)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        overview_causes = str(app.screen.query_one("#causes").render())
        assert "[1] 4 checks could not run, for one reason: " + reason in " ".join(overview_causes.split())
        await pilot.press("3")
        await wait_for(pilot, lambda: app.screen.query("#causes") and app.screen.query_one("#causes").display)
        table = app.screen.query_one(CheckTable)
        summaries = [str(table.get_row(key)[2]) for key in ("mt.disk-count", "mt.no-snapshots")]
        assert summaries == ["see [1] above"] * 2
        words = " ".join(str(app.screen.query_one("#causes").render()).split())
        assert words.count(reason) == 1


async def test_moving_fast_between_rows_with_fix_its_shows_the_buttons_of_the_row_it_stops_on(transcripts: Path) -> None:
    # Each row mounts its fix-it buttons as the old ones are still being removed: a key held down
    # must neither crash the wizard nor leave another row's buttons.
    from textual.widgets import Button

    app = canned_app(transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_overview(pilot)
        await pilot.press("3")
        table = app.screen.query_one(CheckTable)
        assert table.selected == "mt.no-snapshots"
        await pilot.press(*(["down", "up"] * 6), "down")
        # Faster than keys through a pilot: three rows' buttons within one tick, as in a real terminal.
        detail, text = app.screen.query_one(CheckDetail), Text("-")
        detail.show(text, [("mt.remove-snapshots", "a")])
        detail.show(text, [("mt.set-disk-enableuuid", "b")])
        detail.show(text, [("mt.remove-snapshots", "a")])
        app.screen.show_detail()

        def buttons() -> list[str | None]:
            return [b.name for b in app.screen.query("#detail-fixes Button").results(Button) if b.is_mounted]

        await wait_for(pilot, lambda: buttons() == ["mt.set-disk-enableuuid"])
        assert table.selected == "mt.disk-enableuuid"
        await pilot.press("x")
        assert type(app.screen).__name__ == "FixScreen" and app.screen.fix.id == "mt.set-disk-enableuuid"
