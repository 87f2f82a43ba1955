"""The machine API as an instance calls it: a bearer token, raw bodies."""
import pytest


@pytest.fixture
def call(client, token):
    def send(method, path, raw=None, json=None, headers=None):
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        if raw is not None:
            return client.raw.open(path, method=method, data=raw, headers=headers, content_type="application/json")
        return client.raw.open(path, method=method, json=json, headers=headers)

    return send
