"""One mapping for every refusal: rolled back, then a page, a fragment in place, JSON or an `Error:` line."""
import click
import pytest

from app.errors import CommandGroup, on_refusal
from app.models import AuditEntry
from app.refusals import BadRequest, Conflict, Invalid, NotFound, StripeFailed
from app.services.audit import Actor, record_audit


@pytest.fixture(scope="module")
def refusing_app(tmp_path_factory):
    """An app with routes that write an audit entry and then refuse, one per way of answering."""
    from flask_migrate import upgrade

    from app.extensions import db
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('refusals') / 'refusals.db'}", WTF_CSRF_ENABLED=False)

    def half_done():
        record_audit(db.session, Actor.system("tests"), "half.done", "thing", 1)

    def page():
        half_done()
        raise Conflict("someone else changed it")

    def in_place(thing_id):
        half_done()
        raise Invalid(f"thing {thing_id} cannot be that", field="name")

    def missing(thing_id):
        raise NotFound(f"no thing {thing_id}")

    def renderer_fails(thing_id):
        raise Invalid("first refusal")

    def api():
        half_done()
        raise BadRequest("'events' must be a list", field="events")

    def webhook():
        raise BadRequest("body must be a JSON array")

    shown = on_refusal(lambda exc, thing_id: f"<td>{exc} (field {exc.field})</td>")
    for rule, view in (("/t/page", page), ("/t/<int:thing_id>/in-place", shown(in_place)),
                       ("/t/<int:thing_id>/missing", shown(missing)), ("/api/t", api), ("/webhooks/t", webhook),
                       ("/t/<int:thing_id>/renderer-fails",
                        on_refusal(lambda exc, thing_id: (_ for _ in ()).throw(StripeFailed("Stripe is down")))(
                            renderer_fails))):
        view.is_public = True
        app.add_url_rule(rule, view.__name__, view, methods=["POST"])

    group = CommandGroup("things")

    @group.command("refuse")
    def refuse():
        half_done()
        raise Invalid("that thing cannot be done")

    app.cli.add_command(group)
    with app.app_context():
        upgrade()
    return app


def _audit_count(app) -> int:
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "half.done"))


def test_a_refusal_is_the_error_page_with_its_status_and_nothing_is_written(refusing_app):
    response = refusing_app.test_client().post("/t/page")
    assert response.status_code == 409
    assert "Changed by someone else" in response.get_data(as_text=True)
    assert "Someone else changed it" in response.get_data(as_text=True)  # as a sentence
    assert _audit_count(refusing_app) == 0


def test_htmx_gets_the_error_as_a_fragment(refusing_app):
    response = refusing_app.test_client().post("/t/page", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "<html" not in body and "someone else changed it" in body


def test_a_view_that_shows_refusals_in_place_renders_its_own_fragment(refusing_app):
    response = refusing_app.test_client().post("/t/7/in-place", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.get_data(as_text=True) == "<td>thing 7 cannot be that (field name)</td>"
    assert _audit_count(refusing_app) == 0


def test_not_found_is_never_drawn_in_place(refusing_app):
    response = refusing_app.test_client().post("/t/7/missing", headers={"HX-Request": "true"})
    assert response.status_code == 404 and "no thing 7" in response.get_data(as_text=True)
    assert "<td>" not in response.get_data(as_text=True)


def test_when_drawing_in_place_is_refused_too_the_error_page_says_why(refusing_app):
    response = refusing_app.test_client().post("/t/7/renderer-fails")
    assert response.status_code == 502 and "Stripe is down" in response.get_data(as_text=True)


def test_the_api_answers_json_naming_the_field(refusing_app):
    response = refusing_app.test_client().post("/api/t")
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "field": "events", "message": "'events' must be a list"}
    assert _audit_count(refusing_app) == 0


def test_a_webhook_answers_json_with_the_status(refusing_app):
    response = refusing_app.test_client().post("/webhooks/t")
    assert response.status_code == 400
    assert response.get_json()["error"] == {"status": 400, "title": "Bad request",
                                            "message": "body must be a JSON array"}


def test_a_command_prints_one_error_line_exits_1_and_writes_nothing(refusing_app):
    result = refusing_app.test_cli_runner().invoke(args=["things", "refuse"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: that thing cannot be done"
    assert _audit_count(refusing_app) == 0


@pytest.mark.parametrize(("http_status", "status"), [(400, 422), (402, 422), (404, 422), (None, 502), (401, 502),
                                                     (429, 502), (500, 502)])
def test_stripe_refusing_what_we_asked_is_422_and_stripe_failing_is_502(http_status, status):
    assert StripeFailed("Stripe: no", http_status=http_status).status == status


def test_a_click_usage_error_is_still_clicks(refusing_app):
    """Only refusals are mapped: click's own errors (a bad option) keep their exit code 2."""
    result = refusing_app.test_cli_runner().invoke(args=["things", "refuse", "--nope"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert not isinstance(result.exception, click.ClickException)
