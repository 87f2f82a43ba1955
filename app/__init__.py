"""Billing Console: the billing team's one place for contracts, customers, usage and Stripe."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import auth, collaborators, config, errors, formatting, htmx, security_headers
from app.extensions import configure_sqlite, csrf, db, migrate


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=None)
    app.config.update(config.from_env(overrides))
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _private_sqlite_file(db.engine.url.database)
            configure_sqlite(db.engine)
    from app import models  # noqa: F401  (registers every table for migrations)

    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"), render_as_batch=True)
    collaborators.init_app(app)
    auth.init_app(app)  # the login guard runs before CSRF, so anonymous posts go to /login
    csrf.init_app(app)
    htmx.init_app(app)
    security_headers.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    _register_blueprints(app)

    from app import cli
    from app.jobs import job_queue

    job_queue.init_app(app)
    cli.init_app(app)
    app.context_processor(_layout_context)
    return app


def _private_sqlite_file(database: str | None) -> None:
    """The database holds customers and Stripe ids: readable by the owner only, created so."""
    if database and database != ":memory:" and not database.startswith("file:") and Path(database).parent.is_dir():
        config.private_sqlite_file(Path(database))


def _register_blueprints(app: Flask) -> None:
    from app.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def _layout_context() -> dict:
    from flask import current_app

    from app.blueprints import NAVIGATION

    return {"navigation": NAVIGATION, "stripe_mode": stripe_mode(current_app.config),
            "product_clock": product_clock(collaborators.app_clock())}


def stripe_mode(cfg) -> str:
    """Shown in the top bar so nobody presses a button against live Stripe by mistake."""
    key = cfg.get("STRIPE_SECRET_KEY") or ""
    if cfg.get("STRIPE_API_BASE"):
        return "emulator"
    if key.startswith(("sk_live", "rk_live")):
        return "live"
    if key:
        return "test"
    return "not configured"


def product_clock(clock) -> datetime | None:
    """The product's time, shown beside the Stripe mode when it follows a moved emulator clock, so
    nobody takes the emulator's 2027 for today."""
    if clock.mode != "emulator" or abs(clock.offset()) <= timedelta(minutes=1):
        return None
    return clock.now()
