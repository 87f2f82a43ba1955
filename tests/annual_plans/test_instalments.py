"""Commitments paid in instalments: the pied-piper-quarterly sample through the buttons on a test clock, in
the emulator: two linked customers, the credits schedule charging four instalments that sum to the year, and
each paid instalment granted once as credit on the usage customer."""
import json
import re
from datetime import date

import pytest

from app.models import AnnualPlan, AuditEntry, Customer, PlanWarning, StripeOperation
from app.refusals import Invalid
from tests.annual_plans.helpers import loaded_sample, press
from tests.annual_plans.renewal_helpers import ts
from tests.annual_plans.test_go_live import _events, deliver_stripe
from tests.conftest import CONTRACTS

SAMPLE = "pied-piper-quarterly"
QUARTERS = ["2027-03-01", "2027-06-01", "2027-09-01", "2027-12-01"]


def _save(client, plan, field, value):
    return client.post(f"/annual-plans/{plan.id}/cells/{field}", data={"value": value, "version": plan.version},
                       headers={"HX-Request": "true"})


@pytest.fixture
def pied_piper(app, db, ready_plan, stripe_client):
    """Ready, its usage customer (with an address) on a test clock at today."""
    plan = ready_plan(SAMPLE)
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": ts(date.today().isoformat())})
    customer = stripe_client.v1.customers.create(params={
        "name": plan.company, "email": plan.contact_email, "test_clock": clock.id,
        "address": {"line1": "5230 Newell Rd", "city": "Palo Alto", "postal_code": "94303", "country": "US"}})
    plan.stripe_customer_id, plan.tax_id_not_needed = customer.id, True
    db.session.commit()
    return plan, clock.id


def _credits_invoices(stripe_emulator, customer_id):
    return sorted((i for i in stripe_emulator.state.collection("invoice").values() if i["customer"] == customer_id),
                  key=lambda i: i["created"])


def _grants(stripe_client, customer_id):
    return stripe_client.v1.billing.credit_grants.list(params={"customer": customer_id, "limit": 100}).data


def test_the_sample_loads_its_payment_schedule(client, db, login_as):
    login_as("viewer")
    plan = loaded_sample(client, db, SAMPLE)
    data = client.get(f"/annual-plans/{plan.id}.json").get_json()
    assert (data["payment_schedule"], data["warnings"], data["stage"]) == ("quarterly", [], "loaded")
    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert 'data-field="payment_schedule"' in row and ">Quarterly<" in row
    assert "Payment schedule" in client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)


def test_create_makes_the_amortized_pair(app, client, db, login_as, pied_piper, stripe_client, stripe_emulator):
    plan, clock = pied_piper
    login_as("finance")
    preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert "Credits customer for Pied Piper" in preview and "billing_role" in preview
    assert "2027-03-01 $12,500.02, 2027-06-01 $12,500.00, 2027-09-01 $12,500.00, 2027-12-01 $12,500.00" in preview
    sentence = re.search(r'class="plan-sentence">(.*?)</p>', preview, re.S)[1]  # the plan in words comes first
    assert sentence.startswith("Create a credits customer for Pied Piper (billing_role=credits); charge it quarterly "
                               "instalments on the credits customer from 2027-03-01 for 12 months: 2027-03-01 "
                               "$12,500.02, 2027-06-01 $12,500.00, 2027-09-01 $12,500.00, 2027-12-01 $12,500.00")
    assert "{price." not in sentence and "graduated" not in sentence
    plan = press(app, db, plan.id, "create_subscription")
    db.session.commit()
    assert plan.stage == "amortized" and plan.invoice_id is None

    usage = stripe_client.v1.customers.retrieve(plan.stripe_customer_id)
    credits = stripe_client.v1.customers.retrieve(plan.credits_customer_id)
    assert usage.metadata["billing_role"] == "usage" and usage.metadata["organisation_id"] == "org-pied-piper"
    assert (credits.metadata["billing_role"], credits.metadata["usage_customer"]) == ("credits", usage.id)
    assert (credits.name, credits.email, credits.address.line1, credits.address.country) == (
        "Pied Piper", usage.email, "5230 Newell Rd", "US")
    assert credits.test_clock == clock and "organisation_id" not in credits.metadata

    schedule = stripe_client.v1.subscription_schedules.retrieve(plan.credits_schedule_id)
    assert (schedule.customer, schedule.status, schedule.end_behavior) == (credits.id, "not_started", "cancel")
    assert [(p.start_date, p.end_date) for p in schedule.phases] == [(ts("2027-03-01"), ts("2027-06-01")),
                                                                      (ts("2027-06-01"), ts("2028-03-01"))]
    prices = [stripe_client.v1.prices.retrieve(p.items[0].price) for p in schedule.phases]
    assert [(p.unit_amount, p.type, p.recurring.interval, p.recurring.interval_count, p.recurring.usage_type)
            for p in prices] == [(1250002, "recurring", "month", 3, "licensed"),
                                 (1250000, "recurring", "month", 3, "licensed")]
    assert {p.collection_method for p in schedule.phases} == {"send_invoice"}
    assert {p.invoice_settings.days_until_due for p in schedule.phases} == {15}
    assert stripe_emulator.state.collection("invoice") == {}  # no up-front invoice

    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert "does not apply: paid in instalments" in row
    with pytest.raises(Invalid, match="paid in instalments"):
        press(app, db, plan.id, "amortize")


