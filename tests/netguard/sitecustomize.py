"""Tests talk to loopback only.

Loaded in the test process and, through PYTHONPATH, in every process a test starts
(the CLI, the wizard in tmux). A connection to any other address fails at once, so a
scenario's private addresses (10.x) are never probed from a test, however it is set up.
"""

from __future__ import annotations

import ipaddress
import socket

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _refuse_unless_loopback(address: object) -> None:
    if not isinstance(address, tuple) or not address:
        return  # AF_UNIX paths and the like
    host = str(address[0]).split("%")[0]
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in socket.getaddrinfo(host, None)]
    for ip in addresses:
        if not ip.is_loopback:
            raise ConnectionRefusedError(111, f"refused by the test network guard: {host} is not loopback")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _refuse_unless_loopback(address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    try:
        _refuse_unless_loopback(address)
    except ConnectionRefusedError:
        return 111
    return _connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
