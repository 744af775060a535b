"""The whole flow through Pilot, against the simulated vCenter and Azure vault:
connect, overview, a component, two fix-its (one destructive), manual steps, readiness, resume."""

from __future__ import annotations

from pathlib import Path

from checks.model import Status
from screens.answer import AnswerScreen
from screens.component import ComponentScreen
from screens.fix import FixScreen
from screens.master_target import MasterTargetScreen
from screens.overview import OverviewScreen
from screens.readiness import ReadinessScreen
from control import config, credentials
from tui.demo import SimulatedSite
from control.transcript import read, resolve
from screens.widgets import CheckTable

from tests.english import english_words

from .harness import make_app, wait_for


def app_for(site: SimulatedSite, transcripts: Path, **kwargs):
    settings = config.load(site.config_path)
    lookup = credentials.Lookup(settings, extra=site.secrets)
    return make_app(settings, lookup, transcripts, secrets=tuple(site.secrets.values()), **kwargs)


def status(app, check_id: str) -> Status | None:
    result = app.control.session.state.results.get(check_id)
    return result.status if result else None


async def select_row(pilot, key: str) -> None:
    table = pilot.app.screen.query_one(CheckTable)
    table.move_cursor(row=table.get_row_index(key))
    table.focus()
    await pilot.pause()


async def run_fix(pilot, check_id: str, typed_name: str | None = None) -> None:
    said: list[tuple[str, str]] = []
    notify = pilot.app.notify
    pilot.app.notify = lambda text, **kw: (said.append((kw.get("title", ""), str(text))), notify(text, **kw))[1]
    try:
        await _run_fix(pilot, check_id, typed_name, said)
    finally:
        pilot.app.notify = notify


async def _run_fix(pilot, check_id: str, typed_name: str | None, said: list[tuple[str, str]]) -> None:
    await select_row(pilot, check_id)
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FixScreen) and pilot.app.screen.stage == "planned")
    dialog = pilot.app.screen
    assert dialog.plan is not None and dialog.plan.changes, "the preview shows the exact change"
    if typed_name is not None:
        assert dialog.query_one("#apply").disabled, "a destructive fix-it waits for the name"
        await pilot.press(*typed_name)
        await pilot.press("enter")
    else:
        await pilot.click("#apply")
    await wait_for(pilot, lambda: dialog.stage in ("done", "failed"), timeout=60)
    assert dialog.stage == "done", dialog.query_one("#fix-progress").render()
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FixScreen))  # it closes on success
    await wait_for(pilot, lambda: not pilot.app.control.runs.running and status(pilot.app, check_id) == Status.PASS, timeout=60)
    title = pilot.app.texts.check_title(check_id)
    await wait_for(pilot, lambda: any(t == title for t, _ in said))  # and says what the check finds now


async def test_whole_flow_with_fixes_manual_steps_and_resume(site: SimulatedSite, transcripts: Path) -> None:
    app = app_for(site, transcripts)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(app, "vc.connect") == Status.PASS and status(app, "az.connect")
                       == Status.PASS)
        await pilot.press("f9")
        assert isinstance(app.screen, OverviewScreen)
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running
                       and len(app.control.session.state.results) == len(app.control.engine.checks), timeout=60)
        assert status(app, "mt.disk-enableuuid") == Status.FAIL
        assert status(app, "mt.no-snapshots") == Status.FAIL
        # The demo's vault: db01's Azure VM is deallocated, read from Resource Manager.
        failed_over = app.control.session.state.results["vm.failed-over"]
        assert failed_over.status == Status.FAIL and "db01: the Azure VM is deallocated; start it" in \
            app.texts.summary(failed_over)
        # The process server in Azure is tested on its data port only.
        assert list(app.control.session.state.results["ps.reachable"].evidence["ports"]) == [str(site.data_port)]

        await pilot.press("3")
        assert isinstance(app.screen, ComponentScreen)
        await run_fix(pilot, "mt.disk-enableuuid")
        await run_fix(pilot, "mt.no-snapshots", typed_name="mt-win01")

        await pilot.press("escape")
        await pilot.press("t")
        assert isinstance(app.screen, MasterTargetScreen)
        await select_row(pilot, "mt.retention-formatted")
        await pilot.press("m")
        assert isinstance(app.screen, AnswerScreen)
        await pilot.press(*"R: NTFS 50 GB")
        await pilot.press("enter")
        await wait_for(pilot, lambda: status(app, "mt.retention-formatted") == Status.PASS)

        await select_row(pilot, "mt.step-5")
        await pilot.press("enter")
        await pilot.press(*"disk shown after refresh")
        await pilot.click("#skip")
        assert app.control.session.state.answers["mt.step-5"].status == "skipped"
        # The answered step is no longer a problem: it moved down, and the cursor is on the next problem.
        table = pilot.app.screen.query_one(CheckTable)
        assert table.get_row_index("mt.step-5") > table.cursor_row
        await select_row(pilot, "mt.step-5")
        assert "disk shown after refresh" in pilot.app.screen.query_one("#detail-text").render().plain
        shown_screen = type(app.screen)

    session = app.control.session.session_id
    # No finish(): the process "dies" here, as with kill -9.
    entry = resolve(transcripts, session)
    events = list(read(entry.path))
    kinds = [e["type"] for e in events]
    for kind in ("session.start", "check.result", "fix.preview", "fix.applied", "step.confirmed",
                 "step.skipped", "screen.shown"):
        assert kind in kinds, kind
    confirmed = next(e for e in events if e["type"] == "step.confirmed")
    assert confirmed["by"] == "oncall@jump01" and confirmed["step"] == "mt.retention-formatted"
    applied = [e["fix"] for e in events if e["type"] == "fix.applied"]
    assert applied == ["mt.set-disk-enableuuid", "mt.remove-snapshots"]
    text = entry.path.read_text()
    for secret in site.secrets.values():
        assert secret not in text

    resumed = app_for(site, transcripts, resume=entry)
    async with resumed.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: resumed.control.engine is not None)
        assert type(resumed.screen) is shown_screen, "back on the screen it was killed on"
        assert status(resumed, "mt.disk-enableuuid") == Status.PASS
        assert resumed.control.session.state.answers["mt.retention-formatted"].note == "R: NTFS 50 GB"
        assert resumed.control.engine.settings.answers["mt.retention-formatted"].status == "confirmed"
        await pilot.press("escape")
        await pilot.press("g")
        assert isinstance(resumed.screen, ReadinessScreen)
        keys = [str(k.value) for k in resumed.screen.query_one(CheckTable).rows]
        assert "mt.disk-enableuuid" not in keys and "mt.step-5" not in keys
        assert "mt.vmware-tools" in keys, "what still blocks reprotect is listed"
    resumed.finish()
    events = list(read(entry.path))
    assert events[-1]["type"] == "session.end"
    assert len({e["session"] for e in events}) == 1, "the resumed session appends to the same transcript"


