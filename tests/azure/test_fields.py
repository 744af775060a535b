"""How the vault's fields read on the wire: the forms recorded vaults send."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.azure import fields

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("stamp, minutes", [
    ("2026-11-30T11:58:00Z", 2.0),
    ("2026-11-30T11:58:00.1234567Z", 1.998),  # seven-digit fraction
    ("2026-11-30T11:58:00", 2.0),  # no zone: UTC
    ("2026-11-30T17:28:00+05:30", 2.0),  # an offset in a *Utc field
    ("2026-11-30T12:03:00Z", 0.0),  # a clock a little ahead
    ("2026-11-30T13:00:00Z", None),  # an hour in the future: not a real time
    ("9999-12-31T23:59:59.9999999", None),  # never
    ("0001-01-01T00:00:00", None),
    ("1753-01-01T01:01:01Z", None),
    ("yesterday", None),
    (None, None),
    (12345, None),
])
def test_age_minutes(stamp, minutes):
    age = fields.age_minutes(stamp, NOW)
    assert (age is None) == (minutes is None)
    if minutes is not None:
        assert age == pytest.approx(minutes, abs=0.01)


def test_text_number_and_lists():
    assert fields.text(None) == "" and fields.text({"a": 1}) == "" and fields.text(" x ") == "x"
    assert fields.number("3%") == 3.0 and fields.number("12287.75") == 12287.75 and fields.number(7) == 7.0
    assert fields.number("n/a") is None and fields.number(True) is None
    assert fields.strings(["A", None, "", 3]) == ["A", "3"] and fields.strings("A") == [] and fields.strings(7) == []
    assert fields.mappings([{"a": 1}, "x", None]) == [{"a": 1}] and fields.mappings(None) == []
    assert fields.child({"a": {"b": 1}}, "a") == {"b": 1} and fields.child({"a": "x"}, "a") == {} and fields.child(None, "a") == {}


def test_version_statuses_the_worse_counts():
    server = {"versionStatus": "Supported", "agentVersionDetails": {"status": "Deprecated"}}
    assert fields.version_statuses(server) == {"versionStatus": "Supported", "agentVersionDetails.status": "Deprecated"}
    assert fields.worst_version_status(["Supported", "Deprecated"]) == "Deprecated"
    assert fields.worst_version_status(["UpdateRequired", "Retiring"]) == "Retiring"  # unknown before update-needed
    assert fields.worst_version_status([]) == ""


def test_health_judgement():
    assert fields.judge_health("Normal", []) is None and fields.judge_health("None", None) is None
    assert fields.judge_health("Critical", [])["level"] == "bad"
    assert fields.judge_health("Degraded", [])["level"] == "warn"
    errors = [{"errorCode": "1", "errorLevel": "Warning", "errorMessage": "a."},
              {"errorCode": "2", "errorLevel": None, "errorMessage": "b"}]
    assert fields.judge_health("Normal", errors) == {"level": "bad", "errors": ["2: b"]}
    expiring = [{"errorCode": "InMageCSSSLCertificateAboutToExpire", "errorLevel": "Error", "errorMessage": "soon."}]
    assert fields.judge_health("Error", expiring)["level"] == "bad"  # the word still counts
    assert fields.judge_health("Normal", expiring) == {"level": "warn", "errors": [
        "InMageCSSSLCertificateAboutToExpire: soon"]}


def test_certificate():
    assert fields.certificate({"sslCertExpiryRemainingDays": -113})["key"] == "certificate-expired"
    assert fields.certificate({"sslCertExpiryRemainingDays": "12"})["key"] == "certificate-expiring"
    assert fields.certificate({"sslCertExpiryRemainingDays": 600}) is None and fields.certificate({}) is None
