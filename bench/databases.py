"""The benchmarks' PostgreSQL: BENCH_DATABASE_URL (default the local server's `bench` database,
created when the server does not have it yet), its public schema dropped and recreated so each
run starts empty."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import normalise_db_url

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")


def fresh_postgres(url: str = PG_URL) -> str:
    url = normalise_db_url(url)
    _ensure_database(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _ensure_database(url: str) -> None:
    """A fresh machine's server has only its default databases."""
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
