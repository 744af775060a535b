"""The guard that keeps tests on loopback holds in this process and in the ones tests start."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def test_private_addresses_are_refused_here():
    with pytest.raises(ConnectionRefusedError, match="not loopback"):
        socket.create_connection(("10.1.0.4", 443), timeout=1)


def test_private_addresses_are_refused_in_child_processes():
    code = "import socket; socket.create_connection(('10.0.0.10', 443), timeout=1)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "not loopback" in done.stderr


def test_loopback_still_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()
