"""The root conftest's guard covers the emulator's tests too: only loopback and unix sockets."""
import socket

import pytest


def test_a_connect_beyond_loopback_is_refused(stripe_client):
    assert getattr(socket.socket.connect_ex, "network_guard", False)  # else this test would really connect
    with socket.socket() as sock, pytest.raises(RuntimeError, match="tried to reach the network"):
        sock.connect_ex(("192.0.2.1", 443))  # TEST-NET-1
    with socket.socket() as sock, pytest.raises(RuntimeError, match="tried to reach the network"):
        sock.connect(("192.0.2.1", 443))
    assert stripe_client.v1.customers.list().data == []  # the emulator, on loopback, still answers
