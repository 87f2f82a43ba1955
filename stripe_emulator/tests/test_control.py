"""`/_emulator/*` control endpoints, tick hooks, persistence and the command line."""

import json
import os
import socket
import subprocess
import sys
import time

import requests

from stripe_emulator import hooks
from stripe_emulator.app import Emulator
from stripe_emulator.testing import make_client


def test_clock_set_and_advance(stripe_emulator, stripe_client):
    url = f"{stripe_emulator.url}/_emulator/clock"
    assert requests.post(url, json={"now": 2_000_000_000, "frozen": True}).json() == {
        "now": 2_000_000_000, "frozen": True}
    assert stripe_client.v1.customers.create().created == 2_000_000_000
    assert requests.post(url, json={"advance_seconds": 86400}).json()["now"] == 2_000_086_400
    assert requests.get(url).json()["now"] == 2_000_086_400


def test_tick_hooks_run_when_the_clock_moves(stripe_emulator):
    seen = []

    def hook(state, previous, now):
        seen.append((previous, now))

    hooks.TICK_HOOKS.append(hook)
    try:
        stripe_emulator.set_time(1_900_000_000, frozen=True)
        stripe_emulator.advance(60)
    finally:
        hooks.TICK_HOOKS.remove(hook)
    assert seen[-1] == (1_900_000_000, 1_900_000_060)


def test_reset_wipes_objects(stripe_emulator, stripe_client):
    stripe_client.v1.customers.create()
    assert requests.post(f"{stripe_emulator.url}/_emulator/reset").json()["ok"] is True
    assert stripe_client.v1.customers.list().data == []


def test_faults_endpoint(stripe_emulator):
    url = f"{stripe_emulator.url}/_emulator/faults"
    applied = requests.post(url, json={"fail_next": 2, "path_prefix": "/v1/invoices"}).json()
    assert applied["fail_next"] == 2 and applied["path_prefix"] == "/v1/invoices"
    assert requests.post(url, json={"nonsense": 1}).status_code == 400


def test_dump_lists_objects(stripe_emulator, stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "d@acme.test"})
    dump = requests.get(f"{stripe_emulator.url}/_emulator/dump").json()
    assert dump["objects"]["customer"][customer.id]["email"] == "d@acme.test"
    assert dump["objects"]["event"]


def test_state_file_survives_a_restart(tmp_path):
    path = tmp_path / "state.json"
    first = Emulator(state_file=str(path))
    status, _, body = first.handle("POST", "/v1/customers", {"authorization": "Bearer sk_test_x",
                                                             "idempotency-key": "k1"},
                                   b"email=p%40acme.test")
    customer_id = json.loads(body)["id"]
    assert status == 200
    first.close()  # what shutdown does: the last debounced write
    assert path.exists()
    second = Emulator(state_file=str(path))
    status, _, body = second.handle("GET", f"/v1/customers/{customer_id}",
                                    {"authorization": "Bearer sk_test_x"})
    assert json.loads(body)["email"] == "p@acme.test"
    status, headers, _ = second.handle("POST", "/v1/customers",
                                       {"authorization": "Bearer sk_test_x",
                                        "idempotency-key": "k1"}, b"email=p%40acme.test")
    assert ("Idempotent-Replayed", "true") in headers
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".stripe-emulator-")]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_command_line_server(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", str(port),
                             "--state", str(tmp_path / "s.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{url}/_emulator/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        customer = make_client(url).v1.customers.create(params={"email": "cli@acme.test"})
        assert customer.email == "cli@acme.test"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    saved = json.loads((tmp_path / "s.json").read_text())
    assert customer.id in saved["objects"]["customer"]


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path), save_interval_ms=0)  # write before answering
    auth = {"authorization": "Bearer sk_test_x"}
    emulator.handle("POST", "/v1/customers", auth, b"email=first%40acme.test")
    saved = path.read_text()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    status, _, _ = emulator.handle("POST", "/v1/customers", auth, b"email=second%40acme.test")
    assert status == 500
    assert path.read_text() == saved
    assert json.loads(saved)["objects"]["customer"]
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".stripe-emulator-")]


def test_wsgi_adapter_serves_the_same_api():
    from werkzeug.test import Client

    client = Client(Emulator().wsgi)
    resp = client.post("/v1/customers", data={"email": "w@acme.test"},
                       headers={"Authorization": "Bearer sk_test_x"})
    assert resp.status_code == 200
    assert resp.json["email"] == "w@acme.test"
    assert resp.headers["Request-Id"].startswith("req_")


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_state_file_writes_are_debounced(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path), save_interval_ms=50)
    writes = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (writes.append(dst),
                                                         real_replace(src, dst)))
    auth = {"authorization": "Bearer sk_test_x"}
    ids = [json.loads(emulator.handle("POST", "/v1/customers", auth,
                                      f"email=c{i}%40acme.test".encode())[2])["id"]
           for i in range(30)]
    assert _wait_for(lambda: path.exists()
                     and ids[-1] in json.loads(path.read_text())["objects"]["customer"])
    assert len(writes) < 30
    last = emulator.handle("POST", "/v1/customers", auth, b"email=last%40acme.test")[2]
    emulator.close()  # shutdown: always written, whatever the interval
    assert json.loads(last)["id"] in json.loads(path.read_text())["objects"]["customer"]
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".stripe-emulator-")]


def test_background_write_failure_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path), save_interval_ms=20)
    auth = {"authorization": "Bearer sk_test_x"}
    emulator.handle("POST", "/v1/customers", auth, b"email=first%40acme.test")
    assert _wait_for(path.exists)
    saved = path.read_text()
    real_replace = os.replace
    failures = []

    def crash(src, dst):
        failures.append(dst)
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    status, _, body = emulator.handle("POST", "/v1/customers", auth, b"email=second%40acme.test")
    assert status == 200  # answered; the write happens (and fails) in the background
    assert _wait_for(lambda: failures)
    assert path.read_text() == saved
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".stripe-emulator-")]
    monkeypatch.setattr(os, "replace", real_replace)
    emulator.close()
    assert json.loads(body)["id"] in json.loads(path.read_text())["objects"]["customer"]
