"""Bad input, one table: each row names what the operator did wrong, what they are told, and the exit code.

Decisions per field: VM names are vSphere display names, so spaces and non-ASCII are valid
("应用 01" works, an unknown one is reported with the closest names); host names must be
ASCII host names or IP addresses; every text value is limited to 1024 characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.reliability.conftest import Site

CJK_VM = "应用 01"


@dataclass(frozen=True)
class Row:
    id: str
    args: tuple[str, ...]
    code: int
    expect: tuple[str, ...]
    edit: Callable[[str], str] | None = None  # changes the site's configuration text
    site: dict = field(default_factory=dict)  # [site] values
    raw: bytes | None = None  # the whole configuration file, as bytes
    prepare: str = ""  # "cjk-vm" | "transcripts"
    stream: str = "stderr"  # or "transcript": the resumed session's file, after the wizard ran in a terminal


def sub(pattern: str, repl: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        changed, count = re.subn(pattern, repl, text, count=1, flags=re.M)
        assert count == 1, pattern
        return changed

    return edit


def add_to(table: str, line: str) -> Callable[[str], str]:
    return sub(rf"^\[{table}\]$", f"[{table}]\n{line}")


CHECK = ("check", "--config", "{config}")
ONLY_VC = (*CHECK, "--only", "vc.connect", "--format", "json")
RETENTION = ("fix", "mt.add-retention-disk", "--config", "{config}", "--dry-run")

ROWS = [
    # --- the file itself ---
    Row("invalid-toml", CHECK, 2, ("not valid TOML", "line"), edit=lambda t: t + "\n[vcenter\n"),
    Row("not-utf8", CHECK, 2, ("is not UTF-8 text",), raw="[site]\nmaster_target = \"mt\xe9\"\n".encode("latin-1")),
    Row("missing-file", ("check", "--config", "{home}/nope.toml"), 2, ("no such file",)),
    Row("config-is-a-folder", ("check", "--config", "{home}"), 2, ("is a folder",)),
    Row("utf8-bom-from-notepad", ONLY_VC, 0, ('"status": "pass"',), edit=lambda t: "\ufeff" + t, stream="stdout"),
    Row("crlf-line-ends", ONLY_VC, 0, ('"status": "pass"',), edit=lambda t: t.replace("\n", "\r\n"), stream="stdout"),
    Row("unknown-table", CHECK, 2, ("did you mean [vcenter]?",), edit=lambda t: t + "\n[vcentre]\nhost = \"x\"\n"),
    Row("answers-not-a-table", CHECK, 2, ("`answers` must be a table",), edit=lambda t: "answers = 5\n" + t),
    # --- [vcenter] ---
    Row("port-out-of-range", CHECK, 2, ("[vcenter] port must be a whole number from 1 to 65535",),
        edit=sub(r"^port = \d+$", "port = 70000")),
    Row("port-as-text", CHECK, 2, ("port must be a whole number",), edit=sub(r"^port = (\d+)$", r'port = "\1"')),
    Row("host-with-space", CHECK, 2, ("not a host name or IP address",), edit=sub(r'^host = ".*"$', 'host = "vcenter 01"')),
    Row("host-non-ascii", CHECK, 2, ("not a host name or IP address",),
        edit=sub(r'^host = ".*"$', 'host = "vcenter-中心.example"')),
    Row("host-very-long", CHECK, 2, ("is 2000 characters long; the limit is 1024",),
        edit=sub(r'^host = ".*"$', 'host = "' + "a" * 2000 + '"')),
    Row("user-very-long", CHECK, 2, ("[vcenter] user is 5000 characters long",),
        edit=sub(r'^user = ".*"$', 'user = "' + "u" * 5000 + '"')),
    Row("user-control-character", CHECK, 2, ("contains a control character",),
        edit=sub(r'^user = ".*"$', r'user = "admin\\u0007"')),
    Row("thumbprint-short", CHECK, 2, ("must be a SHA-256 fingerprint",), edit=sub(r'^thumbprint = ".*"$', 'thumbprint = "12:34"')),
    Row("key-typo", CHECK, 2, ("did you mean `host`?",), edit=add_to("vcenter", 'hots = "x"')),
    # --- [azure] ---
    Row("subscription-not-guid", CHECK, 2, ("must be a GUID",), edit=sub(r'^subscription_id = ".*"$', 'subscription_id = "my-sub"')),
    Row("arm-endpoint-http", CHECK, 2, ("must start with https://",), edit=sub(r'^arm_endpoint = "https', 'arm_endpoint = "http')),
    Row("auth-unknown", CHECK, 2, ("use one of: device-code",), edit=sub(r'^auth = ".*"$', 'auth = "password-grant"')),
    Row("cloud-unknown", CHECK, 2, ("use one of: AzureCloud",), edit=add_to("azure", 'cloud = "AzureGermany"')),
    # --- [site] and [network] ---
    Row("vms-not-a-list", CHECK, 2, ("must be a list of VM names",), site={"failback_vms": "app01"}),
    Row("vms-empty-name", CHECK, 2, ("must be a list of VM names",), site={"failback_vms": ["app01", " "]}),
    Row("vms-twice", CHECK, 2, ("names a VM twice",), site={"failback_vms": ["app01", "app01"]}),
    Row("vm-name-81-chars", CHECK, 2, ("vSphere allows 80",), site={"failback_vms": ["v" * 81]}),
    Row("recovery-unknown", CHECK, 2, ("use one of: original, alternate",), site={"recovery": "elsewhere"}),
    Row("timeout-zero", CHECK, 2, ("must be a number from 0.1 to 60",), edit=sub(r"^timeout_s = .*$", "timeout_s = 0")),
    Row("vnet-bad", CHECK, 2, ("give a network like 10.1.0.0/16",), edit=add_to("network", 'azure_vnet = "10.1.0.0/33"')),
    # --- [answers] ---
    Row("answer-unknown-step", CHECK, 2, ("did you mean `ps.bandwidth`?",),
        edit=lambda t: t + '\n[answers]\n"ps.bandwith" = { status = "confirmed", note = "1 Gbps" }\n'),
    Row("answer-unknown-field", CHECK, 2, ("unknown field(s) notes",),
        edit=lambda t: t + '\n[answers]\n"ps.bandwidth" = { status = "confirmed", notes = "1 Gbps" }\n'),
    Row("answer-bad-status", CHECK, 2, ('use "confirmed" or "skipped"',),
        edit=lambda t: t + '\n[answers]\n"ps.bandwidth" = { status = "yes" }\n'),
    Row("answer-skipped-without-reason", CHECK, 2, ("skipped without a reason",),
        edit=lambda t: t + '\n[answers]\n"mt.discovery-done" = { status = "skipped" }\n'),
    Row("answer-note-very-long", CHECK, 2, ("note that is not text of at most 1024 characters",),
        edit=lambda t: t + '\n[answers]\n"ps.bandwidth" = { status = "confirmed", note = "' + "n" * 3000 + '" }\n'),
    # --- names that vSphere allows ---
    Row("cjk-vm-name-works", (*CHECK, "--only", "vm.original-location", "--format", "json"), 0,
        (f"its original location: {CJK_VM}",), site={"failback_vms": [CJK_VM]}, prepare="cjk-vm", stream="stdout"),
    Row("cjk-vm-name-unknown", (*CHECK, "--only", "vm.original-location", "--format", "json"), 1,
        ("应用 02 (~应用 01)",), site={"failback_vms": ["应用 02"]}, prepare="cjk-vm", stream="stdout"),
    Row("master-target-with-space-unknown", (*CHECK, "--only", "mt.no-snapshots", "--format", "json"), 3,
        ("mt win01", "mt-win01"), site={"master_target": "mt win01"}, stream="stdout"),
    # --- command line ---
    Row("size-zero", (*RETENTION, "--param", "size_gb=0"), 2, ("size_gb=0: must be at least 1",)),
    Row("size-negative", (*RETENTION, "--param", "size_gb=-1"), 2, ("size_gb=-1: must be at least 1",)),
    Row("size-not-a-number", (*RETENTION, "--param", "size_gb=abc"), 2, ("size_gb=abc: must be a whole number",)),
    Row("size-fraction", (*RETENTION, "--param", "size_gb=1.5"), 2, ("must be a whole number",)),
    Row("size-missing", RETENTION, 2, ("needs --param size_gb=VALUE",)),
    Row("param-unknown", (*RETENTION, "--param", "sizegb=5"), 2, ("takes no such parameter (it takes: size_gb, datastore)",)),
    Row("param-without-value", (*RETENTION, "--param", "size_gb"), 2, ("write it as NAME=VALUE",)),
    Row("param-empty-text", (*RETENTION, "--param", "size_gb=5", "--param", "datastore="), 2, ("datastore: give a value",)),
    Row("datastore-unknown", (*RETENTION, "--param", "size_gb=5", "--param", "datastore=nope"), 3,
        ("does not reach a datastore named nope; choose one of",)),
    Row("fix-unknown", ("fix", "mt.set-disk-uuid", "--config", "{config}"), 2, ("mt.set-disk-enableuuid",)),
    Row("only-unknown", (*CHECK, "--only", "mt.nope"), 2, ("--only",)),
    Row("lang-unknown", (*CHECK, "--lang", "xx"), 2, ("--lang",)),
    # --- transcripts ---
    Row("transcript-cut-short", ("transcript", "show", "cut00001"), 0, ("vm.original-location", "not ended"),
        prepare="transcripts", stream="stdout"),
    Row("transcript-garbage", ("transcript", "show", "junk0001"), 2, ("no saved session",), prepare="transcripts"),
    Row("transcript-unknown", ("transcript", "export", "zzzz", "--format", "html"), 2, ("no saved session",),
        prepare="transcripts"),
    Row("resume-cut-short", ("--resume", "wiz00001", "--no-mouse"), 0, ('"resumed": true', '"type": "session.end"'),
        prepare="transcripts", stream="transcript"),
    Row("resume-garbage", ("--resume", "junk0001"), 2, ("no saved session",), prepare="transcripts"),
    Row("resume-none", ("--resume", "latest"), 2, ("no saved wizard sessions",)),
]


def _create_cjk_vm(site: Site) -> None:
    """A VM named 应用 01 in the simulator (once), created the way vSphere clients do."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    si = SmartConnect(host=site.vc.host, port=site.vc.port, user=site.vc.username, pwd=site.vc.password,
                      serverPemCert=site.vc.server_pem)
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
        names = {vm.name for vm in view.view}
        view.Destroy()
        if CJK_VM in names:
            return
        datacenter = content.rootFolder.childEntity[0]
        host = datacenter.hostFolder.childEntity[0]
        spec = vim.vm.ConfigSpec(name=CJK_VM, guestId="windows9Server64Guest", memoryMB=512, numCPUs=1,
                                 files=vim.vm.FileInfo(vmPathName=f"[{host.datastore[0].name}]"))
        WaitForTask(datacenter.vmFolder.CreateVM_Task(config=spec, pool=host.resourcePool))
    finally:
        Disconnect(si)


