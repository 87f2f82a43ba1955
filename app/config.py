"""Configuration read from the environment (and a .env file), once, at start-up."""
from __future__ import annotations

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

from app.extensions import ENGINE_JSON
from app.permissions import ROLES

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))

# name -> is it a secret (masked by `flask config-check`)
SETTINGS = {
    "SECRET_KEY": True,
    "DATABASE_URL": True,
    "REDIS_URL": True,
    "HUEY_NAME": False,
    "HUEY_SQLITE_PATH": False,
    "USAGE_TIMEZONE": False,
    "STRIPE_SECRET_KEY": True,
    "STRIPE_API_BASE": False,
    "APP_CLOCK": False,
    "STRIPE_WEBHOOK_SECRET": True,
    "PANDADOC_API_KEY": True,
    "PANDADOC_WEBHOOK_KEY": True,
    "OWN_EMAIL_DOMAINS": False,
    "CONTRACT_SOURCE": False,
    "CONTRACT_FILES_DIR": False,
    "OIDC_ISSUER": False,
    "OIDC_CLIENT_ID": False,
    "OIDC_CLIENT_SECRET": True,
    "OIDC_ALLOWED_DOMAINS": False,
    "OIDC_GROUP_ROLES": False,
    "OIDC_GROUPS_CLAIM": False,
    "OIDC_SCOPES": False,
    "OIDC_PROVIDER_NAME": False,
    "PASSWORD_LOGIN": False,
    "TRUST_PROXY": False,
    "HSTS": False,
    "SMTP_HOST": False,
    "SMTP_PORT": False,
    "SMTP_USERNAME": False,
    "SMTP_PASSWORD": True,
    "SMTP_STARTTLS": False,
    "SMTP_FROM": False,
    "SLACK_WEBHOOK_URL": True,
    "PUBLIC_URL": False,
}


class ConfigError(RuntimeError):
    """The app cannot start safely with this configuration."""


def private_dir(path: Path) -> Path:
    """instance/ holds the database, the queue and the secret key: the owner only (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create the file 0600 before anything writes to it (or narrow an existing one); SQLite gives its
    -wal and -shm files the database file's mode. An existing file is never opened here: closing any
    descriptor of a file drops this process's SQLite locks on it."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


def private_sqlite_file(path: Path) -> Path:
    """A SQLite database and the journal files left by an earlier run, the owner's only."""
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_mode & 0o077:
            side.chmod(0o600)
    return path


def _dev_secret_key(instance: Path) -> str:
    """A development key generated once, so sessions survive restarts."""
    path = private_dir(instance) / "secret_key"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # created 0600, never readable by others
    except FileExistsError:
        return private_file(path).read_text().strip()
    with os.fdopen(fd, "w") as key_file:
        key_file.write(secrets.token_hex(32))
    return path.read_text().strip()


def _sqlite_url(instance: Path) -> str:
    return f"sqlite:///{private_dir(instance) / 'billing.db'}"


