"""What each Stripe button of a row will do: the calls, their parameters and idempotency keys.

Planning is deterministic for a given row and attempt, so the preview a person confirms and
the run that follows plan the very same calls (checked by fingerprint).
"""
from __future__ import annotations

from datetime import date

from app.billing.catalog_config import Catalog, CatalogConfigError, custom_tiers
from app.billing.contract_result import due_date
from app.billing.instalments import pays_in_instalments
from app.billing.plan_stages import readiness_blockers
from app.billing.stripe_requests import (
    METADATA_VALUE_LIMIT,
    PlannedCall,
    WritePlan,
    amortization_metadata,
    coupon_params,
    customer_metadata_params,
    first_year,
    invoice_params,
    metered_price_params,
    price_lookup_key,
    schedule_params,
    step_key,
    unix,
    upfront_line,
)
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan
from app.services.catalog import CatalogNotBootstrapped, catalog_id
from app.services.instalment_plans import (
    NOT_AMORTIZED,
    first_instalment_checks,
    first_instalment_preview,
    plan_credits_calls,
)
from app.services.organisations import held_elsewhere
from app.timeutil import utcnow

INVOICE = "{invoice}"  # filled at run time with the id the invoice step created


def plan_action(session, gateway, catalog: Catalog, plan: AnnualPlan, action: str) -> WritePlan:
    planner = {"create_subscription": _plan_create, "amortize": _plan_amortize, "schedule": _plan_schedule,
               "send_invoice": _plan_send}[action]
    write_plan = WritePlan(action)
    try:
        planner(session, gateway, catalog, plan, write_plan)
    except (CatalogNotBootstrapped, CatalogConfigError, StripeGatewayError) as exc:
        write_plan.refusals.append(str(exc))
    return write_plan


def _key(plan, action, step):
    return step_key(plan.id, plan.stripe_attempt, action, step)


def _plan_create(session, gateway, catalog, plan, out: WritePlan) -> None:
    out.refusals += readiness_blockers(plan)
    out.refusals += held_elsewhere(session, list(plan.organization_ids or []), plan.stripe_customer_id)
    if len(",".join(plan.organization_ids or [])) > METADATA_VALUE_LIMIT:
        out.refusals.append(f"the organisation ids do not fit in Stripe's metadata ({METADATA_VALUE_LIMIT} characters)")
    if out.refusals:
        return
    due = due_date(plan.start_date, plan.payment_terms_days)
    if unix(due) <= unix(utcnow().date()):
        out.refusals.append(f"the invoice would be due on {due.isoformat()}, which is not in the future; "
                            "change the start date or the payment terms")
        return
    for line in plan.lines:
        if line.included and line.overage == "custom":
            product = catalog.product(line.product_key)
            if not product.metered:
                out.refusals.append(f"{line.product_key} is not metered, so it cannot have a custom overage")
                continue
            key = _key(plan, "create_subscription", f"price.{line.product_key}")
            params = metered_price_params(
                catalog, product, catalog_id(session, "product", product.key), catalog_id(session, "meter", product.meter_event),
                custom_tiers(catalog, product.key, line.overage_unit_amount_decimal),
                nickname=f"Custom - {plan.created_at.date().isoformat()}",
                metadata={"annual_plan_id": str(plan.id), "annual_plan_step": key})
            out.calls.append(PlannedCall(f"price.{line.product_key}", "create_price",
                                         f"Custom metered price for {product.name} at {line.overage_unit_amount_decimal}¢/unit",
                                         params, key))
    key = _key(plan, "create_subscription", "customer")
    params = customer_metadata_params(plan, key)
    if pays_in_instalments(plan):  # the usage half of the amortized pair
        params["metadata"]["billing_role"] = "usage"
    out.calls.append(PlannedCall("customer", "update_customer",
                                 f"Organisations {', '.join(plan.organization_ids)} on the Stripe customer's metadata",
                                 params, key, target=plan.stripe_customer_id))
    if pays_in_instalments(plan):
        plan_credits_calls(session, gateway, catalog, plan, out, lambda step: _key(plan, "create_subscription", step))
        return
    key = _key(plan, "create_subscription", "invoice")
    out.calls.append(PlannedCall("invoice", "create_invoice", f"Draft invoice due {due.isoformat()}",
                                 invoice_params(plan, key), key))
    key = _key(plan, "create_subscription", "lines")
    lines, names = [], []
    for line in plan.lines:
        if line.included and line.upfront_amount_cents:
            product = catalog.product(line.product_key)
            lines.append(upfront_line(plan, line, catalog_id(session, "product", product.key), product.name,
                                      catalog.currency, key))
            names.append(product.name)
    out.calls.append(PlannedCall("lines", "add_invoice_lines", f"Up-front lines in one call: {', '.join(names)}",
                                 {"lines": lines}, key, target=INVOICE))


def expected_lines(plan) -> dict[str, int]:
    return {ln.product_key: ln.upfront_amount_cents for ln in plan.lines if ln.included and ln.upfront_amount_cents}


