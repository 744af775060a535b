"""The example configuration in the README is valid as written."""

from checks.model import Answer
from tests.conftest import ROOT
from control import config


def test_example_config_loads():
    settings = config.load(ROOT / "examples" / "site.toml")
    assert settings.site.master_target == "mt-win01"
    assert settings.vcenter is not None and settings.vcenter.thumbprint.count(":") == 31
    assert settings.azure is not None and settings.azure.auth == "device-code"
    assert settings.answers["ps.bandwidth"] == Answer("confirmed", "1 Gbps ExpressRoute, 20% used")
    assert settings.keys == {"next-problem": "n,j"}
