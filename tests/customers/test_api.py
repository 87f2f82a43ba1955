"""The billing API for instances, and the API tokens admins manage."""
from datetime import date, datetime

import pytest

from app import timeutil
from app.models import ApiToken, AuditEntry
from app.services.api_tokens import hash_token


def _get(client, organisation_id, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/billing/customers/{organisation_id}", headers=headers)


def test_good_token_gets_plans_features_trial_and_caps(client, db, token, make_customer):
    timeutil.freeze(datetime(2027, 1, 10, 9, 0))
    try:
        make_customer(organisation_id="org-42", plans_map={"session_replay": "session_replay_paid"},
                      free_trial_until=date(2027, 1, 31), billing_limits={"session_replay": 10000})
        response = _get(client, "org-42", token)
    finally:
        timeutil.freeze(None)
    body = response.get_json()
    assert response.status_code == 200
    assert body["plans_map"] == {"session_replay": "session_replay_paid"}
    assert body["effective_plans"]["product_analytics"] == "product_analytics_free"
    assert "recordings_file_export" in body["available_features"] and "saml" in body["available_features"]
    assert body["free_trial_until"] == "2027-01-31" and body["features_change_on"] == "2027-02-01"
    # $100 at catalog tiers: 5,000 free, 10,000 at 0.5¢ ($50), then $50 at 0.4¢ = 12,500 more
    assert body["billing_limits"] == {"session_replay": 10000} and body["usage_caps"] == {"session_replay": 27500}
    assert db.session.scalar(db.select(ApiToken)).last_used_at is not None


@pytest.mark.parametrize("bad", [None, "bc_wrong", "not-even-prefixed"])
def test_bad_token_is_401_json(client, make_customer, token, nothing_written, bad):
    make_customer(organisation_id="org-42")
    with nothing_written():
        response = _get(client, "org-42", bad)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def test_revoked_token_is_401(client, db, token, make_customer, nothing_written):
    make_customer(organisation_id="org-42")
    db.session.scalar(db.select(ApiToken)).revoked_at = timeutil.utcnow()
    db.session.commit()
    with nothing_written():
        assert _get(client, "org-42", token).status_code == 401


def test_unknown_organisation_is_404_json(client, token):
    response = _get(client, "org-missing", token)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_admin_creates_a_token_shown_once_and_stored_hashed(client, login_as, db):
    login_as("admin")
    response = client.post("/api-tokens", data={"name": "EU instance"})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    import re

    plain = re.search(r'<pre class="new-token">(bc_[^<]+)</pre>', html).group(1)
    row = db.session.scalar(db.select(ApiToken))
    assert row.token_hash == hash_token(plain) and plain not in str(row.__dict__)
    assert plain not in client.get("/api-tokens").get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "api_token.created"))


def test_admin_revokes_a_token(client, login_as, db, token):
    login_as("admin")
    row = db.session.scalar(db.select(ApiToken))
    assert client.post(f"/api-tokens/{row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None


def test_a_token_needs_a_name(client, login_as, db):
    login_as("admin")
    response = client.post("/api-tokens", data={"name": "  "})
    assert response.status_code == 422 and "give the token a name" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


@pytest.mark.parametrize("role", ["finance", "cs", "viewer"])
def test_only_admins_manage_tokens(client, login_as, db, token, nothing_written, role):
    login_as(role)
    row = db.session.scalar(db.select(ApiToken))
    with nothing_written():
        assert client.get("/api-tokens").status_code == 403
        assert client.post("/api-tokens", data={"name": "x"}).status_code == 403
        assert client.post(f"/api-tokens/{row.id}/revoke").status_code == 403


def test_cli_creates_and_revokes(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-tokens", "create", "--name", "cli token"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    assert row.name == "cli token"
    result = runner.invoke(args=["api-tokens", "revoke", str(row.id)])
    assert result.exit_code == 0 and "Revoked" in result.output
    assert runner.invoke(args=["api-tokens", "revoke", "999999"]).exit_code != 0
