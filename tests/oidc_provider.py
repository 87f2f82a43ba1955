"""Runs tests/oidc/provider.mjs (the npm package oidc-provider) on a free loopback port.

`make test` installs it with `npm ci --prefix tests/oidc`; without node, or without that install,
the SSO tests skip, except under CI=true where that is a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "oidc"
CLIENT_SECRET = "test-client-secret-for-the-billing-console"
HONEST_CLIENT = "billing-console"
ACCOUNTS = {
    "ada@seller.example": ["billing-admins"],
    "fin@seller.example": ["finance", "everyone"],
    "cora@seller.example": ["cs"],
    "nogroup@seller.example": ["everyone"],
    "eve@elsewhere.example": ["billing-admins"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (under CI=true the SSO tests may not be skipped)")
    pytest.skip(reason)


@dataclass
class RunningProvider:
    issuer: str
    port: int
    accounts_file: Path
    process: subprocess.Popen

    def reset_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps({email: {"email": email, "groups": groups}
                                                  for email, groups in ACCOUNTS.items()}))

    def set_groups(self, email: str, groups: list[str]) -> None:
        """Changes who is in which group at the provider; read at the next sign-in."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[email] = {"email": email, "groups": groups}
        self.accounts_file.write_text(json.dumps(accounts))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_provider(workdir: Path, redirect_uris: list[str], port: int | None = None) -> RunningProvider:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed: the SSO tests need it to run oidc-provider")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        unavailable("oidc-provider is not installed: run `npm ci --prefix tests/oidc`")
    port = port or free_port()
    issuer = f"http://127.0.0.1:{port}"
    accounts = workdir / "accounts.json"
    config = workdir / "provider.json"
    config.write_text(json.dumps({"issuer": issuer, "port": port, "clientSecret": CLIENT_SECRET,
                                  "redirectUris": redirect_uris, "accountsFile": str(accounts)}))
    log = open(workdir / "provider.log", "w")  # noqa: SIM115 (kept open for the process's life)
    process = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "OIDC_TEST_CONFIG": str(config)})
    for _ in range(200):  # up to 20 s for node to start listening
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited: {(workdir / 'provider.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            running = RunningProvider(issuer, port, accounts, process)
            running.reset_accounts()
            return running
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("oidc-provider did not start listening within 20 s")


def sign_in_at_provider(authorize_url: str, email: str, redirect_uri: str) -> str:
    """A person at the provider: opens the authorization URL, types their login on the dev sign-in
    form, and is sent back; returns the URL the provider redirects the browser to (our callback)."""
    import re
    from urllib.parse import urljoin

    import requests

    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True)
    action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
    assert action, f"no sign-in form at the provider: {response.status_code} {response.text[:500]}"
    response = browser.post(urljoin(response.url, action.group(1)),
                            data={"prompt": "login", "login": email, "password": "any"}, allow_redirects=False)
    while response.status_code in (302, 303):
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(redirect_uri):
            return location
        response = browser.get(location, allow_redirects=False)
    raise AssertionError(f"the provider did not send the browser back: {response.status_code} {response.text[:500]}")
