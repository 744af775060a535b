"""OS releases put in order: Windows Server by release, Linux by distribution, then major.minor."""

from __future__ import annotations

import pytest

from checks.os_release import better, compare, parse

WINDOWS_ORDER = ["2008", "2008 R2", "2012", "2012 R2", "2016", "2019", "2022", "2025"]


@pytest.mark.parametrize("older, newer", list(zip(WINDOWS_ORDER, WINDOWS_ORDER[1:])))
def test_windows_server_releases_are_ordered(older, newer):
    old, new = parse(f"Microsoft Windows Server {older} Standard"), parse(f"Microsoft Windows Server {newer} Datacenter")
    assert compare(new, old) == "ok" and compare(old, new) == "older" and compare(old, old) == "ok"


def test_2012_r2_is_not_the_same_as_2012():
    # The false green of a year-only reading: a 2012 master target for a 2012 R2 VM.
    assert compare(parse("Microsoft Windows Server 2012 (64-bit)"), parse("Windows Server 2012 R2 Standard")) == "older"


def test_guest_ids_stand_in_when_the_name_says_nothing():
    assert parse("", "windows2019srvNext_64Guest").shown == "Windows Server 2022"
    assert parse("", "windows7Server64Guest").shown == "Windows Server 2008 R2"
    # windows8Server64Guest is 2012 or 2012 R2: against a 2012 R2 VM the order is unknown, not "ok".
    assert compare(parse("", "windows8Server64Guest"), parse("Windows Server 2012 R2")) == "unknown"
    assert compare(parse("Windows Server 2012 R2"), parse("", "windows8Server64Guest")) == "ok"
    assert parse("", "rhel8_64Guest").shown == "rhel 8"
    # Bitness is not a version: ubuntu64Guest and centos64Guest name no release.
    assert parse("", "ubuntu64Guest").version == () and parse("", "centos64Guest").version == ()
    assert parse("", "oracleLinux64Guest").distribution == "oracle"


def test_vsphere_configured_names_claim_only_what_they_are_sure_of():
    # vSphere names 2012 R2 guests "Windows Server 2012" too, and some ids cover a range ("or later").
    assert parse("Microsoft Windows Server 2012 (64-bit)", coarse=True).version == (2012,)
    assert parse("Microsoft Windows Server 2016 or later (64-bit)", coarse=True).version == ()
    assert parse("CentOS 4/5 or later (64-bit)", coarse=True).version == ()
    assert compare(parse("Microsoft Windows Server 2016 or later (64-bit)", coarse=True),
                   parse("Windows Server 2019 Datacenter")) == "unknown"


@pytest.mark.parametrize("words, shown", [
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "rhel 7.9"),
    ("Red Hat Enterprise Linux 7 (64-bit)", "rhel 7"),
    ("CentOS Linux release 7.6.1810 (Core)", "centos 7.6"),
    ('DISTRIB_ID=Ubuntu DISTRIB_RELEASE=16.04 DISTRIB_CODENAME=xenial DISTRIB_DESCRIPTION="Ubuntu 16.04.2 LTS"',
     "ubuntu 16.04"),
    ("SUSE Linux Enterprise Server 12 SP4", "sles 12.4"),
    ("Oracle Linux Server release 8.6", "oracle 8.6"),
])
def test_linux_names_as_vsphere_and_site_recovery_write_them(words, shown):
    release = parse(words)
    assert release.family == "linux" and release.shown == shown


def test_linux_compares_within_a_distribution_by_major_then_minor():
    assert compare(parse("RHEL 7.9 Red Hat Enterprise Linux 7.9"), parse("Red Hat Enterprise Linux 7.4")) == "ok"
    assert compare(parse("Red Hat Enterprise Linux 7.4"), parse("Red Hat Enterprise Linux 7.9")) == "older"
    assert compare(parse("Red Hat Enterprise Linux 8.1"), parse("Red Hat Enterprise Linux 7.9")) == "ok"
    # Only the major version on the master target's side: it may be 7.2, so the order is unknown.
    assert compare(parse("Red Hat Enterprise Linux 7 (64-bit)"), parse("Red Hat Enterprise Linux 7.9")) == "unknown"
    assert compare(parse("Red Hat Enterprise Linux 8 (64-bit)"), parse("Red Hat Enterprise Linux 7.9")) == "ok"
    # Across distributions there is no order.
    assert compare(parse("Ubuntu 20.04"), parse("Red Hat Enterprise Linux 7.9")) == "unknown"


def test_a_family_hint_alone_is_a_family_without_a_version():
    release = parse("", family_hint="Windows")
    assert release.family == "windows" and not release.version
    assert compare(parse("Windows Server 2016"), release) == "unknown"
    assert parse("").family == ""
    assert parse("Other (64-bit)", "otherGuest64").family == "" and parse("FreeBSD 12").family == ""


def test_the_reading_that_states_more_wins():
    configured = parse("Red Hat Enterprise Linux 7 (64-bit)", coarse=True)
    recorded = parse("Red Hat Enterprise Linux Server release 7.9 (Maipo)")
    assert better(configured, recorded) is recorded and better(recorded, configured) is recorded
    assert better(parse("Windows Server 2016"), parse("Ubuntu 20.04")).family == "windows"
