"""Fresh databases beside the suite's own, for tests that need one from nothing (migrations, a live server)."""
from __future__ import annotations

from sqlalchemy import create_engine, text


def postgres_database_beside(base_url: str, suffix: str) -> str:
    """`<suite database>_<suffix>`, dropped (with its connections) and created empty; its URL."""
    from sqlalchemy.engine import make_url

    from app.config import normalise_db_url

    url = make_url(normalise_db_url(base_url))
    name = f"{url.database}_{suffix}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
