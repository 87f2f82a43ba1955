"""A 36-month sample taken through year one's buttons, on a Stripe test clock, for the renewal tests."""
from __future__ import annotations

import calendar
from datetime import date, datetime

from app import timeutil
from tests.annual_plans.helpers import press


def ts(day: str) -> int:
    return calendar.timegm(date.fromisoformat(day).timetuple())


def sent_on_test_clock(app, db, ready_plan, stripe_client, name: str = "massive-dynamic-36m"):
    """Year one made, amortized, scheduled and sent; the Stripe customer lives on a test clock at today."""
    plan = ready_plan(name)
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": ts(date.today().isoformat())})
    customer = stripe_client.v1.customers.create(params={
        "name": plan.company, "email": plan.contact_email, "test_clock": clock.id,
        "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    plan.stripe_customer_id, plan.tax_id_not_needed = customer.id, True
    db.session.commit()
    for action in ("create_subscription", "amortize", "schedule", "send_invoice"):
        plan = press(app, db, plan.id, action)
    db.session.commit()
    return plan, clock.id


def on_day(day: str) -> None:
    """The product's today (the renewals job reads it); the test releases it."""
    timeutil.freeze(datetime.fromisoformat(day).replace(hour=6))


def year_invoices(stripe_emulator, plan_id: int, year: int) -> list[dict]:
    return [i for i in stripe_emulator.state.collection("invoice").values()
            if (i.get("metadata") or {}).get("annual_plan_id") == str(plan_id)
            and (i.get("metadata") or {}).get("contract_year") == str(year)]
