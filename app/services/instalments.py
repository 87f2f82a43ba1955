"""A row paid in instalments, after Create Annual Subscription: each paid instalment becomes prepaid
credit on the usage customer, and at go-live both customers of the pair are linked in our records.

`instalment_paid` is what the `invoice.paid` webhook calls, and what a rehearsal on a test clock can
call for the invoices it pays: the credit grant is keyed on the invoice, so it is made once however
often it is asked.
"""
from __future__ import annotations

import calendar
from datetime import UTC, datetime

from sqlalchemy import select

from app.billing.contract_years import contract_periods, period_on
from app.billing.renewal_requests import year_credit_grant_params
from app.billing.stripe_requests import credit_grant_key
from app.models import AnnualPlan
from app.services.audit import Actor, record_audit
from app.services.customer_configuration import set_configuration
from app.services.customer_sync import ensure_customer_for_stripe_id
from app.services.stripe_writes import stripe_write
from app.timeutil import utcnow


def plan_of_credits_customer(session, stripe_customer_id: str | None) -> AnnualPlan | None:
    if not stripe_customer_id:
        return None
    return session.scalar(select(AnnualPlan).where(AnnualPlan.credits_customer_id == stripe_customer_id))


def instalment_paid(session, gateway, actor: Actor, invoice: dict) -> bool:
    """The paid instalment's amount as a billing credit grant on the usage customer (metered prices only),
    expiring when the contract year it was issued in ends. False when the invoice is not a credits
    customer's of ours (the event is someone else's)."""
    plan = plan_of_credits_customer(session, invoice.get("customer"))
    if plan is None or not invoice.get("amount_paid"):
        return False
    issued = datetime.fromtimestamp(invoice["created"], UTC).date()
    period = period_on(contract_periods(plan.start_date, plan.term_months), issued)
    if period is None:
        raise ValueError(f"invoice {invoice['id']} was issued on {issued.isoformat()}, outside row {plan.id}'s term")
    key = credit_grant_key(plan, invoice["id"])
    params = {**year_credit_grant_params(plan, period, invoice, calendar.timegm(utcnow().timetuple())),
              "name": f"{plan.company}: instalment of {issued.isoformat()}, contract year {period.number}"[:100]}
    params["metadata"] = {**params["metadata"], "billing_role": "credits", "credits_customer": plan.credits_customer_id}
    outcome = stripe_write(session, gateway, key=key, subject=("annual_plan", plan.id), action="instalment:credit",
                           summary={"amount": invoice["amount_paid"], "invoice": invoice["id"]},
                           call=lambda: gateway.create_credit_grant(params, key))
    if not outcome.replayed:
        record_audit(session, actor, "annual_plan.instalment_credited", "annual_plan", plan.id,
                     after={"invoice_id": invoice["id"], "credit_grant_id": outcome.object_id,
                            "amount_cents": invoice["amount_paid"], "contract_year": period.number,
                            "expires_on": period.ends_on.isoformat()}, stripe_request_ids=gateway.request_ids)
    return True


def link_amortized_pair(session, gateway, actor: Actor, plan: AnnualPlan, usage_customer) -> None:
    """Go-live of a row paid in instalments: the credits customer's record too, each linked to the other,
    both `enterprise_amortized` (what the revenue rules read)."""
    subscription = gateway.retrieve_schedule(plan.credits_schedule_id).get("subscription")
    credits = ensure_customer_for_stripe_id(session, gateway, plan.credits_customer_id,
                                            subscription if isinstance(subscription, str) else None, actor)
    note = f"annual plan row {plan.id} went live, paid in instalments"
    if usage_customer.linked_customer_id != credits.id or credits.linked_customer_id != usage_customer.id:
        usage_customer.linked_customer_id, credits.linked_customer_id = credits.id, usage_customer.id
        record_audit(session, actor, "customer.pair_linked", "customer", usage_customer.id,
                     after={"credits_customer_id": credits.id, "stripe_credits_customer": plan.credits_customer_id},
                     note=note)
    for customer in (usage_customer, credits):
        set_configuration(session, actor, customer, "enterprise_amortized", "annual_plan", note=note)
    session.flush()
