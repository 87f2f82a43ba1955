"""What each Stripe button of a row will do: the calls, their parameters and idempotency keys.

Planning is deterministic for a given row and attempt, so the preview a person confirms and
the run that follows plan the very same calls (checked by fingerprint).
"""
from __future__ import annotations

from datetime import date

from app.billing.catalog_config import Catalog, CatalogConfigError, custom_tiers
from app.billing.contract_result import due_date
from app.billing.instalments import pays_in_instalments
from app.billing.plan_fields import product_label
from app.billing.plan_stages import (
    customer_currency_refusal,
    readiness_blockers,
    unsupported_currency_reason,
)
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
from app.billing.write_plan_words import PlanWords, invoice_recipient, plan_sentence
from app.formatting import plural, unit_price
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
    write_plan.summary = plan_sentence(write_plan.calls, plan_words(catalog, plan, **write_plan.context))
    return write_plan


def plan_words(catalog: Catalog, plan: AnnualPlan, **context) -> PlanWords:
    """The names a row's write plan is told in: its company, the catalog's products, the currency."""
    return PlanWords(plan.company or plan.document_id, getattr(plan, "currency", None) or catalog.currency,
                     {k: p.name for k, p in catalog.products.items()},
                     {k: p.unit_label for k, p in catalog.products.items() if p.unit_label}, **context)


def _key(plan, action, step):
    return step_key(plan.id, plan.stripe_attempt, action, step)


def _plan_create(session, gateway, catalog, plan, out: WritePlan) -> None:
    out.refusals += readiness_blockers(plan)
    out.refusals += held_elsewhere(session, list(plan.organization_ids or []), plan.stripe_customer_id)
    if len(",".join(plan.organization_ids or [])) > METADATA_VALUE_LIMIT:
        out.refusals.append(f"the organisation ids do not fit in Stripe's metadata ({METADATA_VALUE_LIMIT} characters)")
    if out.refusals:
        return
    out.refusals += currency_refusals(gateway, catalog, plan)
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
                out.refusals.append(f"{product.name} is not metered, so it cannot have a custom overage")
                continue
            key = _key(plan, "create_subscription", f"price.{line.product_key}")
            params = metered_price_params(
                catalog, product, catalog_id(session, "product", product.key), catalog_id(session, "meter", product.meter_event),
                custom_tiers(catalog, product.key, line.overage_unit_amount_decimal),
                nickname=f"Custom - {plan.created_at.date().isoformat()}",
                metadata={"annual_plan_id": str(plan.id), "annual_plan_step": key}, currency=plan.currency)
            out.calls.append(PlannedCall(f"price.{line.product_key}", "create_price",
                                         f"Custom metered price for {product.name} at "
                                         f"{unit_price(line.overage_unit_amount_decimal, plan.currency)} per "
                                         f"{product.unit_label or 'unit'}",
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
                                      plan.currency, key))
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
                            f"(missing or different: {', '.join(catalog.product(k).name for k in missing)}); wait and try again")
        return
    period = first_year(plan)
    out.context["invoice_total"] = sum(found[k]["amount"] for k in expected_lines(plan))
    for product_key in expected_lines(plan):
        line = found[product_key]
        item_id = invoice_item_of(line)
        if line.get("period") != period and item_id:
            key = _key(plan, "amortize", f"period.{product_key}")
            out.calls.append(PlannedCall(f"period.{product_key}", "update_invoice_item",
                                         f"Set the first contract year on {catalog.product(product_key).name}'s line",
                                         {"period": period}, key, target=item_id))

    key = _key(plan, "amortize", "metadata")
    out.calls.append(PlannedCall("metadata", "update_invoice", "Revenue-tracking metadata on the invoice",
                                 {"metadata": amortization_metadata(plan)}, key, target=plan.invoice_id))


def invoice_item_of(line: dict) -> str | None:
    """Since the 2025 API a line names its invoice item under parent.invoice_item_details."""
    details = (line.get("parent") or {}).get("invoice_item_details") or {}
    return details.get("invoice_item")


def schedule_prices(session, catalog, plan, refusals: list[str]) -> dict[str, str]:
    """The schedule's prices, id -> what people call it ("Session replay (custom)")."""
    prices = {}
    for line in plan.lines:
        if not line.included or line.overage in (None, "none"):
            continue
        product = catalog.product(line.product_key)
        if line.overage == "custom":
            if not line.price_id:
                refusals.append(f"{product.name} has no custom price yet")
            else:
                prices[line.price_id] = f"{product.name} (custom)"
            continue
        if not product.metered:
            refusals.append(f"{product.name} is not metered: set its overage to none")
            continue
        prices[catalog_id(session, "price", price_lookup_key(product.key, line.overage))] = f"{product.name} ({line.overage})"
    if not prices and not refusals:
        refusals.append("nothing to schedule: no included product is metered")
    return prices


def currency_refusals(gateway, catalog, plan) -> list[str]:
    """Before any write: the row's currency is one we bill in, and its Stripe customer is not already
    billed in another (Stripe allows one currency per customer)."""
    if not catalog.supports(plan.currency):
        return [unsupported_currency_reason(plan.currency.upper())]
    billed_in = gateway.retrieve_customer_raw(plan.stripe_customer_id).get("currency")
    refusal = customer_currency_refusal(plan.stripe_customer_id, billed_in, plan.currency)
    return [refusal] if refusal else []


def _plan_schedule(session, gateway, catalog, plan, out: WritePlan) -> None:
    prices = schedule_prices(session, catalog, plan, out.refusals)
    if not out.refusals and plan.currency != catalog.currency:
        out.refusals += currency_refusals(gateway, catalog, plan)
    if out.refusals:
        return
    out.context["price_names"] = prices
    coupon_id = None
    if plan.credit_discount_percent and plan.credit_discount_percent > 0:
        coupon_id = _key(plan, "schedule", "discount")
        out.calls.append(PlannedCall("coupon", "create_coupon",
                                     f"{plan.credit_discount_percent}% off coupon for the phases",
                                     coupon_params(plan, coupon_id), coupon_id))
    key = _key(plan, "schedule", "schedule")
    months = plan.term_months
    out.calls.append(PlannedCall("schedule", "create_schedule",
                                 f"Subscription schedule from {plan.start_date.isoformat()} for {plural(months, 'month')}",
                                 schedule_params(plan, list(prices), coupon_id, key), key))


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
    out.context.update(invoice=invoice, recipient=invoice_recipient(invoice, plan.contact_email))
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
    found += [f"custom price {ln.price_id} for {product_label(ln.product_key)}" for ln in plan.lines if ln.price_id]
    if plan.credits_customer_id:
        found.append(f"credits customer {plan.credits_customer_id} with instalment schedule {plan.credits_schedule_id}")
    if plan.subscription_schedule_id:
        found.append(f"subscription schedule {plan.subscription_schedule_id} ({plan.schedule_status or 'not_started'})")
    if plan.subscription_id:
        found.append(f"subscription {plan.subscription_id}")
    return found


def today() -> date:
    return utcnow().date()
