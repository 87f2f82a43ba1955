"""Unexpected errors get the app's 500 page (or JSON for machines), roll back, and reveal nothing."""
from app.models import AuditEntry
from app.services.audit import Actor, record_audit


def test_500_page_in_the_layout_and_nothing_saved(tmp_path):
    from flask_migrate import upgrade

    from app.extensions import db
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'errors.db'}", TESTING=False)

    @app.get("/boom")
    def boom():
        record_audit(db.session, Actor.system("tests"), "half.done", "thing", 1)
        raise RuntimeError("secret internals")

    boom.is_public = True  # reachable without a session for this test only
    with app.app_context():
        upgrade()
    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "nothing was saved" in body and "secret internals" not in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == 0
    api = client.get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.get_json()["error"]["status"] == 500
