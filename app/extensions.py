"""Unbound Flask extensions; `create_app` binds them."""
from __future__ import annotations

import json

import orjson
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def json_dumps(value) -> str:
    """JSON columns written with orjson (snapshots of 10,000 customers in a sync); anything orjson
    refuses goes through json, so what fails or succeeds is as before."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


ENGINE_JSON = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}
db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave under a web server and a worker at once.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; we take
    over and begin IMMEDIATE, so a read-then-write never fails on a lock upgrade.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
