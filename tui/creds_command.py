"""`failback-prep creds set|delete|status vcenter|azure`."""

from __future__ import annotations

import getpass
import sys

from checks.model import Said, Settings
from checks.sources import KNOWN_SECRETS
from control import credentials


def read_secret(prompt: str) -> str:
    """From a no-echo prompt in a terminal, else one line of stdin. Never from argv."""
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise credentials.CredentialError("no secret was given; nothing was stored",
                                          Said("credential-errors:no-secret-given"))
    return value


def run(action: str, kind: str, settings: Settings) -> int:
    user = credentials.account(kind, settings)
    if action == "status":
        found = credentials.find(kind, settings)
        print(f"{kind}: account {user}")
        print(f"  keyring backend: {credentials.keyring_status()}")
        where = {
            "environment": f"set, from the environment ({credentials.ENV[kind]})",
            "keyring": "set, in the OS keyring",
            "none": "not set",
            "no keyring": "not set (no OS keyring here; use the environment variable)",
        }[found.where]
        print(f"  secret: {where}")
        return 0
    if action == "delete":
        removed = credentials.delete(kind, settings)
        print(f"{kind}: {'deleted from the OS keyring' if removed else 'nothing stored in the OS keyring'} ({user})")
        return 0
    label = "vCenter password" if kind == "vcenter" else "Azure client secret"
    credentials.keyring_backend()  # say "no keyring" before asking for a secret that could not be kept
    secret = read_secret(f"{label} for {user}: ")
    KNOWN_SECRETS.add(secret)  # if the keyring fails, nothing it logs or says may carry the secret
    credentials.store(kind, settings, secret)
    print(f"{kind}: stored in the OS keyring for {user}")
    return 0
