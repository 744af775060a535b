"""Secrets: environment, then a real OS keyring; no keyring means a clear message, never a file."""

from __future__ import annotations

import pytest

from tests.conftest import OFFLINE_SITE

CONFIG = OFFLINE_SITE


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_no_keyring_says_so_and_stores_nothing(cli, site, hermetic):
    done = cli("creds", "set", "vcenter", "--config", str(site), input="s3cret-unique\n")
    assert done.returncode == 2
    assert "no OS keyring is available" in done.stderr
    assert "FAILBACK_PREP_VCENTER_PASSWORD" in done.stderr
    written = [p for p in hermetic.rglob("*") if p.is_file()]
    assert not any("s3cret-unique" in p.read_text(errors="ignore") for p in written)


def test_status_without_keyring_points_to_the_environment(cli, site):
    done = cli("creds", "status", "vcenter", "--config", str(site))
    assert done.returncode == 0
    assert "not set (no OS keyring here" in done.stdout
    env = cli("creds", "status", "vcenter", "--config", str(site), env={"FAILBACK_PREP_VCENTER_PASSWORD": "x"})
    assert "from the environment" in env.stdout


@pytest.mark.keyring
def test_set_status_delete_in_a_real_secret_service(cli, site, secret_service):
    stored = cli("creds", "set", "vcenter", "--config", str(site), input="s3cret-unique\n")
    assert stored.returncode == 0, stored.stderr
    assert "s3cret-unique" not in stored.stdout + stored.stderr
    status = cli("creds", "status", "vcenter", "--config", str(site))
    assert "set, in the OS keyring" in status.stdout
    assert "SecretService" in status.stdout

    import keyring

    assert keyring.get_password("failback-prep", "vcenter:administrator@vsphere.local@vcenter.corp.example") == (
        "s3cret-unique"
    )
    azure = cli("creds", "set", "azure", "--config", str(site), input="client-secret-unique\n")
    assert azure.returncode == 0, azure.stderr
    assert keyring.get_password(
        "failback-prep", "azure:contoso.onmicrosoft.com:11111111-1111-1111-1111-111111111111"
    ) == "client-secret-unique"

    deleted = cli("creds", "delete", "vcenter", "--config", str(site))
    assert "deleted from the OS keyring" in deleted.stdout
    again = cli("creds", "delete", "vcenter", "--config", str(site))
    assert "nothing stored" in again.stdout


def test_empty_secret_is_refused(cli, site, secret_service):
    done = cli("creds", "set", "vcenter", "--config", str(site), input="\n")
    assert done.returncode == 2
    assert "no secret was given" in done.stderr


def test_azure_secret_needs_client_secret_auth(cli, tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(CONFIG.replace('auth = "client-secret"', 'auth = "device-code"'), encoding="utf-8")
    done = cli("creds", "set", "azure", "--config", str(path), input="x\n")
    assert done.returncode == 2
    assert "needs no stored secret" in done.stderr


def test_a_keyring_whose_session_went_away_is_reported_not_raised(site, secret_service, monkeypatch):
    """The D-Bus session ends under a running wizard (an SSH session closed): the secret is
    simply not available from the keyring, said in words, and nothing crashes."""
    import keyring

    from control import config, credentials

    settings = config.load(site)
    keyring.get_keyring()  # chosen while the Secret Service is there
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    with pytest.raises(credentials.NoKeyring, match="refused to read a secret"):
        credentials.find("vcenter", settings)
    assert credentials.Lookup(settings)("vcenter") is None