def test_create_twice_makes_one_pair(app, db, pied_piper, stripe_emulator):
    plan, _ = pied_piper
    press(app, db, plan.id, "create_subscription")
    db.session.rollback()  # as if the request died after Stripe's answers: the row is still ready
    row = db.session.get(AnnualPlan, plan.id)
    assert (row.stage, row.credits_customer_id) == ("ready", None)
    row.action_lock = None  # the dead request's lock, expired
    db.session.commit()
    row = press(app, db, plan.id, "create_subscription")
    db.session.commit()
    credits = [c for c in stripe_emulator.state.collection("customer").values()
               if (c.get("metadata") or {}).get("billing_role") == "credits"]
    assert len(credits) == 1 and len(stripe_emulator.state.collection("subscription_schedule")) == 1
    assert (row.credits_customer_id, row.stage) == (credits[0]["id"], "amortized")


def _go_through_the_buttons(app, client, db, plan):
    plan = press(app, db, plan.id, "create_subscription")
    plan = press(app, db, plan.id, "schedule")
    db.session.commit()
    page = client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)
    assert "First instalment as Stripe previews it" in page and "$12,500.02" in page
    assert "✗" not in page, page
    plan = press(app, db, plan.id, "send_invoice")
    db.session.commit()
    assert plan.stage == "sent"
    return plan


def _months_to(day: str) -> list[str]:
    end = date.fromisoformat(day)
    return [date(end.year, m, 1).isoformat() for m in range(end.month - 2, end.month + 1)]


def _deliver_all(client, stripe_emulator, *types):
    for event in _events(stripe_emulator, *types):
        assert deliver_stripe(client, event).status_code == 200


def _pay(client, stripe_client, stripe_emulator, invoice_id):
    stripe_client.v1.invoices.pay(invoice_id, params={"paid_out_of_band": True})
    [event] = [e for e in _events(stripe_emulator, "invoice.paid") if e["data"]["object"]["id"] == invoice_id]
    assert deliver_stripe(client, event).get_json() == {"result": "processed"}
    return event