async def test_the_detail_pane_shows_each_whole_finding_at_80x24(site: SimulatedSite, transcripts: Path) -> None:
    """Every row of every component on the demo site, in both languages: the finding, its remedy and
    its fix-it buttons fit the pane below the table, with nothing to scroll to."""
    from screens.widgets import CheckDetail

    cut: dict[str, float] = {}
    for lang in ("en", "zh-CN"):
        app = app_for(site, transcripts, lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running, timeout=60)
            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and not app.control.runs.running
                           and len(app.control.session.state.results) == len(app.control.engine.checks), timeout=60)
            for number in "12345":
                await pilot.press(number)
                await wait_for(pilot, lambda: isinstance(app.screen, ComponentScreen))
                table = app.screen.query_one(CheckTable)
                for index in range(table.row_count):
                    table.move_cursor(row=index)
                    detail = app.screen.query_one(CheckDetail)
                    await wait_for(pilot, lambda: str(table.selected) in str(detail.query_one("#detail-text").render()))
                    await pilot.pause()  # and laid out
                    if detail.max_scroll_y > 0:
                        cut[f"{lang} {table.selected}"] = detail.max_scroll_y
                await pilot.press("escape")
    assert cut == {}, "lines below the pane's edge"




def _visible_text(app) -> str:
    from textual.widgets import Button, DataTable, Input, Static

    parts = [app.screen.title or "", app.screen.sub_title or ""]
    for widget in app.screen.query("*"):
        if isinstance(widget, DataTable):
            parts += [str(c.label) for c in widget.columns.values()]
            parts += [str(cell) for i in range(widget.row_count) for cell in widget.get_row_at(i)]
        elif isinstance(widget, Button):
            parts.append(str(widget.label))
        elif isinstance(widget, Input):
            parts += [widget.placeholder, widget.value]
        elif isinstance(widget, Static) and widget.display:
            parts.append(str(widget.render()))
    return "\n".join(parts)


async def test_chinese_screens_and_fix_it_texts_leave_no_english_words(site: SimulatedSite, transcripts: Path) -> None:
    seen: list[str] = []
    app = app_for(site, transcripts, lang="zh-CN")
    notify = app.notify
    app.notify = lambda text, **kw: (seen.append(f"{kw.get('title', '')}\n{text}"), notify(text, **kw))[1]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.control.engine is not None and not app.control.runs.running, timeout=60)
        seen.append(_visible_text(app))
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, OverviewScreen) and not app.control.runs.running
                       and len(app.control.session.state.results) == len(app.control.engine.checks), timeout=60)
        for key in "12345dtvpg":
            await pilot.press(key)
            await wait_for(pilot, lambda: len(app.screen_stack) > 2 and app.screen.is_mounted)
            await pilot.pause()
            for table in app.screen.query(CheckTable):
                assert table.row_count, f"{key}: a table with no rows"
                for index in range(table.row_count):
                    table.move_cursor(row=index)
                    # A check's row shows its id in the detail; a procedure step's row is drawn after a pause.
                    await wait_for(pilot, lambda: ".step-" in str(table.selected) or str(table.selected) in _visible_text(app))
                    await pilot.pause()
                    seen.append(_visible_text(app))
            seen.append(_visible_text(app))
            await pilot.press("f1")
            seen.append(_visible_text(app))
            while len(app.screen_stack) > 2:
                await pilot.press("escape")
        await pilot.press("3")
        for check_id in ("mt.no-snapshots", "mt.storage-vmotion", "mt.retention-volume", "mt.disk-enableuuid"):
            await select_row(pilot, check_id)
            await pilot.press("x")
            # The plan, or why it cannot be made (the retention disk's size when none fits).
            await wait_for(pilot, lambda: isinstance(app.screen, FixScreen) and (
                app.screen.stage == "planned" or bool(str(app.screen.query_one("#fix-progress").render()).strip())))
            seen.append(_visible_text(app))
            await pilot.press("escape")
        await run_fix(pilot, "mt.disk-enableuuid")
        await wait_for(pilot, lambda: status(app, "mt.disk-enableuuid") == Status.PASS and not app.control.runs.running)
        seen.append(_visible_text(app))
    english = {word: next(line for text in seen for line in text.splitlines() if word in english_words(line))
               for word in set().union(*(english_words(text) for text in seen))}
    assert not english, "English words on Chinese screens:\n" + "\n".join(f"{w}: {line}" for w, line in english.items())
