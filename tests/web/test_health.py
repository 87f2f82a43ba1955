"""/healthz: JSON status of the database and the job queue; 503 when either is down."""
from huey import RedisHuey

from app.jobs import job_queue


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["queue"]["ok"]
    assert body["queue"]["backend"] in ("SqliteHuey", "RedisHuey")


def test_queue_down_is_503(app, client, monkeypatch):
    monkeypatch.setattr(job_queue.of(app), "huey", RedisHuey("down", url="redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["queue"]["ok"] is False


def test_database_down_is_503(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path}/missing-dir/nope.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down" and body["database"]["ok"] is False
