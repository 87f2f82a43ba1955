"""Editing cells through the grid: valid, invalid (422), stale (409), not allowed (403)."""
import pytest

from app.models import AnnualPlan, AuditEntry, PlanWarning
from tests.annual_plans.helpers import loaded_sample


def _save(client, plan, field, value, version=None, **extra):
    data = {"value": value, "version": plan.version if version is None else version, **extra}
    return client.post(f"/annual-plans/{plan.id}/cells/{field}", data=data, headers={"HX-Request": "true"})


def _audits(db, plan, action):
    return db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.object_id == str(plan.id), AuditEntry.action == action)).all()


@pytest.fixture
def acme(client, db):
    return loaded_sample(client, db, "acme")


@pytest.fixture
def initech(client, db):
    return loaded_sample(client, db, "initech-needs-review")


def test_grid_lists_rows_and_filters(client, db, login_as, acme, initech):
    login_as("viewer")
    page = client.get("/annual-plans").get_data(as_text=True)
    assert f'id="plan-{acme.id}"' in page and f'id="plan-{initech.id}"' in page
    fragment = client.get("/annual-plans?q=acme", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'id="plan-{acme.id}"' in fragment and f'id="plan-{initech.id}"' not in fragment
    assert "<html" not in fragment
    assert "No contracts match" in client.get("/annual-plans?stage=live").get_data(as_text=True)


def test_valid_edit_saves_rerenders_the_row_and_audits(client, db, login_as, acme):
    login_as("cs")
    version = acme.version
    response = _save(client, acme, "line.product_analytics.volume", "75 million")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="plan-{acme.id}"') and "75,000,000" in html
    db.session.refresh(acme)
    assert acme.line("product_analytics").volume == 75000000 and acme.version > version
    entry = _audits(db, acme, "annual_plan.field_updated")[-1]
    assert entry.before == {"line.product_analytics.volume": 60000000}
    assert entry.after == {"line.product_analytics.volume": 75000000}


@pytest.mark.parametrize("field, value, message", [
    ("start_date", "03/04/2027", "Start"),
    ("term_months", "TBD", "Term"),
    ("line.product_analytics.volume", "1.000.000", "Product analytics: included volume"),
    ("line.product_analytics.upfront_amount_cents", "€5,000", "another currency"),
    ("credit_discount_percent", "150%", "Discount"),
    ("contact_email", "not-an-email", "not an email address"),
    ("line.session_replay.overage", "cheap", "must be one of"),
])
def test_invalid_input_is_422_with_the_message_in_the_cell_and_writes_nothing(client, db, login_as, acme,
                                                                              field, value, message):
    login_as("finance")
    version, audits = acme.version, db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    response = _save(client, acme, field, value)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and message in html
    assert f'data-field="{field}"' in html
    db.session.expire_all()
    assert db.session.get(AnnualPlan, acme.id).version == version
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == audits


def test_a_stale_edit_is_409_shows_the_current_value_and_overwrites_nothing(client, db, login_as, acme):
    login_as("cs")
    stale = acme.version
    assert _save(client, acme, "company", "Acme Corporation").status_code == 200
    response = _save(client, acme, "company", "ACME (typo)", version=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else" in html and 'value="Acme Corporation"' in html
    db.session.refresh(acme)
    assert acme.company == "Acme Corporation"


@pytest.mark.parametrize("role", ["growth", "viewer"])
def test_roles_without_edit_permission_get_403_and_nothing_changes(client, db, login_as, acme, nothing_written, role):
    login_as(role)
    with nothing_written():
        response = _save(client, acme, "company", "Hijacked")
    assert response.status_code == 403
    db.session.refresh(acme)
    assert acme.company == "Acme Corp"
    page = client.get("/annual-plans").get_data(as_text=True)
    assert f"data-edit-url=\"/annual-plans/{acme.id}/cells/company/edit\"" not in page  # no editors for them


def test_cell_editor_and_display_fragments(client, db, login_as, acme):
    login_as("cs")
    editor = client.get(f"/annual-plans/{acme.id}/cells/line.product_analytics.upfront_amount_cents/edit")
    html = editor.get_data(as_text=True)
    assert editor.status_code == 200 and 'value="$60,000.00"' in html and "data-cancel-url" in html
    display = client.get(f"/annual-plans/{acme.id}/cells/line.product_analytics.upfront_amount_cents")
    assert "$60,000.00" in display.get_data(as_text=True) and "<form" not in display.get_data(as_text=True)
    assert client.get(f"/annual-plans/{acme.id}/cells/no_such_field").status_code == 404


def test_editing_a_value_resolves_its_warning(client, db, login_as, initech):
    login_as("cs")
    response = _save(client, initech, "term_months", "24")
    assert response.status_code == 200
    warning = db.session.scalar(db.select(PlanWarning).where(
        PlanWarning.plan_id == initech.id, PlanWarning.field == "term_months"))
    assert (warning.resolution, warning.resolved_by) == ("edited", initech and warning.resolved_by)
    assert warning.resolved_at is not None and "@" in warning.resolved_by


def test_confirming_a_warning_is_explicit_and_audited(client, db, login_as, initech):
    login_as("cs")
    response = client.post(f"/annual-plans/{initech.id}/warnings/term_months/confirm",
                           data={"version": initech.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    db.session.refresh(initech)
    assert "term_months" not in {w.field for w in initech.open_warnings}
    entry = _audits(db, initech, "annual_plan.warning_confirmed")[0]
    assert entry.before["warnings"][0]["field"] == "term_months"
    again = client.post(f"/annual-plans/{initech.id}/warnings/term_months/confirm",
                        data={"version": initech.version}, headers={"HX-Request": "true"})
    assert again.status_code == 422 and "no open warning" in again.get_data(as_text=True)


def test_row_becomes_ready_once_everything_is_set(client, db, login_as, acme):
    login_as("cs")
    acme.stripe_customer_id = None
    assert acme.stage == "loaded"
    row = client.get(f"/annual-plans/{acme.id}/row").get_data(as_text=True)
    assert "choose or create the Stripe customer" in row and "no organisation: usage would never be billed" in row
    assert _save(client, acme, "organization_ids", "org-acme-1, org-acme-2").status_code == 200
    assert _save(client, acme, "stripe_customer_id", "cus_Test123").status_code == 200
    db.session.refresh(acme)
    assert acme.stage == "ready"
    row = client.get(f"/annual-plans/{acme.id}/row").get_data(as_text=True)
    create_button = row.split('data-action="create_subscription"')[0].rsplit("<button", 1)[1]
    assert "disabled" not in create_button


def test_inline_checkbox_and_dropdown(client, db, login_as, acme):
    login_as("cs")
    assert _save(client, acme, "line.group_analytics.included", "on").status_code == 200
    assert _save(client, acme, "line.session_replay.overage", "standard").status_code == 200
    db.session.refresh(acme)
    assert acme.line("group_analytics").included is True
    assert acme.line("session_replay").overage == "standard"
    response = client.post(f"/annual-plans/{acme.id}/cells/line.group_analytics.included",
                           data={"version": acme.version}, headers={"HX-Request": "true"})  # unticked: no value
    assert response.status_code == 200
    db.session.refresh(acme)
    assert acme.line("group_analytics").included is False


def test_contact_email_choice_or_a_typed_address(client, db, login_as, acme):
    login_as("cs")
    assert _save(client, acme, "contact_email", "ap@acme.example").status_code == 200
    assert _save(client, acme, "contact_email", "__other__", other="Billing@Acme.example").status_code == 200
    db.session.refresh(acme)
    assert acme.contact_email == "billing@acme.example"
    editor = client.get(f"/annual-plans/{acme.id}/cells/contact_email/edit").get_data(as_text=True)
    assert "ann@seller.example (ours)" in editor


def test_exports(client, db, login_as, acme, initech):
    login_as("viewer")
    csv = client.get("/annual-plans.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("id,document_id,stage,company") and len(lines) == 3
    assert "AcmeOrdrFrm2027v1xQ7Lp" in csv.get_data(as_text=True)
    assert client.get("/annual-plans/999.json").status_code == 404
