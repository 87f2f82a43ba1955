"""Shared fixtures: the app on a migrated database, a per-test rollback, logged-in clients."""
from __future__ import annotations

import copy
import os
import tempfile
import uuid
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="billing-tests-"))
os.environ["INSTANCE_PATH"] = str(_TMP / "instance")
os.environ["HUEY_SQLITE_PATH"] = str(_TMP / "huey.db")
os.environ["HUEY_NAME"] = f"billing-console-test-{uuid.uuid4().hex[:8]}"
os.environ["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
for _name in ("DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_API_BASE", "SECRET_KEY", "BILLING_ENV", "APP_CLOCK",
              "OIDC_ISSUER", "PASSWORD_LOGIN"):
    os.environ.pop(_name, None)

from flask import session as flask_session  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from flask_sqlalchemy.session import Session as FlaskSession  # noqa: E402
from flask_wtf.csrf import generate_csrf  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import collaborators, create_app  # noqa: E402
from app.extensions import db as _db  # noqa: E402
from app.jobs import job_queue  # noqa: E402
from app.services.audit import Actor  # noqa: E402
from app.services.catalog import catalog_id  # noqa: E402
from app.services.users import create_user  # noqa: E402
from stripe_emulator.testing import stripe_client, stripe_emulator, stripe_emulator_server  # noqa: E402,F401
from tests import factories, writes  # noqa: E402

TEST_PASSWORD = "correct-horse-battery"
PANDADOC_KEY = "test-pandadoc-webhook-key"
STRIPE_WEBHOOK_SECRET = "whsec_test_billing_console"
CONTRACTS = factories.CONTRACTS
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"


def _reset_postgres(url: str) -> None:
    from app.config import normalise_db_url

    engine = create_engine(normalise_db_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(database_url: str, **overrides):
    """APP_CLOCK=system unless a test says otherwise (tests/web/test_clock.py): the suite was written
    against the system clock, and many tests move the emulator's clock to move Stripe alone (a schedule
    starting in 2027, renewals) while the product's today stays real. Tests of the product following
    the emulator opt in, so a test never moves the product in time by accident."""
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "APP_CLOCK": "system",
              "INSTANCE_PATH": str(_TMP / "instance"), "SERVER_NAME": None,
              "PANDADOC_WEBHOOK_KEY": PANDADOC_KEY, "CONTRACT_SOURCE": "files",
              "CONTRACT_FILES_DIR": str(CONTRACTS), "OWN_EMAIL_DOMAINS": ["seller.example"],
              "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET, "STRIPE_RATE_LIMIT": 0}
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(stripe_emulator_server):
    if DATABASE_URL.startswith("postgres"):
        _reset_postgres(DATABASE_URL)
    from app.config import normalise_db_url

    application = make_app(normalise_db_url(DATABASE_URL), STRIPE_SECRET_KEY="sk_test_emulator",
                           STRIPE_API_BASE=stripe_emulator_server.url)
    with application.app_context():
        upgrade()
    return application


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy routes queries to its engine; tests need the one open connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def db(app):
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": ConnectionBoundSession})
        job_queue.huey.flush()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


class CsrfClient:
    """Wraps the test client so state-changing requests carry a valid CSRF token, like htmx does."""

    def __init__(self, app, client):
        self.app, self.raw = app, client
        self._token = None

    def _ensure_token(self):
        if self._token is None:
            with self.app.test_request_context():
                self._token = generate_csrf()
                raw = flask_session["csrf_token"]
            with self.raw.session_transaction() as sess:
                sess["csrf_token"] = raw
        return self._token

    def _send(self, method, url, csrf=True, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf:
            headers.setdefault("X-CSRFToken", self._ensure_token())
        return getattr(self.raw, method)(url, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.raw.get(url, **kwargs)

    def post(self, url, **kwargs):
        return self._send("post", url, **kwargs)

    def put(self, url, **kwargs):
        return self._send("put", url, **kwargs)

    def patch(self, url, **kwargs):
        return self._send("patch", url, **kwargs)

    def delete(self, url, **kwargs):
        return self._send("delete", url, **kwargs)


@pytest.fixture
def client(app, db):
    return CsrfClient(app, app.test_client())


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def factory(role="admin", email=None, password=TEST_PASSWORD, **kwargs):
        email = email or f"{role}{next(counter)}@staff.example"
        user = create_user(db.session, Actor.system("tests"), email, role, password, **kwargs)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(client, make_user):
    """`login_as("finance")` signs the client in through the real login form."""

    def sign_in(role="admin", **kwargs):
        user = make_user(role, **kwargs)
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


@pytest.fixture
def nothing_written(db, stripe_emulator):
    """`with nothing_written(): response = client.post(...)` fails if the block wrote a row or a Stripe object."""
    return lambda: writes.nothing_written(db, stripe_emulator)


@pytest.fixture
def catalog(app, db, stripe_emulator):
    """The Stripe catalog bootstrapped in the emulator; the bootstrap's report lines."""
    with app.test_request_context():
        return factories.make_catalog(db.session)


@pytest.fixture
def ids(db, catalog):
    return lambda kind, key: catalog_id(db.session, kind, key)


@pytest.fixture
def price_of(db, catalog):
    return lambda product_key, variant="standard": factories.price_id(db.session, product_key, variant)


@pytest.fixture
def make_customer(db):
    return lambda **fields: factories.make_customer(db.session, **fields)


@pytest.fixture
def subscribed_customer(db, stripe_client, catalog):
    """A Stripe customer with a subscription on the standard metered prices, and our record of it."""

    def factory(name="Acme Analytics", products=factories.STANDARD_PRODUCTS, coupon=None, **fields):
        return factories.make_subscribed_customer(
            db.session, stripe_client, name, products, coupon=coupon,
            stripe_params={"email": f"{name.split()[0].lower()}@acme.example"}, **fields)

    return factory


@pytest.fixture
def token(db):
    """An instance's API token (plain), for the billing and usage APIs."""
    return factories.make_api_token(db.session)


@pytest.fixture
def gateway(app):
    with app.test_request_context():
        gateway = collaborators.stripe_gateway()
        gateway.http = copy.copy(gateway.http)  # the app's is shared: a test's sleep or key stays in the test
        yield gateway
