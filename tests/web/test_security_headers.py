"""Headers and small leaks (issue 14, item 8): every response carries a Content-Security-Policy with
no inline script and no framing, nosniff and a Referrer-Policy; HSTS only in production; templates
carry no inline script for the policy to block."""
import re

import pytest

from app.config import ROOT
from tests.conftest import make_app

TEMPLATES = ROOT / "app" / "templates"


def _csp(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


@pytest.mark.parametrize("url", ["/login", "/healthz", "/annual-plans", "/no-such-page", "/static/app.js"])
def test_every_response_carries_the_security_headers(client, login_as, url):
    login_as("viewer")
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    policy = _csp(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_anonymous_and_error_responses_carry_them_too(client):
    response = client.post("/webhooks/stripe", data=b"[]", headers={"Content-Type": "application/json"}, csrf=False)
    assert response.status_code >= 400
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_hsts_when_the_flag_is_on(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/hsts.db", HSTS=True)
    assert app.test_client().get("/healthz").headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_defaults_on_in_production(monkeypatch, tmp_path):
    from app.config import from_env

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("HSTS", raising=False)
    assert from_env({"BILLING_ENV": "production", "INSTANCE_PATH": str(tmp_path)})["HSTS"] is True
    assert from_env({"BILLING_ENV": "development", "INSTANCE_PATH": str(tmp_path)})["HSTS"] is False


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\bhx-on|javascript:|\sstyle\s*=|<style", re.I)


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_script_or_style(template):
    """The policy would block them: behaviour lives in static/app.js, looks in static/app.css."""
    assert not INLINE.findall((TEMPLATES / template).read_text())


def test_htmx_runs_without_eval(client):
    page = client.get("/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page)[1]
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config
