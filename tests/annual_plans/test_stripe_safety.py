"""Safe to click twice: refusals change nothing; faults, 429s and races make no second object."""
import threading

import pytest

from app import collaborators
from app.models import AnnualPlan, StripeOperation
from app.refusals import Refusal
from app.services.audit import Actor
from app.services.plan_actions import run_action
from tests.annual_plans.helpers import press

ACTOR = Actor.system("tests")



def _count(stripe_emulator, kind):
    return len(stripe_emulator.state.collection(kind))


def test_wrong_stage_is_refused_and_nothing_is_written(client, db, login_as, ready_plan, stripe_emulator):
    plan = ready_plan("acme")
    login_as("cs")
    response = client.post(f"/annual-plans/{plan.id}/actions/amortize")
    assert response.status_code == 422 and "this button needs it invoiced" in response.get_data(as_text=True)
    assert _count(stripe_emulator, "invoice") == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StripeOperation).where(
        StripeOperation.subject_type == "annual_plan")) == 0


def test_unresolved_warnings_are_refused(client, db, login_as, catalog, stripe_emulator):
    from tests.annual_plans.helpers import loaded_sample

    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("cs")
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "warnings to resolve" in body
    assert "Product analytics: included volume" in body and "line.product_analytics" not in body
    assert _count(stripe_emulator, "invoice") == 0


def test_a_due_date_in_the_past_is_refused(client, db, login_as, ready_plan, stripe_emulator):
    from datetime import date

    plan = ready_plan("acme")
    plan.start_date = date(2026, 1, 1)
    db.session.commit()
    login_as("cs")
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")
    assert response.status_code == 422 and "which is not in the future" in response.get_data(as_text=True)
    assert _count(stripe_emulator, "invoice") == 0 and _count(stripe_emulator, "price") == 8


@pytest.mark.parametrize("role", ["growth", "viewer"])
def test_roles_without_stripe_write_get_403(client, db, login_as, ready_plan, stripe_emulator, nothing_written, role):
    plan = ready_plan("acme")
    login_as(role)
    with nothing_written():
        assert client.post(f"/annual-plans/{plan.id}/actions/create_subscription").status_code == 403
    assert _count(stripe_emulator, "invoice") == 0


def test_a_changed_row_invalidates_the_confirmed_plan(client, db, login_as, ready_plan, stripe_emulator):
    plan = ready_plan("acme")
    login_as("cs")
    page = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    client.post(f"/annual-plans/{plan.id}/cells/line.product_analytics.upfront_amount_cents",
                data={"value": "$61,000", "version": plan.version})
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription", data={"fingerprint": fingerprint})
    assert response.status_code == 422 and "the row changed since the plan was shown" in response.get_data(as_text=True)
    assert _count(stripe_emulator, "invoice") == 0


def test_a_double_press_creates_one_invoice(app, db, ready_plan, stripe_emulator):
    plan = ready_plan("acme")
    press(app, db, plan.id, "create_subscription")
    with pytest.raises(Refusal, match="this button needs it ready"):
        press(app, db, plan.id, "create_subscription")
    assert _count(stripe_emulator, "invoice") == 1 and _count(stripe_emulator, "invoiceitem") == 4


def test_a_500_after_stripe_executed_is_replayed_by_the_sdk_with_the_same_key(app, db, ready_plan, stripe_emulator):
    plan = ready_plan("acme")
    stripe_emulator.faults.configure(fail_after_execute_next=1, path_prefix="/v1/invoices")
    plan = press(app, db, plan.id, "create_subscription")
    assert plan.stage == "invoiced"
    assert _count(stripe_emulator, "invoice") == 1 and _count(stripe_emulator, "invoiceitem") == 4


