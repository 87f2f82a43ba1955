"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""
from app import create_app
from app.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:  # a setting to fix, not a bug: one line, no traceback
    raise SystemExit(f"Error: {exc}") from None
