"""The benchmarks' PostgreSQL: BENCH_DATABASE_URL (default the local server's `bench` database),
its public schema dropped and recreated so each run starts empty."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from app.config import normalise_db_url

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")


def fresh_postgres(url: str = PG_URL) -> str:
    url = normalise_db_url(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
