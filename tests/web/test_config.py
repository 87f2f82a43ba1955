"""Production refuses unsafe settings; development generates its key once."""
import pytest

from app.config import ConfigError, from_env, normalise_db_url


def test_production_needs_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        from_env({"BILLING_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_debug(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="FLASK_DEBUG must be off"):
        from_env({"BILLING_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("BILLING_ENV", "production")
    config = from_env({"INSTANCE_PATH": str(tmp_path)})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_development_key_is_generated_once(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = from_env({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert len(first) == 64 and from_env({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == first


def test_postgres_urls_use_psycopg3():
    assert normalise_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_db_url("sqlite:///x.db") == "sqlite:///x.db"


def test_public_url_is_kept_without_its_trailing_slash_and_refused_without_a_scheme(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLIC_URL", "https://billing.example.com/")
    assert from_env({"INSTANCE_PATH": str(tmp_path)})["PUBLIC_URL"] == "https://billing.example.com"
    monkeypatch.setenv("PUBLIC_URL", "billing.example.com")
    with pytest.raises(ConfigError, match="PUBLIC_URL must start with http:// or https://, not 'billing.example.com'"):
        from_env({"INSTANCE_PATH": str(tmp_path)})
