"""Bad configuration: one clear sentence that names the place, exit 2, nothing checked."""

from __future__ import annotations

import json
import stat

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[site\nmaster_target = 1", "not valid TOML"),
        ('[vcenter]\nhost = "h"\n', "[vcenter] needs `user`"),
        ('[vcenter]\nhost = "h"\nuser = "u"\nport = 70000\n', "line 4: [vcenter] port must be a whole number"),
        ('[vcenter]\nhost = "h"\nuser = "u"\npassword = "x"\n', "secrets never go in the configuration file"),
        ('[vcenter]\nhost = "h"\nuser = "u"\nthumprint = "AA"\n', "did you mean `thumbprint`?"),
        ('[vcenter]\nhost = "h"\nuser = "u"\nthumbprint = "AA:BB"\n', "64 hexadecimal digits"),
        ('[vcenter]\nhost = "bad host name"\nuser = "u"\n', "not a host name or IP address"),
        ('[sites]\nmaster_target = "x"\n', "did you mean [site]?"),
        ('[site]\nfailback_vms = "app01"\n', "must be a list of VM names"),
        ('[site]\nfailback_vms = ["a", "a"]\n', "names a VM twice"),
        ('[site]\nrecovery = "elsewhere"\n', "use one of: original, alternate"),
        ('[site]\nmaster_target = "' + "m" * 2000 + '"\n', "the limit is 1024"),
        ('[azure]\ntenant_id = "t"\nsubscription_id = "nope"\nresource_group = "r"\nvault = "v"\n', "must be a GUID"),
        ('[azure]\ntenant_id="t"\nsubscription_id="00000000-0000-0000-0000-000000000001"\nresource_group="r"\n'
         'vault="v"\ncloud="Mars"\n', "use one of: AzureCloud"),
        ('[azure]\ntenant_id="t"\nsubscription_id="00000000-0000-0000-0000-000000000001"\nresource_group="r"\n'
         'vault="v"\nclient_secret="x"\n', "secrets never go"),
        ('[answers]\n"ps.bandwith" = { status = "confirmed" }\n', "did you mean `ps.bandwidth`?"),
        ('[answers]\n"ps.bandwidth" = { status = "maybe" }\n', 'use "confirmed" or "skipped"'),
        ('[answers]\n"ps.bandwidth" = { status = "skipped" }\n', "skipped without a reason"),
        ('[network]\ntimeout_s = 0\n', "must be a number from 0.1 to 60"),
        ('[network]\nazure_vnet = "10.1.0.0/33"\n', "give a network like"),
    ],
)
def test_bad_config_is_refused_with_the_place_named(cli, tmp_path, text, expected):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    done = cli("check", "--config", str(path))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert str(path) in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_missing_config_file(cli, tmp_path):
    done = cli("check", "--config", str(tmp_path / "absent.toml"))
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_no_config_at_all_says_how_to_give_one(cli):
    done = cli("check")
    assert done.returncode == 2
    assert "pass --config FILE" in done.stderr


def test_unknown_check_in_only_is_usage_error(cli, tmp_path):
    path = tmp_path / "site.toml"
    path.write_text("[site]\n", encoding="utf-8")
    done = cli("check", "--config", str(path), "--only", "mt.snapshot")
    assert done.returncode == 2
    assert "unknown check id 'mt.snapshot'" in done.stderr


def test_unknown_option_is_one_line_exit_2(cli):
    done = cli("check", "--frobnicate")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1


def test_unknown_language_is_refused(cli, tmp_path):
    path = tmp_path / "site.toml"
    path.write_text("[site]\n", encoding="utf-8")
    done = cli("check", "--config", str(path), "--lang", "fr")
    assert done.returncode == 2
    assert "unknown language" in done.stderr


def test_answers_turn_manual_steps_into_pass_or_skip(cli, tmp_path, hermetic):
    path = tmp_path / "site.toml"
    path.write_text(
        '[answers]\n"ps.bandwidth" = { status = "confirmed", note = "1 Gbps ExpressRoute, 20% used" }\n'
        '"mt.discovery-done" = { status = "skipped", note = "no physical machines" }\n',
        encoding="utf-8",
    )
    done = cli("check", "--config", str(path), "--format", "json", "--only", "ps.bandwidth,mt.discovery-done,cs")
    report = json.loads(done.stdout)
    assert report["schema"] == "failback-prep/report/v1"
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["ps.bandwidth"]["status"] == "pass"
    assert by_id["ps.bandwidth"]["evidence"]["note"] == "1 Gbps ExpressRoute, 20% used"
    assert by_id["mt.discovery-done"]["status"] == "skip"
    assert by_id["cs.same-ip"]["status"] == "manual"
    assert by_id["cs.same-ip"]["remedy"]
    assert set(report["summary"]) == {"pass", "fail", "warn", "error", "skip", "manual"}


def test_every_run_writes_a_private_transcript(cli, tmp_path, hermetic):
    path = tmp_path / "site.toml"
    path.write_text("[site]\n", encoding="utf-8")
    folder = tmp_path / "tr"
    done = cli("check", "--config", str(path), "--only", "cs.same-ip", "--transcript-dir", str(folder))
    assert done.returncode == 0, done.stderr
    [file] = list(folder.glob("*.jsonl"))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    events = [json.loads(line) for line in file.read_text().splitlines()]
    assert [e["type"] for e in events] == ["session.start", "check.result", "session.end"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert len({e["session"] for e in events}) == 1
    assert file.name.endswith(f"-{events[0]['session']}.jsonl")


def test_lang_flag_reaches_texts_built_inside_the_engine(cli, tmp_path):
    """An Azure failure sentence is worded deep in checks/azure; --lang must reach it too."""
    path = tmp_path / "site.toml"
    path.write_text(
        '[azure]\ntenant_id = "t"\nsubscription_id = "00000000-0000-0000-0000-000000000001"\n'
        'resource_group = "rg"\nvault = "v"\nauth = "client-secret"\nclient_id = "c"\n'
        'authority = "https://127.0.0.1:9"\narm_endpoint = "https://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    english = cli("check", "--config", str(path), "--only", "az.connect", "--format", "json")
    chinese = cli("check", "--config", str(path), "--only", "az.connect", "--format", "json", "--lang", "zh-CN")
    import json

    en_summary = json.loads(english.stdout)["checks"][0]["summary"]
    zh_summary = json.loads(chinese.stdout)["checks"][0]["summary"]
    assert en_summary.isascii()
    assert not zh_summary.replace("FAILBACK_PREP_AZURE_CLIENT_SECRET", "").isascii(), zh_summary


@pytest.mark.parametrize("env", [{"LANG": "zh_CN.UTF-8"}, {"LC_ALL": "zh_CN.UTF-8"}, {"LC_MESSAGES": "zh_CN.UTF-8"}])
def test_the_system_locale_chooses_chinese_without_lang(cli, tmp_path, env):
    """No --lang and no FAILBACK_PREP_LANG: the operator's locale decides, and --lang still wins."""
    path = tmp_path / "site.toml"
    path.write_text('[site]\nmaster_target = "mt-win01"\n', encoding="utf-8")
    chinese = cli("check", "--config", str(path), "--only", "vc.connect", "--format", "json", env=env)
    english = cli("check", "--config", str(path), "--only", "vc.connect", "--format", "json", "--lang", "en", env=env)
    zh = json.loads(chinese.stdout)["checks"][0]
    en = json.loads(english.stdout)["checks"][0]
    assert not zh["title"].isascii() and en["title"].isascii(), (zh["title"], en["title"])
