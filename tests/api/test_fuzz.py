"""Schemathesis against the running app, from its own /api/openapi.json: no 5xx, every answer documented.

A real server on 127.0.0.1 over a database of its own (a SQLite file, or a PostgreSQL database beside the
suite's), so what the fuzzer stores never meets the other tests. Every operation gets API_FUZZ_EXAMPLES
generated requests (300 under CI=true, 25 otherwise; `make fuzz` asks for 3,000), with a valid token.
"""
from __future__ import annotations

import json
import os
import threading
from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from werkzeug.serving import make_server

from app.blueprints.api.openapi import DOCUMENT
from tests.databases import postgres_database_beside

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES") or (300 if os.environ.get("CI") == "true" else 25))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _own_database(tmp_path) -> str:
    from tests.conftest import DATABASE_URL

    if DATABASE_URL.startswith("postgres"):
        return postgres_database_beside(DATABASE_URL, "fuzz")
    return f"sqlite:///{tmp_path / 'fuzz.db'}"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, stripe_emulator_server):
    from flask_migrate import upgrade

    from app.extensions import db
    from tests.conftest import make_app
    from tests.factories import make_api_token, make_customer

    app = make_app(_own_database(tmp_path_factory.mktemp("fuzz")), TESTING=False, USAGE_API_RATE=0,
                   STRIPE_SECRET_KEY="sk_test_emulator", STRIPE_API_BASE=stripe_emulator_server.url,
                   HUEY_NAME=f"{os.environ['HUEY_NAME']}-fuzz")
    with app.app_context():
        upgrade()
        token = make_api_token(db.session, "fuzz instance")
        make_customer(db.session, organisation_id="org-1", plans_map={})
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "token": token}
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    return schemathesis.openapi.from_url(f"{fuzz_server['url']}/api/openapi.json")


OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item]


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_answers_every_generated_request_as_documented(api_schema, fuzz_server, method, path):
    """Valid and invalid requests alike (Schemathesis's positive and negative modes), each checked."""
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {fuzz_server['token']}"}

    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def answers_as_documented(case):
        sent.append(case.call_and_validate(base_url=fuzz_server["url"], headers=headers, checks=CHECKS).status_code)

    sent: list[int] = []
    answers_as_documented()
    print(f"\n{method} {path}: {len(sent)} requests, statuses {sorted(set(sent))}")
    assert len(sent) >= (1 if path == "/api/openapi.json" else EXAMPLES)


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


@pytest.mark.parametrize("method, path, request_parts, status", [
    ("GET", "/api/billing/customers/{organisation_id}", {"path_parameters": {"organisation_id": "org-1"}}, 200),
    ("POST", "/api/usage/reports", {"body": {"reports": [{"organization_id": "org-1", "instance": "US",
                                                          "date": "TODAY-1", "usage": {"product_analytics": 3}}]}},
     202),
    ("POST", "/api/usage/runs", {"body": {"instance": "US", "date": "TODAY-1", "total_orgs": 2, "orgs_sent": 2,
                                          "started_at": None, "finished_at": 1700000000}}, 202),
    ("POST", "/api/usage/reports", {"body": {"reports": [{"organization_id": "org-1", "instance": "US",
                                                          "date": "TODAY-1", "usage": {"product_analytics": -1}}]}},
     422),
])
def test_the_happy_paths_answer_as_documented(api_schema, fuzz_server, method, path, request_parts, status):
    """What random generation rarely reaches (a known organisation, a valid report) checked the same way."""
    if "body" in request_parts:
        request_parts = {"body": _dated(request_parts["body"]), "media_type": "application/json"}
    case = api_schema[path][method].Case(**request_parts)
    response = case.call_and_validate(base_url=fuzz_server["url"], checks=CHECKS,
                                      headers={"Authorization": f"Bearer {fuzz_server['token']}"})
    assert response.status_code == status


def _dated(body):
    """TODAY-1 becomes yesterday on the server's clock (the system's: the fuzz server's clock is not frozen)."""
    return json.loads(json.dumps(body).replace("TODAY-1", _yesterday()))