def test_an_answer_lost_after_stripe_executed_then_a_retry_makes_no_second_object(app, db, client, login_as, ready_plan,
                                                                                 stripe_emulator, monkeypatch):
    """Stripe makes the invoice, our process never sees the answer: the row says so; pressing again resumes."""
    from app.gateways.stripe import StripeGateway, StripeGatewayError

    plan = ready_plan("acme")
    real = StripeGateway.create_invoice

    def lost_answer(self, params, key):
        real(self, params, key)
        raise StripeGatewayError("Could not reach Stripe: read timed out", retryable=True)

    monkeypatch.setattr(StripeGateway, "create_invoice", lost_answer)
    with pytest.raises(Refusal, match="press again to resume"):
        press(app, db, plan.id, "create_subscription")
    db.session.expire_all()
    failed = db.session.get(AnnualPlan, plan.id)
    assert failed.stage == "ready" and "read timed out" in failed.stripe_error
    assert _count(stripe_emulator, "invoice") == 1  # Stripe did make it
    login_as("viewer")
    assert "Last Stripe step failed: create_subscription: Could not reach Stripe" in client.get("/annual-plans").get_data(as_text=True)
    monkeypatch.setattr(StripeGateway, "create_invoice", real)
    plan = press(app, db, plan.id, "create_subscription")
    assert plan.stage == "invoiced" and plan.stripe_error == ""
    assert _count(stripe_emulator, "invoice") == 1 and _count(stripe_emulator, "invoiceitem") == 4
    [invoice] = stripe_emulator.state.collection("invoice").values()
    assert plan.invoice_id == invoice["id"]
    op = db.session.scalar(db.select(StripeOperation).where(StripeOperation.action == "create_subscription:invoice"))
    assert op.status == "succeeded" and op.attempts == 1 and "found in Stripe" in op.error


def test_rate_limits_are_waited_out(app, db, ready_plan, stripe_emulator):
    plan = ready_plan("globex")
    stripe_emulator.faults.configure(rate_limit=3)
    plan = press(app, db, plan.id, "create_subscription")
    assert plan.stage == "invoiced"
    assert _count(stripe_emulator, "invoice") == 1 and _count(stripe_emulator, "invoiceitem") == 2


def test_two_presses_at_once_run_once(tmp_path, stripe_emulator_server, stripe_emulator):
    """Two threads, two sessions, one row: the lock lets one through; the other is told."""
    from flask_migrate import upgrade

    from app.extensions import db as _db
    from tests.conftest import CONTRACTS, make_app
    from tests.factories import make_catalog

    app = make_app(f"sqlite:///{tmp_path / 'race.db'}", STRIPE_SECRET_KEY="sk_test_emulator",
                   STRIPE_API_BASE=stripe_emulator_server.url)
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        make_catalog(_db.session)
    plan_id = int(runner.invoke(args=["annual-plans", "import-contract", str(CONTRACTS / "acme.details.json")])
                  .output.strip().splitlines()[-1])
    customer = wiring_client(stripe_emulator_server).v1.customers.create(params={"name": "Acme"})
    assert runner.invoke(args=["annual-plans", "set", str(plan_id), "organization_ids", "org-acme"]).exit_code == 0
    assert runner.invoke(args=["annual-plans", "set", str(plan_id), "stripe_customer_id", customer.id]).exit_code == 0
    stripe_emulator.faults.configure(latency_ms=150)
    outcomes = []

    def press_button():
        with app.app_context():
            try:
                run_action(_db.session, collaborators.stripe_gateway(), collaborators.catalog(), ACTOR, plan_id,
                           "create_subscription")
                _db.session.commit()
                outcomes.append("ran")
            except Refusal as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=press_button) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ran") == 1, outcomes
    other = next(o for o in outcomes if o != "ran")
    assert "already running" in other or "needs it ready" in other
    assert _count(stripe_emulator, "invoice") == 1 and _count(stripe_emulator, "invoiceitem") == 4


def wiring_client(server):
    from stripe_emulator.testing import make_client

    return make_client(server.url)