def _write_transcripts(site: Site) -> None:
    folder = site.transcripts
    folder.mkdir(parents=True, exist_ok=True)
    start = {"ts": "2026-11-25T21:00:00.00Z", "seq": 1, "session": "cut00001", "type": "session.start",
             "command": "check", "config": "site.toml", "lang": "en", "operator": "op@host", "version": "dev"}
    result = {"ts": "2026-11-25T21:00:01.00Z", "seq": 2, "session": "cut00001", "type": "check.result",
              "id": "vm.original-location", "status": "pass", "key": "landing", "params": {}, "evidence": {},
              "duration_ms": 5, "reason": "", "component": "failback-vms", "title": "Where the VMs land",
              "summary": "Original location: app01"}
    cut = json.dumps({**result, "seq": 3, "id": "mt.no-snapshots"})[:40]  # killed mid-write
    (folder / "20261125T210000Z-cut00001.jsonl").write_text(json.dumps(start) + "\n" + json.dumps(result) + "\n" + cut)
    wizard = [{**start, "session": "wiz00001", "command": "wizard", "config": str(site.config)},
              {**result, "session": "wiz00001"},
              {"ts": start["ts"], "seq": 3, "session": "wiz00001", "type": "screen.shown", "screen": "overview",
               "args": {}}]
    text = "".join(json.dumps(e) + "\n" for e in wizard) + json.dumps({**result, "seq": 4})[:50]
    (folder / "20261125T210200Z-wiz00001.jsonl").write_text(text)
    (folder / "20261125T210100Z-junk0001.jsonl").write_bytes(b"\x00\xff garbage {\n[1, 2\n")


