"""A transcript as a document for the incident review: Markdown or one self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from checks import report
from checks.spec import Result
from checks.texts import Texts
from control.status import Shown


# The component table's order, then the VMs: the order of the procedure.
SECTIONS = ("vcenter", "azure", "appliance", "configuration-server", "process-server", "master-target",
            "failback-policy", "network", "failback-vms")


def _latest(events: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last result event of each check, in the order they last arrived."""
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["type"] == "check.result":
            latest.pop(event["id"], None)
            latest[event["id"]] = event
    return latest


def _latest_results(events: Sequence[dict[str, Any]], texts: Texts) -> list[dict[str, str]]:
    """The last result of each check, rendered in the export's language, with what to do about it."""
    rows = []
    for event in _latest(events).values():
        result = Result.from_json(event)
        rows.append({"id": result.id, "status": str(result.status), "component": str(event.get("component") or ""),
                     "title": texts.check_title(result.id), "summary": texts.summary(result),
                     "remedy": texts.remedy(result) if report.has_remedy(result.status) else ""})
    return rows


def _sections(rows: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    """Results grouped by component in the procedure's order, problems first inside each."""
    rank = {name: i for i, name in enumerate(SECTIONS)}
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault(row["component"], []).append(row)
    ordered = sorted(grouped.items(), key=lambda item: rank.get(item[0], len(SECTIONS)))
    return [(name, sorted(items, key=lambda r: Shown(r["status"]).row_rank)) for name, items in ordered]


def _verdict(events: Sequence[dict[str, Any]], texts: Texts) -> str:
    """The verdict the text report gives, on the session's last result of each check."""
    from checks import catalog

    results = [Result.from_json(event) for event in _latest(events).values()]
    state = report.readiness(results, not_run=len(catalog.all_checks()) - len(results))
    return report.say_verdict(state, texts, report.counts(results))


def _step(texts: Texts, step: Any) -> str:
    """A step id with its title in the export's language: a manual check, or a wizard procedure step."""
    step = str(step)
    title = texts.get("steps", step) if ".step-" in step else texts.check_title(step)
    return f"{step} ({title})" if title != step else step


def _timeline(events: Sequence[dict[str, Any]], texts: Texts) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for e in events:
        kind = e["type"]
        if kind == "fix.preview":
            text = texts.ui("export.fix-preview", fix=e.get("fix"), target=e.get("target"),
                            changes="; ".join(e.get("changes") or []) or texts.ui("fix.nothing-to-do"))
        elif kind == "fix.applied":
            text = texts.ui("export.fix-applied", fix=e.get("fix"), target=e.get("target"), task=e.get("task") or "-")
            if e.get("detail"):  # what came of it (a probe's results, a power cycle still to do)
                text += " " + str(e["detail"])
        elif kind == "fix.failed":
            text = texts.ui("export.fix-failed", fix=e.get("fix"), reason=e.get("reason"))
        elif kind == "step.confirmed":
            text = texts.ui("export.step-confirmed", step=_step(texts, e.get("step")), by=e.get("by"), note=e.get("note") or "-")
        elif kind == "step.skipped":
            text = texts.ui("export.step-skipped", step=_step(texts, e.get("step")), by=e.get("by"), note=e.get("note") or "-")
        elif kind == "note":
            # A note on a step (from the wizard) says which step and who wrote it.
            about = f"{_step(texts, e['step'])}, {e.get('by') or '-'}: " if e.get("step") else ""
            text = texts.ui("export.note", text=about + str(e.get("text")))
        elif kind == "step.failed":
            text = texts.ui("wizard.export.step-failed", step=e.get("step"), reason=e.get("reason"))
        else:
            continue
        rows.append((str(e.get("ts", "")), text))
    return rows


def _head(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    start = events[0] if events else {}
    end = next((e for e in reversed(events) if e["type"] == "session.end"), None)
    return {
        "session": start.get("session", "?"),
        "started": start.get("ts", "?"),
        "ended": end.get("ts") if end else None,
        "operator": start.get("operator", "?"),
        "command": start.get("command", "?"),
        "config": start.get("config", "") or "-",
    }


def to_markdown(events: Sequence[dict[str, Any]], texts: Texts) -> str:
    head = _head(events)
    rows = _latest_results(events, texts)
    out = [f"# {texts.ui('export.title', session=head['session'])}", "", f"**{_verdict(events, texts)}**", ""]
    out.append(f"- {texts.ui('export.started')}: {head['started']}")
    out.append(f"- {texts.ui('export.ended')}: {head['ended'] or texts.ui('export.not-ended')}")
    out.append(f"- {texts.ui('export.operator')}: {head['operator']}")
    out.append(f"- {texts.ui('export.config')}: {head['config']}")

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    for component, items in _sections(rows):
        out += ["", f"## {texts.get('components', component) if component else texts.ui('export.results')}", ""]
        out.append(f"| {texts.ui('export.col-status')} | {texts.ui('export.col-check')} | "
                   f"{texts.ui('export.col-summary')} | {texts.ui('export.col-remedy')} |")
        out.append("| --- | --- | --- | --- |")
        for r in items:
            out.append(f"| {texts.get('status', r['status'])} | `{r['id']}` {cell(r['title'])} | {cell(r['summary'])} | "
                       f"{cell(r['remedy'])} |")
    timeline = _timeline(events, texts)
    if timeline:
        out += ["", f"## {texts.ui('export.timeline')}", ""]
        out += [f"- `{ts}` {text}" for ts, text in timeline]
    return "\n".join(out) + "\n"


_CSS = """body{font:14px/1.45 system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em auto;max-width:60em;color:#111}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
.pass{color:#176f2c}.fail{color:#b00020;font-weight:bold}.warn{color:#8a5a00}.error{color:#6a1b9a}.manual{color:#0d47a1}
code{background:#f3f3f3;padding:0 .2em}.verdict{font-weight:bold;font-size:1.15em}"""


def to_html(events: Sequence[dict[str, Any]], texts: Texts) -> str:
    e = html.escape
    head = _head(events)
    rows = _latest_results(events, texts)
    lang = "zh-CN" if texts.lang == "zh-CN" else "en"
    parts = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(texts.ui('export.title', session=head['session']))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(texts.ui('export.title', session=head['session']))}</h1>",
        f'<p class="verdict">{e(_verdict(events, texts))}</p><ul>',
        f"<li>{e(texts.ui('export.started'))}: {e(str(head['started']))}</li>",
        f"<li>{e(texts.ui('export.ended'))}: {e(str(head['ended'] or texts.ui('export.not-ended')))}</li>",
        f"<li>{e(texts.ui('export.operator'))}: {e(str(head['operator']))}</li>",
        f"<li>{e(texts.ui('export.config'))}: {e(str(head['config']))}</li></ul>",
    ]
    for component, items in _sections(rows):
        title = texts.get("components", component) if component else texts.ui("export.results")
        parts.append(f"<h2>{e(title)}</h2><table><tr><th>{e(texts.ui('export.col-status'))}</th>"
                     f"<th>{e(texts.ui('export.col-check'))}</th><th>{e(texts.ui('export.col-summary'))}</th>"
                     f"<th>{e(texts.ui('export.col-remedy'))}</th></tr>")
        for r in items:
            status = str(r["status"])
            parts.append(
                f'<tr><td class="{e(status)}">{e(texts.get("status", status))}</td>'
                f"<td><code>{e(str(r['id']))}</code> {e(str(r['title']))}</td><td>{e(str(r['summary']))}</td>"
                f"<td>{e(str(r['remedy']))}</td></tr>"
            )
        parts.append("</table>")
    timeline = _timeline(events, texts)
    if timeline:
        parts.append(f"<h2>{e(texts.ui('export.timeline'))}</h2><ul>")
        parts += [f"<li><code>{e(ts)}</code> {e(text)}</li>" for ts, text in timeline]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)


def to_json(events: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(events), ensure_ascii=False, indent=2) + "\n"
