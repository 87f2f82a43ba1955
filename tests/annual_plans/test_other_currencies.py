"""A contract in a currency we don't bill in (not in billing.toml's `currencies`) is never billed in another:
its warning cannot be confirmed away. EUR and GBP contracts are billed in their currency (test_currency_billing)."""
import json

from app.models import AnnualPlan, PlanWarning, StripeOperation
from app.timeutil import utcnow
from tests.conftest import CONTRACTS

REASON = "the contract is in JPY, a currency we do not bill in"


def _loaded_jpy(app, db, tmp_path) -> AnnualPlan:
    """bluth-eur as a yen contract: its document currency and prices in JPY."""
    details = json.loads((CONTRACTS / "bluth-eur.details.json").read_text())
    details["id"], details["grand_total"]["currency"] = "JpyOrdrFrm2027", "JPY"
    for table in details["pricing"]["tables"]:
        table["currency"] = "JPY"
    for field in details["fields"]:
        if field["field_id"] in ("pa_price", "sr_price"):
            field["value"] = "¥2,000,000"
    path = tmp_path / "jpy.details.json"
    path.write_text(json.dumps(details))
    result = app.test_cli_runner().invoke(args=["annual-plans", "import-contract", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return db.session.scalar(db.select(AnnualPlan).where(AnnualPlan.document_id == "JpyOrdrFrm2027"))


def test_the_currency_warning_cannot_be_confirmed_in_the_grid_or_the_cli(app, client, db, login_as, nothing_written,
                                                                         tmp_path):
    plan = _loaded_jpy(app, db, tmp_path)
    assert {w.field: w.raw for w in plan.open_warnings}["currency"] == "JPY"
    login_as("finance")
    with nothing_written():
        response = client.post(f"/annual-plans/{plan.id}/warnings/currency/confirm",
                               data={"version": plan.version}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert REASON in body and "this warning cannot be confirmed" in body
    with nothing_written():
        result = app.test_cli_runner().invoke(args=["annual-plans", "confirm-warning", str(plan.id), "currency"])
    assert result.exit_code == 1 and result.output.startswith(f"Error: {REASON}")
    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert REASON in row and "a currency we do not bill in: this row cannot be billed" in row


def test_a_row_confirmed_before_this_rule_is_still_not_billed(app, client, db, login_as, stripe_emulator, stripe_client,
                                                              tmp_path):
    """Rows whose currency warning was confirmed earlier: Create is refused with the currency, nothing in Stripe."""
    plan = _loaded_jpy(app, db, tmp_path)
    for warning in plan.warnings:
        warning.resolved_at, warning.resolution = utcnow(), "confirmed"
    plan.stripe_customer_id = stripe_client.v1.customers.create(params={"name": "Bluth"}).id
    db.session.commit()
    login_as("finance")
    preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert REASON in preview
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")
    assert response.status_code == 422
    assert db.session.get(AnnualPlan, plan.id).stage == "loaded"
    assert stripe_emulator.state.collection("invoice") == {}
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id)).where(
        StripeOperation.subject_type == "annual_plan")) == 0
    assert db.session.scalar(db.select(PlanWarning).where(PlanWarning.field == "currency")).resolution == "confirmed"