def _in_terminal(site: Site, args: list[str], transcript: Path) -> int:
    """The wizard in a pseudo-terminal of its own: quit with q once it wrote its first new event."""
    import os
    import pty
    import select
    import sys
    import time

    before = transcript.read_bytes()
    pid, fd = pty.fork()
    if pid == 0:
        env = site.cli_env(TERM="xterm-256color", COLUMNS="80", LINES="24")
        os.execvpe(sys.executable, [sys.executable, "-m", "tui", *args], env)
    deadline = time.monotonic() + 60
    quit_sent = False
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            if not quit_sent and len(transcript.read_bytes()) > len(before) + 10:
                time.sleep(0.5)
                os.write(fd, b"q")
                quit_sent = True
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError("the wizard did not end within 60 s")
    finally:
        os.close(fd)


def _config_for(row: Row, site: Site) -> None:
    if row.raw is not None:
        site.config.write_bytes(row.raw)
        return
    site.write_config(**row.site)
    if row.edit is not None:
        site.config.write_text(row.edit(site.config.read_text(encoding="utf-8")), encoding="utf-8", newline="")


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_bad_input(site: Site, row: Row) -> None:
    _config_for(row, site)
    if row.prepare == "cjk-vm":
        _create_cjk_vm(site)
    elif row.prepare == "transcripts":
        _write_transcripts(site)
    args = [a.format(config=site.config, home=site.home) for a in row.args]
    if row.stream == "transcript":
        [path] = site.transcripts.glob("*-wiz00001.jsonl")
        code = _in_terminal(site, args, path)
        text = path.read_text()
        for fragment in row.expect:
            assert fragment in text, f"{row.id}: {fragment!r} not in the transcript:\n{text[-2000:]}"
        assert code == row.code
        lines = text.splitlines()
        assert json.loads(lines[-1])["type"] == "session.end"
        seqs = [json.loads(line)["seq"] for line in lines if line.startswith("{") and line.endswith("}")]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), "sequence numbers go on after the cut line"
        return
    done = site.run(*args, timeout=90)
    shown = done.stdout if row.stream == "stdout" else done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for fragment in row.expect:
        assert fragment in shown, f"{row.id}: {fragment!r} not in {row.stream}:\n{shown[-2000:]}"
    assert done.returncode == row.code, f"{row.id}: exit {done.returncode}\n{done.stderr[-2000:]}"
    if row.code == 2:
        # One clear sentence on stderr, nothing on stdout.
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not done.stdout.strip(), done.stdout
