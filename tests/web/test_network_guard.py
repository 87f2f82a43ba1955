"""The root conftest's guard is on here: a connect beyond loopback fails before any packet leaves."""
import socket

import pytest


def test_a_connect_beyond_loopback_is_refused(stripe_client):
    assert getattr(socket.socket.connect, "network_guard", False)  # else this test would really connect
    with socket.socket() as sock, pytest.raises(RuntimeError, match="tried to reach the network"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1
    with pytest.raises(RuntimeError, match="tried to reach the network"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # the path http clients take
    assert stripe_client.v1.customers.list().data == []  # the emulator, on loopback, still answers
