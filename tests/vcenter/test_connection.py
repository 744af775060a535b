"""Reaching vCenter: pinning, CA verification, insecure mode, bad credentials and addresses, re-login."""

from __future__ import annotations

import logging
import socket

import pytest

from checks.model import Status, VCenterSettings
from checks.texts import Texts
from checks.vcenter.connection import ConnectError, colon_fingerprint, connect
from tests.vcenter.conftest import WINDOWS, one_sentence, vcenter_settings

WRONG = "AB" * 32


def _connect_error(settings: VCenterSettings, password: str, timeout: float = 5.0) -> ConnectError:
    with pytest.raises(ConnectError) as caught:
        connect(settings, password, timeout=timeout)
    return caught.value


def test_pinned_thumbprint_connects(vcsim):
    session = connect(vcenter_settings(vcsim), vcsim.password)
    try:
        assert session.verified_by == "thumbprint"
        assert colon_fingerprint(session.fingerprint) == vcsim.thumbprint_sha256
        assert session.round_trips == 2  # RetrieveServiceContent + Login
        assert session.warnings == []
    finally:
        session.logout()


def test_ca_file_verifies_the_certificate(vcsim):
    session = connect(vcenter_settings(vcsim, thumbprint="", ca_file=vcsim.cert_pem), vcsim.password)
    try:
        assert session.verified_by == "ca_file"
    finally:
        session.logout()


def test_ca_file_and_matching_pin_both_hold(vcsim):
    session = connect(vcenter_settings(vcsim, ca_file=vcsim.cert_pem), vcsim.password)
    try:
        assert session.verified_by == "ca_file+thumbprint"
    finally:
        session.logout()


def test_thumbprint_mismatch_refuses_and_shows_both_fingerprints(run, vcsim):
    error = _connect_error(vcenter_settings(vcsim, thumbprint=WRONG), vcsim.password)
    assert error.kind == "mismatch"
    text = str(error)
    assert colon_fingerprint(WRONG) in text and vcsim.thumbprint_sha256 in text
    assert one_sentence(text)

    r = run(WINDOWS, vcenter={"thumbprint": WRONG})
    result = r["vc.connect"]
    assert result.status == Status.FAIL and result.key == "mismatch"
    assert result.evidence["expected"] == colon_fingerprint(WRONG)
    assert result.evidence["presented"] == vcsim.thumbprint_sha256
    for lang in ("en", "zh-CN"):
        summary = Texts(lang).summary(result)
        assert colon_fingerprint(WRONG) in summary and vcsim.thumbprint_sha256 in summary
    # Everything else that needs vCenter says why it could not decide.
    assert r["mt.no-snapshots"].status == Status.ERROR
    assert "pinned thumbprint" in r["mt.no-snapshots"].reason


def test_untrusted_certificate_without_pin_is_refused_with_its_fingerprint(vcsim):
    error = _connect_error(vcenter_settings(vcsim, thumbprint=""), vcsim.password)
    assert error.kind == "untrusted"
    assert error.evidence["presented"] == vcsim.thumbprint_sha256
    assert one_sentence(str(error))


def test_insecure_connects_but_warns(run, vcsim, caplog):
    caplog.set_level(logging.WARNING, logger="failback_prep")
    r = run(WINDOWS, vcenter={"thumbprint": "", "insecure": True})
    result = r["vc.connect"]
    assert result.status == Status.WARN and result.key == "insecure"
    summary = Texts("en").summary(result)
    assert "WITHOUT checking its certificate" in summary and result.evidence["fingerprint_sha256"] in summary
    assert result.evidence["warnings"] == ["reasons:vcenter-insecure"]
    session = connect(vcenter_settings(vcsim, thumbprint="", insecure=True), vcsim.password)
    try:  # what the session tells the operator as it connects, in either language
        for lang, words in (("en", "not verified"), ("zh-CN", "没有校验")):
            [told] = [Texts(lang).say(w) for w in session.warnings]
            assert words in told and vcsim.thumbprint_sha256 in told
    finally:
        session.logout()
    assert any("not verified" in rec.getMessage() for rec in caplog.records)
    # The checks themselves still run.
    assert r["mt.no-snapshots"].status == Status.FAIL


def test_wrong_password(run, vcsim):
    error = _connect_error(vcenter_settings(vcsim), "not-the-password")
    assert error.kind == "login"
    assert one_sentence(str(error))
    assert "not-the-password" not in str(error)

    r = run(WINDOWS, password="not-the-password")
    assert r["vc.connect"].status == Status.FAIL and r["vc.connect"].key == "login"
    assert "not-the-password" not in r["mt.disk-count"].reason


def test_no_password_says_where_to_put_one(run):
    r = run(WINDOWS, password="")
    assert r["vc.connect"].key == "no-password"
    assert "FAILBACK_PREP_VCENTER_PASSWORD" in Texts("en").summary(r["vc.connect"]) + Texts("en").remedy(r["vc.connect"])


def test_refused_port(vcsim):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = _connect_error(vcenter_settings(vcsim, port=port), vcsim.password)
    assert error.kind == "refused"
    assert str(port) in str(error) and one_sentence(str(error))


def test_unreachable_host(vcsim):
    # A listener that never answers: what a host behind a dropping firewall looks like from here.
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(1)
        port = hole.getsockname()[1]
        error = _connect_error(vcenter_settings(vcsim, port=port), vcsim.password, timeout=1.0)
    assert error.kind == "timeout"
    assert f"127.0.0.1:{port}" in str(error) and one_sentence(str(error))


def test_unresolvable_name(vcsim):
    error = _connect_error(vcenter_settings(vcsim, host="vcenter.invalid"), vcsim.password)
    assert error.kind == "unresolved" and one_sentence(str(error))


def test_malformed_thumbprint(vcsim):
    error = _connect_error(vcenter_settings(vcsim, thumbprint="12:34"), vcsim.password)
    assert error.kind == "bad-thumbprint" and one_sentence(str(error))


def test_relogin_after_the_session_expires(fresh_vcsim, run):
    r = run(WINDOWS, sim=fresh_vcsim)
    session = r.sources.peek("vcenter.session")
    assert r["mt.no-snapshots"].status == Status.FAIL
    assert fresh_vcsim.expire_sessions() >= 1

    from tests.vcenter.conftest import run_checks

    again = run_checks(r.sources)
    assert again["vc.connect"].status == Status.PASS
    assert again["mt.no-snapshots"].status == Status.FAIL
    assert again["mt.no-snapshots"].key == "found"
    assert session.relogins == 1
    assert r.sources.peek("vcenter.session") is session