def _plan_amortize(session, gateway, catalog, plan, out: WritePlan) -> None:
    if pays_in_instalments(plan):
        out.refusals.append(f"Amortize Invoice {NOT_AMORTIZED}")
        return
    if not plan.invoice_id:
        out.refusals.append("the row has no invoice yet: press Create Annual Subscription first")
        return
    lines = gateway.invoice_lines(plan.invoice_id)
    found = {ln.get("metadata", {}).get("product_key"): ln for ln in lines}
    missing = [k for k, cents in expected_lines(plan).items()
               if k not in found or found[k]["amount"] != cents]
    if missing:
        out.refusals.append(f"Stripe's invoice {plan.invoice_id} does not have every expected line yet "
                            f"(missing or different: {', '.join(missing)}); wait and try again")
        return
    period = first_year(plan)
    for product_key in expected_lines(plan):
        line = found[product_key]
        item_id = invoice_item_of(line)
        if line.get("period") != period and item_id:
            key = _key(plan, "amortize", f"period.{product_key}")
            out.calls.append(PlannedCall(f"period.{product_key}", "update_invoice_item",
                                         f"Set the first contract year on {product_key}'s line",
                                         {"period": period}, key, target=item_id))

    key = _key(plan, "amortize", "metadata")
    out.calls.append(PlannedCall("metadata", "update_invoice", "Revenue-tracking metadata on the invoice",
                                 {"metadata": amortization_metadata(plan)}, key, target=plan.invoice_id))


def invoice_item_of(line: dict) -> str | None:
    """Since the 2025 API a line names its invoice item under parent.invoice_item_details."""
    details = (line.get("parent") or {}).get("invoice_item_details") or {}
    return details.get("invoice_item")


def schedule_prices(session, catalog, plan, refusals: list[str]) -> list[str]:
    prices = []
    for line in plan.lines:
        if not line.included or line.overage in (None, "none"):
            continue
        if line.overage == "custom":
            if not line.price_id:
                refusals.append(f"{line.product_key} has no custom price yet")
            else:
                prices.append(line.price_id)
            continue
        product = catalog.product(line.product_key)
        if not product.metered:
            refusals.append(f"{line.product_key} is not metered: set its overage to none")
            continue
        prices.append(catalog_id(session, "price", price_lookup_key(product.key, line.overage)))
    if not prices and not refusals:
        refusals.append("nothing to schedule: no included product is metered")
    return prices


def _plan_schedule(session, gateway, catalog, plan, out: WritePlan) -> None:
    prices = schedule_prices(session, catalog, plan, out.refusals)
    if out.refusals:
        return
    coupon_id = None
    if plan.credit_discount_percent and plan.credit_discount_percent > 0:
        coupon_id = _key(plan, "schedule", "discount")
        out.calls.append(PlannedCall("coupon", "create_coupon",
                                     f"{plan.credit_discount_percent}% off coupon for the phases",
                                     coupon_params(plan, coupon_id), coupon_id))
    key = _key(plan, "schedule", "schedule")
    months = plan.term_months
    out.calls.append(PlannedCall("schedule", "create_schedule",
                                 f"Subscription schedule from {plan.start_date.isoformat()} for {months} months",
                                 schedule_params(plan, prices, coupon_id, key), key))


def _plan_send(session, gateway, catalog, plan, out: WritePlan) -> None:
    """Finalize then send, only when every review check passes."""
    from app.billing.invoice_review import review_checks

    if pays_in_instalments(plan):
        _plan_approve_instalments(gateway, plan, out)
        return
    if not plan.invoice_id:
        out.refusals.append("the row has no invoice")
        return
    invoice = gateway.retrieve_invoice(plan.invoice_id)
    failing = [c.label for c in review_checks(plan, invoice, sum(expected_lines(plan).values())) if not c.ok]
    if failing:
        out.refusals.append("review checks not passed: " + "; ".join(failing))
        return
    for step, verb, summary in (("finalize", "finalize_invoice", "Finalize the draft (it becomes open)"),
                                ("send", "send_invoice", "Send the invoice to the customer")):
        out.calls.append(PlannedCall(step, verb, summary, {}, _key(plan, "send_invoice", step), target=plan.invoice_id))


def _plan_approve_instalments(gateway, plan, out: WritePlan) -> None:
    """No call: Stripe issues and sends the first instalment itself when the credits schedule starts;
    the reviewer's approval of its preview is what moves the row on (recorded in the audit log)."""
    if not plan.credits_schedule_id:
        out.refusals.append("the row has no credits schedule")
        return
    invoice, _ = first_instalment_preview(gateway, plan)
    schedule = gateway.retrieve_schedule(plan.credits_schedule_id)
    failing = [c.label for c in first_instalment_checks(plan, invoice, schedule) if not c.ok]
    if failing:
        out.refusals.append("review checks not passed: " + "; ".join(failing))


def describe_existing(plan: AnnualPlan) -> list[str]:
    """What this row already made in Stripe (from the row and its recorded operations)."""
    found = []
    if plan.invoice_id:
        found.append(f"invoice {plan.invoice_id} ({plan.invoice_status or 'draft'})")
    found += [f"custom price {ln.price_id} for {ln.product_key}" for ln in plan.lines if ln.price_id]
    if plan.credits_customer_id:
        found.append(f"credits customer {plan.credits_customer_id} with instalment schedule {plan.credits_schedule_id}")
    if plan.subscription_schedule_id:
        found.append(f"subscription schedule {plan.subscription_schedule_id} ({plan.schedule_status or 'not_started'})")
    if plan.subscription_id:
        found.append(f"subscription {plan.subscription_id}")
    return found


def today() -> date:
    return utcnow().date()
