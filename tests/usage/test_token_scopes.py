"""API tokens carry scopes and, optionally, the one instance whose usage they may write."""
import re
from datetime import datetime

import pytest

from app import timeutil
from app.models import ApiToken, AuditEntry, UsageReport, UsageRun
from app.services.api_tokens import create_api_token, hash_token
from app.services.audit import Actor

NOW = datetime(2027, 5, 12, 9, 0)


@pytest.fixture
def make_token(db):
    def factory(scopes=("usage:write", "billing:read"), instance=None):
        _, plain = create_api_token(db.session, Actor.system("tests"), "scoped", scopes, instance)
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return factory


@pytest.fixture(autouse=True)
def _frozen():
    timeutil.freeze(NOW)
    yield
    timeutil.freeze(None)


def _report(instance, org="org-1"):
    return {"organization_id": org, "instance": instance, "date": "2027-05-11", "usage": {"product_analytics": 10}}


def _usage_rows(db):
    return [db.session.scalar(db.select(db.func.count()).select_from(model)) for model in (UsageReport, UsageRun)]


def test_a_usage_token_may_not_read_billing(client, make_token, make_customer, nothing_written):
    make_customer(organisation_id="org-42")
    headers = make_token(scopes=["usage:write"])
    with nothing_written():
        response = client.get("/api/billing/customers/org-42", headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {**response.get_json(), "error": "forbidden", "field": "scope"}
    assert "billing:read" in response.get_json()["message"]


def test_a_billing_token_may_not_write_usage(client, make_token, nothing_written):
    headers = make_token(scopes=["billing:read"])
    with nothing_written():
        response = client.raw.post("/api/usage/reports", json={"reports": [_report("US")]}, headers=headers)
    assert response.status_code == 403 and response.get_json()["field"] == "scope"
    assert "usage:write" in response.get_json()["message"]


def test_a_token_for_us_writes_us_reports(client, db, make_token):
    response = client.raw.post("/api/usage/reports", json={"reports": [_report("US")]}, headers=make_token(instance="US"))
    assert response.status_code == 202 and _usage_rows(db) == [1, 0]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("reports", {"reports": [_report("US"), _report("EU", org="org-2")]}, "reports[1].instance"),
    ("reports", {"reports": [_report("EU")], "replace": True}, "reports[0].instance"),
    ("runs", {"instance": "EU", "date": "2027-05-11", "total_orgs": 3, "orgs_sent": 3}, "runs[0].instance"),
])
def test_a_token_for_us_may_not_write_or_replace_another_instances_usage(client, db, make_token, path, body, field):
    headers = make_token(instance="US")
    before = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    response = client.raw.post(f"/api/usage/{path}", json=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["field"] == field and "'US' only, not 'EU'" in response.get_json()["message"]
    assert _usage_rows(db) == [0, 0] and db.session.scalar(db.select(db.func.count(AuditEntry.id))) == before


def test_the_eu_report_stays_when_a_us_token_tries_to_replace_it(client, db, make_token):
    client.raw.post("/api/usage/reports", json={"reports": [_report("EU")]}, headers=make_token(instance="EU"))
    changed = {**_report("EU"), "usage": {"product_analytics": 99}}
    response = client.raw.post("/api/usage/reports", json={"reports": [changed], "replace": True},
                               headers=make_token(instance="US"))
    assert response.status_code == 403
    assert db.session.scalar(db.select(UsageReport)).usage == {"product_analytics": 10}


def test_cli_creates_a_token_with_scopes_and_an_instance(app, db):
    result = app.test_cli_runner().invoke(args=["api-tokens", "create", "--name", "EU writer", "--scope", "usage:write",
                                                "--instance", "EU"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(result.output.split()[-1])))
    assert (row.scopes, row.instance) == (["usage:write"], "EU")


@pytest.mark.parametrize(("args", "message"), [
    (["--scope", "billing:write"], "unknown scope 'billing:write'"),
    (["--instance", "U S"], "an instance is one word"),
    (["--instance", "X" * 65], "an instance is one word"),
])
def test_cli_refuses_a_bad_scope_or_instance_and_writes_nothing(app, db, nothing_written, args, message):
    with nothing_written():
        result = app.test_cli_runner().invoke(args=["api-tokens", "create", "--name", "x", *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code != 0 and len(lines) == 1 and lines[0].startswith(f"Error: {message}")


def test_admin_chooses_scopes_and_instance_and_the_page_shows_them(client, login_as, db):
    login_as("admin")
    response = client.post("/api-tokens", data={"name": "EU reader", "scopes_shown": "1", "scope": ["billing:read"],
                                                "instance": "EU"})
    assert response.status_code == 201
    row = db.session.scalar(db.select(ApiToken))
    assert (row.scopes, row.instance) == (["billing:read"], "EU")
    page = client.get("/api-tokens").get_data(as_text=True)
    assert re.search(rf'<tr id="token-{row.id}">.*?<code>billing:read</code>\s*</td><td>EU</td>', page, re.S)


@pytest.mark.parametrize(("data", "message"), [
    ({"scopes_shown": "1"}, "give the token at least one scope"),
    ({"scopes_shown": "1", "scope": ["usage:write", "admin"]}, "unknown scope &#39;admin&#39;"),
    ({"instance": "two words"}, "an instance is one word"),
])
def test_admin_bad_scopes_or_instance_are_422_and_nothing_is_written(client, login_as, nothing_written, data, message):
    login_as("admin")
    with nothing_written():
        response = client.post("/api-tokens", data={"name": "x", **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
