"""The amortized pair's Stripe calls for a row paid in instalments (Create Annual Subscription's write
plan), and the review of its first instalment.

The credits customer, its instalment prices and schedule are planned like every button's calls: a
deterministic key each, placeholders (`{credits_customer}`, `{price.instalment}`) filled at run time
with the ids earlier steps made, so the person confirms exactly what runs.
"""
from __future__ import annotations

from app.billing.instalments import (
    SCHEDULES,
    credits_customer_params,
    credits_schedule_params,
    instalment_dates,
    instalment_price_params,
    instalment_refusals,
    schedule_label,
)
from app.billing.invoice_review import Check, review_checks
from app.billing.plan_fields import dollars
from app.billing.stripe_requests import PlannedCall, WritePlan, unix
from app.formatting import plural
from app.services.catalog import catalog_id

CREDITS_CUSTOMER = "{credits_customer}"
NOT_AMORTIZED = "does not apply: this contract is paid in instalments, so there is no up-front invoice to amortize"


def year_commitment(plan) -> int:
    return sum(ln.upfront_amount_cents for ln in plan.lines if ln.included and ln.upfront_amount_cents)


def first_instalment_cents(plan) -> int:
    return instalment_dates(plan.start_date, plan.payment_schedule, year_commitment(plan))[0].amount_cents


def plan_credits_calls(session, gateway, catalog, plan, out: WritePlan, key) -> None:
    """The credits customer (the usage customer's company details), the licensed instalment price(s)
    and the schedule charging them over the term."""
    out.refusals += instalment_refusals(plan)
    if out.refusals:
        return
    schedule = SCHEDULES[plan.payment_schedule]
    instalments = instalment_dates(plan.start_date, plan.payment_schedule, year_commitment(plan))
    first, regular = instalments[0].amount_cents, instalments[-1].amount_cents
    usage_customer = gateway.retrieve_customer_raw(plan.stripe_customer_id)
    step_key = key("credits_customer")
    params = credits_customer_params(plan, usage_customer, step_key, gateway.customer_tax_ids(plan.stripe_customer_id))
    if usage_customer.get("test_clock"):  # a customer on a test clock (a rehearsal): its pair shares the clock
        params["test_clock"] = usage_customer["test_clock"]
    out.calls.append(PlannedCall("credits_customer", "create_customer",
                                 f"Credits customer for {plan.company} (billing_role=credits), linked to "
                                 f"{plan.stripe_customer_id}", params, step_key))
    product_id = catalog_id(session, "product", _credits_product(plan))
    first_price = None
    if first != regular:
        step_key = key("price.first_instalment")
        out.calls.append(PlannedCall("price.first_instalment", "create_price",
                                     f"First instalment price: {dollars(first, plan.currency)} every {plural(schedule.months, 'month')}, "
                                     "for each contract year's first instalment (it carries the cents that don't divide)",
                                     instalment_price_params(plan, product_id, plan.currency, plan.payment_schedule,
                                                             first, step_key, "first"), step_key))
        first_price = "{price.first_instalment}"
    step_key = key("price.instalment")
    out.calls.append(PlannedCall("price.instalment", "create_price",
                                 f"Instalment price: {dollars(regular, plan.currency)} every {plural(schedule.months, 'month')}",
                                 instalment_price_params(plan, product_id, plan.currency, plan.payment_schedule,
                                                         regular, step_key, "regular"), step_key))
    step_key = key("credits_schedule")
    out.calls.append(PlannedCall("credits_schedule", "create_schedule",
                                 f"{schedule_label(plan.payment_schedule)} instalments on the credits customer from "
                                 f"{plan.start_date.isoformat()} for {plan.term_months} months: "
                                 + ", ".join(f"{i.due_on.isoformat()} {dollars(i.amount_cents, plan.currency)}" for i in instalments)
                                 + (" each year" if plan.term_months > 12 else ""),
                                 credits_schedule_params(plan, CREDITS_CUSTOMER, first_price, "{price.instalment}",
                                                         step_key), step_key))


def _credits_product(plan) -> str:
    """The instalment price sits on a catalog product (the catalog report flags prices on products of
    none of ours): the row's biggest line."""
    lines = [ln for ln in plan.lines if ln.included and ln.upfront_amount_cents]
    return max(lines, key=lambda ln: ln.upfront_amount_cents).product_key


def first_instalment_preview(gateway, plan) -> tuple[dict, list[dict]]:
    """The credits schedule's first invoice as Stripe previews it (it is issued on the start date),
    with the credits customer and its tax ids under `customer`, as the review shows them."""
    invoice = gateway.preview_schedule_invoice(plan.credits_schedule_id)
    customer = gateway.retrieve_customer_raw(plan.credits_customer_id)
    customer["tax_ids"] = {"data": gateway.customer_tax_ids(plan.credits_customer_id)}
    invoice["customer"] = customer
    return invoice, list((invoice.get("lines") or {}).get("data") or [])


def first_instalment_checks(plan, invoice: dict, schedule: dict) -> list[Check]:
    """The up-front checklist with the first instalment's total; a preview is not a draft, and its due date
    is set when Stripe issues it: the schedule's start and days until due are checked instead."""
    kept = [c for c in review_checks(plan, invoice, first_instalment_cents(plan)) if c.label not in (
        "Invoice is still a draft", "Due date is start + payment terms")]
    days = {(p.get("invoice_settings") or {}).get("days_until_due") for p in schedule.get("phases") or []}
    return [Check("Issued by the credits schedule on the start date", schedule.get("status") == "not_started"
                  and (schedule.get("phases") or [{}])[0].get("start_date") == unix(plan.start_date),
                  f"schedule {schedule.get('id')} {schedule.get('status')}"),
            *[Check("Total equals the contract's first instalment", c.ok, c.detail) if c.label.startswith("Total")
              else c for c in kept],
            Check("Due after the payment terms", days == {plan.payment_terms_days},
                  f"days until due {sorted(d for d in days if d is not None)}, contract Net {plan.payment_terms_days}")]
