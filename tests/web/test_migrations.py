"""Migrations build the whole schema from nothing, on SQLite and (when available) PostgreSQL."""
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db as _db
from tests.databases import postgres_database_beside

EXPECTED_TABLES = {"users", "login_failures", "audit_entries", "jobs", "annual_plans", "annual_plan_lines",
                   "plan_warnings", "field_provenance", "webhook_events", "stripe_operations", "alembic_version",
                   "customers", "customer_organisations", "api_tokens",
                   "usage_reports", "usage_runs", "usage_events", "meter_event_sends",
                   "revenue_months", "revenue_lines"}


def _tables_after_upgrade(url):
    from tests.conftest import make_app

    app = make_app(url)
    with app.app_context():
        upgrade()
        tables = set(inspect(_db.engine).get_table_names())
        downgrade(revision="base")
        left = set(inspect(_db.engine).get_table_names())
        _db.engine.dispose()
    return tables, left


def test_upgrade_on_empty_sqlite(tmp_path):
    tables, left = _tables_after_upgrade(f"sqlite:///{tmp_path / 'empty.db'}")
    assert EXPECTED_TABLES <= tables
    assert left <= {"alembic_version"}


@pytest.mark.postgres
def test_upgrade_on_empty_postgres():
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    tables, left = _tables_after_upgrade(postgres_database_beside(base, "migrations"))
    assert EXPECTED_TABLES <= tables
    assert left <= {"alembic_version"}


def test_models_and_migrations_agree(app):
    """A model change without its migration fails here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), _db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), _db.metadata)
    assert diff == []