def test_four_instalments_over_the_year_each_granted_once(app, client, db, login_as, pied_piper, stripe_client,
                                                          stripe_emulator):
    plan, clock = pied_piper
    login_as("growth")
    plan = _go_through_the_buttons(app, client, db, plan)
    stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts("2027-03-01") + 7200})
    _deliver_all(client, stripe_emulator, "subscription_schedule.updated", "customer.subscription.created")
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, plan.id)
    assert plan.stage == "live"
    usage = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == plan.stripe_customer_id))
    credits = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == plan.credits_customer_id))
    assert (usage.linked_customer_id, credits.linked_customer_id) == (credits.id, usage.id)
    assert (usage.billing_configuration, credits.billing_configuration) == ("enterprise_amortized",) * 2
    assert [o.organisation_id for o in usage.organisations] == ["org-pied-piper"] and not credits.organisations
    from app.services.configuration_report import customer_mismatches

    assert customer_mismatches(db.session, usage) == [] and customer_mismatches(db.session, credits) == []

    first = _credits_invoices(stripe_emulator, plan.credits_customer_id)[0]
    assert (first["total"], first["status"], first["due_date"]) == (1250002, "open", ts("2027-03-16"))
    paid_event = _pay(client, stripe_client, stripe_emulator, first["id"])
    assert deliver_stripe(client, paid_event).get_json() == {"result": "duplicate"}
    assert deliver_stripe(client, {**paid_event, "id": "evt_again"}).get_json() == {"result": "processed"}
    [grant] = _grants(stripe_client, plan.stripe_customer_id)
    assert grant.amount.monetary.value == 1250002 and grant.applicability_config.scope.price_type == "metered"
    assert grant.expires_at == ts("2028-03-01") and grant.metadata["invoice_id"] == first["id"]

    for day in QUARTERS[1:]:
        for month_day in _months_to(day):  # Stripe moves a clock at most two of the usage subscription's months
            stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts(month_day) + 7200})
        latest = _credits_invoices(stripe_emulator, plan.credits_customer_id)[-1]
        if latest["status"] == "draft":
            stripe_client.v1.invoices.finalize_invoice(latest["id"])
        _pay(client, stripe_client, stripe_emulator, latest["id"])

    invoices = _credits_invoices(stripe_emulator, plan.credits_customer_id)
    assert [(i["period_end"] // 86400 * 86400, i["total"]) for i in invoices] == [
        (ts(day), cents) for day, cents in zip(QUARTERS, [1250002, 1250000, 1250000, 1250000], strict=True)]
    assert sum(i["amount_paid"] for i in invoices) == 5000002
    grants = _grants(stripe_client, plan.stripe_customer_id)
    assert sorted(g.amount.monetary.value for g in grants) == [1250000, 1250000, 1250000, 1250002]
    assert {g.customer for g in grants} == {plan.stripe_customer_id}
    assert {g.expires_at for g in grants} == {ts("2028-03-01")}
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "annual_plan.instalment_credited")) == 4


def test_an_unknown_schedule_is_a_warning_that_cannot_be_confirmed(app, client, db, login_as, tmp_path,
                                                                    nothing_written, stripe_emulator):
    details = json.loads((CONTRACTS / f"{SAMPLE}.details.json").read_text())
    for token in details["tokens"]:
        if token["name"] == "Contract.PaymentSchedule":
            token["value"] = "Fortnightly"
    path = tmp_path / "fortnightly.details.json"
    path.write_text(json.dumps(details))
    result = app.test_cli_runner().invoke(args=["annual-plans", "import-contract", str(path)])
    assert result.exit_code == 0, result.output
    plan = db.session.get(AnnualPlan, int(result.output.strip().splitlines()[-1]))
    [warning] = [w for w in plan.open_warnings if w.field == "payment_schedule"]
    assert warning.raw == "Fortnightly" and plan.payment_schedule is None and plan.stage == "loaded"
    login_as("finance")
    with nothing_written():
        response = client.post(f"/annual-plans/{plan.id}/warnings/payment_schedule/confirm",
                               data={"version": plan.version}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "cannot be confirmed" in response.get_data(as_text=True)
    with nothing_written():
        cli = app.test_cli_runner().invoke(args=["annual-plans", "confirm-warning", str(plan.id), "payment_schedule"])
    assert cli.exit_code == 1 and cli.output.startswith("Error: the contract's payment schedule 'Fortnightly'")
    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert "payment_schedule" in row and "Not ready:" in row
    assert db.session.scalar(db.select(PlanWarning.resolved_at).where(PlanWarning.id == warning.id)) is None
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id))) == 0


@pytest.mark.parametrize("value", ["Fortnightly", "", "12"])
def test_a_bad_edit_is_422_with_nothing_written(client, db, login_as, nothing_written, value):
    plan = loaded_sample(client, db, SAMPLE)
    login_as("cs")
    with nothing_written():
        response = _save(client, plan, "payment_schedule", value)
    assert response.status_code == 422
    assert ("unknown payment schedule" if value else "choose a payment schedule") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).payment_schedule == "quarterly"


def test_an_edit_to_a_known_schedule_is_saved(client, db, login_as):
    plan = loaded_sample(client, db, SAMPLE)
    login_as("cs")
    response = _save(client, plan, "payment_schedule", "Monthly")
    assert response.status_code == 200 and ">Monthly<" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).payment_schedule == "monthly"