def normalise_db_url(url: str) -> str:
    """Heroku-style postgres:// URLs -> the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _domains(name: str) -> list[str]:
    return [d.strip().lower() for d in os.environ.get(name, "").split(",") if d.strip()]


def parse_group_roles(text: str) -> dict[str, str]:
    """OIDC_GROUP_ROLES: "billing-admins=admin,finance=finance" -> {group: role}; unknown roles refused."""
    mapping = {}
    for pair in (p.strip() for p in text.split(",") if p.strip()):
        group, sep, role = (part.strip() for part in pair.rpartition("="))
        if not sep or not group or role not in ROLES:
            raise ConfigError(f"OIDC_GROUP_ROLES: '{pair}' must be group=role with role one of {', '.join(ROLES)}")
        mapping[group] = role
    return mapping


def _sso_settings() -> dict:
    """Single sign-on over OpenID Connect; a half-configured provider refuses to start."""
    issuer = os.environ.get("OIDC_ISSUER", "").strip()
    settings = {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_ALLOWED_DOMAINS": _domains("OIDC_ALLOWED_DOMAINS"),
        "OIDC_GROUP_ROLES": parse_group_roles(os.environ.get("OIDC_GROUP_ROLES", "")),
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM", "").strip() or "groups",
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "").strip() or "openid email profile groups",
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME", "").strip(),
        "PASSWORD_LOGIN": _flag("PASSWORD_LOGIN", True),
    }
    missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ALLOWED_DOMAINS", "OIDC_GROUP_ROLES")
               if not settings[name]]
    if issuer and missing:
        raise ConfigError(f"OIDC_ISSUER is set but {', '.join(missing)} is not")
    if not issuer and not settings["PASSWORD_LOGIN"]:
        raise ConfigError("PASSWORD_LOGIN=off needs single sign-on (OIDC_ISSUER): nobody could sign in")
    return settings


def _notification_settings() -> dict:
    """Where people are told: email when SMTP_HOST is set, Slack when SLACK_WEBHOOK_URL is."""
    port = os.environ.get("SMTP_PORT", "").strip() or "587"
    if not port.isdigit():
        raise ConfigError(f"SMTP_PORT must be a port number, not '{port}'")
    return {
        "SMTP_HOST": os.environ.get("SMTP_HOST", "").strip(),
        "SMTP_PORT": int(port),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", True),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "").strip() or "billing-console@localhost",
        "SLACK_WEBHOOK_URL": os.environ.get("SLACK_WEBHOOK_URL", "").strip(),
        "PUBLIC_URL": _public_url(),
    }


def _public_url() -> str:
    """Where people open the console (e.g. https://billing.example.com): notifications link back to it."""
    url = os.environ.get("PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_URL must start with http:// or https://, not '{url}'")
    return url


def from_env(overrides: dict | None = None) -> dict:
    """Build the Flask config dict; production refuses unsafe settings."""
    load_dotenv(ROOT / ".env", override=False)
    overrides = overrides or {}
    instance = Path(overrides.get("INSTANCE_PATH", INSTANCE))
    env = overrides.get("BILLING_ENV", os.environ.get("BILLING_ENV", "development"))
    production = env == "production"
    debug = _flag("FLASK_DEBUG")
    secret = os.environ.get("SECRET_KEY")
    if production and not secret:
        raise ConfigError("SECRET_KEY must be set when BILLING_ENV=production")
    if production and debug:
        raise ConfigError("FLASK_DEBUG must be off when BILLING_ENV=production")
    config = {
        "BILLING_ENV": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret or _dev_secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": normalise_db_url(
            os.environ.get("DATABASE_URL") or _sqlite_url(instance)
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **ENGINE_JSON},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),  # set: the job queue is on Redis, else a SQLite file
        "HUEY_NAME": os.environ.get("HUEY_NAME", "billing-console"),
        "HUEY_SQLITE_PATH": os.environ.get("HUEY_SQLITE_PATH") or str(instance / "huey.db"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "APP_CLOCK": os.environ.get("APP_CLOCK", ""),  # emulator | system | "" (emulator when its clock answers)
        "STRIPE_RATE_LIMIT": os.environ.get("STRIPE_RATE_LIMIT"),  # requests/s per process; 0 = no pacing
        "STRIPE_METER_EVENT_RATE": os.environ.get("STRIPE_METER_EVENT_RATE"),  # meter events/s; Stripe's own limit
        "STRIPE_STREAM_EVENT_RATE": float(os.environ.get("STRIPE_STREAM_EVENT_RATE", "9500")),  # v2 stream events/s
        "USAGE_TIMEZONE": os.environ.get("USAGE_TIMEZONE", "Europe/London"),  # the nightly send runs at its midnight
        "USAGE_STREAM_THRESHOLD": int(os.environ.get("USAGE_STREAM_THRESHOLD", "1000")),  # events; above: v2 stream
        "USAGE_SEND_THREADS": int(os.environ.get("USAGE_SEND_THREADS", "8")),  # meter event calls in flight at once
        "JOB_HEARTBEAT_INTERVAL": float(os.environ.get("JOB_HEARTBEAT_INTERVAL", "5")),  # s between a job's beats
        "JOB_HEARTBEAT_TIMEOUT": float(os.environ.get("JOB_HEARTBEAT_TIMEOUT", "60")),  # s of silence: worker gone
        "JOB_MAX_REQUEUES": int(os.environ.get("JOB_MAX_REQUEUES", "2")),  # then a silent job is failed
        "USAGE_API_RATE": float(os.environ.get("USAGE_API_RATE", "50")),  # requests/s per API token
        "USAGE_API_BURST": int(os.environ.get("USAGE_API_BURST", "100")),
        "RENEWAL_LEAD_DAYS": int(os.environ.get("RENEWAL_LEAD_DAYS", "45")),  # days before a contract year to draft it
        "PANDADOC_API_KEY": os.environ.get("PANDADOC_API_KEY", ""),
        "PANDADOC_WEBHOOK_KEY": os.environ.get("PANDADOC_WEBHOOK_KEY", ""),
        "PANDADOC_API_BASE": os.environ.get("PANDADOC_API_BASE", ""),
        "CONTRACT_SOURCE": os.environ.get("CONTRACT_SOURCE", "pandadoc"),
        "CONTRACT_FILES_DIR": os.environ.get("CONTRACT_FILES_DIR", str(ROOT / "demo" / "contracts")),
        "BILLING_CONFIG_PATH": os.environ.get("BILLING_CONFIG_PATH", str(ROOT / "config" / "billing.toml")),
        "CONTRACT_MAPPING_PATH": os.environ.get("CONTRACT_MAPPING_PATH", str(ROOT / "config" / "contract_mapping.toml")),
        "OWN_EMAIL_DOMAINS": _domains("OWN_EMAIL_DOMAINS"),
        **_notification_settings(),
        **_sso_settings(),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),  # Flask-Login's default is a year
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "TRUST_PROXY": _flag("TRUST_PROXY"),  # only behind a proxy that sets X-Forwarded-*, or clients spoof their IP
        "HSTS": _flag("HSTS", production),  # browsers then refuse plain http for a year: production (https) only
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 20,
        "LOGIN_THROTTLE_MINUTES": 15,
    }
    config.update(overrides)
    return config


def describe(config: dict) -> list[tuple[str, str]]:
    """(name, shown value) for each setting, secrets masked, for `flask config-check`."""
    rows = []
    for name, secret in SETTINGS.items():
        raw = os.environ.get(name, "")
        if not raw:
            rows.append((name, "(not set)"))
        elif secret:
            rows.append((name, mask(raw)))
        else:
            rows.append((name, raw))
    return rows


def mask(value: str) -> str:
    """Show only enough of a secret to recognise it."""
    if len(value) <= 8:
        return "****"
    return f"{value[:4]}…{value[-4:]}"