def test_start_over_cancels_the_credits_schedule_and_the_next_attempt_makes_a_new_pair(app, db, pied_piper,
                                                                                       stripe_emulator):
    from app import collaborators
    from app.services.audit import Actor
    from app.services.plan_start_over import start_over

    plan, _ = pied_piper
    plan = press(app, db, plan.id, "create_subscription")
    old_schedule = plan.credits_schedule_id
    with app.test_request_context():
        plan = start_over(db.session, collaborators.stripe_gateway(), Actor.system("tests"), plan.id)
    db.session.commit()
    assert stripe_emulator.state.get("subscription_schedule", old_schedule)["status"] == "canceled"
    assert (plan.stage, plan.credits_schedule_id, plan.credits_customer_id) == ("ready", None, None)
    plan = press(app, db, plan.id, "create_subscription")
    assert plan.credits_schedule_id not in (None, old_schedule)
    assert stripe_emulator.state.get("subscription_schedule", plan.credits_schedule_id)["status"] == "not_started"


def test_the_cli_refuses_an_unknown_schedule_with_nothing_written(app, client, db, nothing_written):
    plan = loaded_sample(client, db, SAMPLE)
    runner = app.test_cli_runner()
    with nothing_written():
        result = runner.invoke(args=["annual-plans", "set", str(plan.id), "payment_schedule", "Fortnightly"])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "unknown payment schedule" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = runner.invoke(args=["annual-plans", "set", str(plan.id), "payment_schedule", "Semi-annual"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).payment_schedule == "semi_annual"


def test_a_two_year_instalment_row_is_never_drafted_as_a_renewal(app, client, db, login_as, pied_piper,
                                                                  stripe_emulator, nothing_written):
    from app import timeutil
    from tests.annual_plans.renewal_helpers import on_day

    plan, _ = pied_piper
    plan.term_months = 24
    db.session.commit()
    plan = press(app, db, plan.id, "create_subscription")
    db.session.commit()
    schedule = stripe_emulator.state.get("subscription_schedule", plan.credits_schedule_id)
    assert [p["end_date"] for p in schedule["phases"]] == [ts(d) for d in (
        "2027-06-01", "2028-03-01", "2028-06-01", "2029-03-01")]
    login_as("finance")
    try:
        on_day("2028-01-15")
        page = client.get("/annual-plans/renewals").get_data(as_text=True)
        with nothing_written():
            result = app.test_cli_runner().invoke(args=["annual-plans", "draft-renewals", "--row", str(plan.id)])
    finally:
        timeutil.freeze(None)
    assert "Year 2 of 2 starts" in page and "quarterly instalments" in page and "Draft now" not in page
    assert result.exit_code == 1 and "paid in instalments" in result.output


def test_an_euro_instalment_contract_charges_its_instalments_in_euros(app, client, db, login_as, pied_piper,
                                                                      stripe_client):
    """No sample pays a euro contract in instalments: pied-piper-quarterly's row made an euro row."""
    plan, _ = pied_piper
    plan.currency = "eur"
    db.session.commit()
    login_as("finance")
    preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert "2027-03-01 €12,500.02, 2027-06-01 €12,500.00" in preview
    plan = press(app, db, plan.id, "create_subscription")
    schedule = stripe_client.v1.subscription_schedules.retrieve(plan.credits_schedule_id)
    prices = [stripe_client.v1.prices.retrieve(p.items[0].price) for p in schedule.phases]
    assert [(p.currency, p.unit_amount) for p in prices] == [("eur", 1250002), ("eur", 1250000)]


def test_the_credits_customer_gets_the_usage_customers_tax_ids(app, db, pied_piper, stripe_client):
    """The first instalment's review checks the tax id on the credits customer, which Stripe invoices."""
    plan, _ = pied_piper
    stripe_client.v1.customers.tax_ids.create(plan.stripe_customer_id, params={"type": "us_ein", "value": "12-3456789"})
    plan = press(app, db, plan.id, "create_subscription")
    db.session.commit()
    tax_ids = stripe_client.v1.customers.tax_ids.list(plan.credits_customer_id).data
    assert [(t.type, t.value) for t in tax_ids] == [("us_ein", "12-3456789")]
