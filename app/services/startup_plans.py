"""Startup plans: a promotional credit in Stripe until it is used up or expires, then a paid customer.

Starting one shows its write plan first (the customer's startup metadata, the credit grant, the
move to the products' startup prices) and runs exactly that plan, each call once under its key.
Ending is a daily job: a customer whose credit ran out or expired becomes paid again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.customer_snapshot import live_subscription
from app.billing.limits import LimitError, parse_limit_dollars
from app.billing.stripe_requests import (
    PlannedCall,
    WritePlan,
    customer_change_key,
    item_prices_params,
    startup_credit_params,
    startup_metadata_params,
)
from app.formatting import money
from app.gateways.stripe import StripeGatewayError
from app.models import Customer
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.catalog import CatalogNotBootstrapped, catalog_id
from app.services.customer_configuration import set_configuration
from app.services.customer_sync import read_stripe_state, sync_customer
from app.services.customers import load_customer
from app.services.notifications import notify_startup_credit_low
from app.services.stripe_writes import write_planned
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

STARTUP_ACTOR = Actor.system("startup-plans")


@dataclass(frozen=True)
class StartupRequest:
    credit_cents: int
    expires_on: date


@dataclass(frozen=True)
class StartupPreview:
    customer: Customer
    request: StartupRequest
    write_plan: WritePlan


def startup_request(raw_credit: str, raw_expiry: str, today: date) -> StartupRequest:
    """The credit in dollars above zero and an expiry after today, or Invalid naming the field."""
    try:
        cents = parse_limit_dollars(raw_credit)
    except LimitError as exc:
        raise Invalid(f"Credit: {exc}", field="credit") from None
    if not cents:
        raise Invalid("Credit: give the startup credit in dollars, above zero (e.g. $50,000)", field="credit")
    try:
        expires_on = date.fromisoformat((raw_expiry or "").strip())
    except ValueError:
        raise Invalid(f"Expiry: '{raw_expiry}' is not a date as YYYY-MM-DD", field="expires_on") from None
    if expires_on <= today:
        raise Invalid(f"Expiry: the credit must expire after today ({today.isoformat()})", field="expires_on")
    return StartupRequest(cents, expires_on)


def on_startup_plan(customer: Customer) -> bool:
    return customer.configuration_source == "startup_plan" and customer.billing_configuration == "startup"


def plan_startup(session, gateway, catalog: Catalog, customer_id: int, raw_credit: str, raw_expiry: str,
                 today: date) -> StartupPreview:
    """The Stripe calls starting this plan makes; refusals listed on the plan, nothing written."""
    customer = load_customer(session, customer_id)
    request = startup_request(raw_credit, raw_expiry, today)
    plan = WritePlan("start_startup_plan")
    if on_startup_plan(customer):
        plan.refusals.append(f"already on a startup plan until {customer.startup_credit_expires_on}")
    if not customer.stripe_customer_id:
        plan.refusals.append("this customer has no Stripe customer")
    if plan.refusals:
        return StartupPreview(customer, request, plan)
    sub = live_subscription(read_stripe_state(gateway, customer.stripe_customer_id, catalog.product_key_metadata))
    if sub is None:
        plan.refusals.append("the customer has no active subscription for the credit to pay: subscribe it first")
        return StartupPreview(customer, request, plan)
    key = lambda step: customer_change_key(customer, f"startup-{step}")  # noqa: E731
    plan.calls.append(PlannedCall("metadata", "update_customer", f"Startup metadata: credit expires "
                                  f"{request.expires_on.isoformat()}", startup_metadata_params(request.expires_on),
                                  key("metadata"), target=customer.stripe_customer_id))
    plan.calls.append(PlannedCall("credit", "create_credit_grant", f"{money(request.credit_cents)} promotional credit "
                                  f"on metered usage, expiring {request.expires_on.isoformat()}",
                                  startup_credit_params(customer.stripe_customer_id, customer.id, request.credit_cents,
                                                        catalog.currency, request.expires_on), key("credit")))
    moves = _startup_moves(gateway, sub)
    if moves:
        plan.calls.append(PlannedCall("prices", "update_subscription", f"{len(moves)} item(s) onto the products' "
                                      "startup prices, without proration", item_prices_params(moves), key("prices"),
                                      target=sub["id"]))
    return StartupPreview(customer, request, plan)


def _startup_moves(gateway, sub: dict) -> list[tuple[str, str]]:
    """Each item whose product has an active startup price (`plan=startup`; the newest when several)."""
    moves = []
    for item in sub.get("items", []):
        price = item["price"]
        if (price.get("metadata") or {}).get("plan") == "startup":
            continue
        startup = next((p for p in gateway.product_prices(price["product"])
                        if (p.get("metadata") or {}).get("plan") == "startup"), None)
        if startup is not None:
            moves.append((item["id"], startup["id"]))
    return moves


def start_startup_plan(session, gateway, catalog: Catalog, actor: Actor, customer_id: int, raw_credit: str,
                       raw_expiry: str, fingerprint: str, today: date) -> Customer:
    """Run exactly the plan that was shown (its fingerprint), each call once; then the customer is startup."""
    preview = plan_startup(session, gateway, catalog, customer_id, raw_credit, raw_expiry, today)
    if preview.write_plan.refusals:
        raise Invalid("; ".join(preview.write_plan.refusals))
    if fingerprint != preview.write_plan.fingerprint:
        raise Invalid("The plan changed since it was shown (the customer or the form changed): review it again.")
    customer, request = preview.customer, preview.request
    results = {call.step: write_planned(session, gateway, call, ("customer", customer.id),
                                        f"start_startup_plan:{call.step}").object_id
               for call in preview.write_plan.calls}
    customer.startup_credit_cents, customer.startup_credit_expires_on = request.credit_cents, request.expires_on
    customer.startup_credit_grant_id = results["credit"]
    customer.startup_credit_remaining_cents, customer.startup_balance_checked_at = request.credit_cents, utcnow()
    set_configuration(session, actor, customer, "startup", "startup_plan",
                      note=f"startup plan: {money(request.credit_cents)} credit until {request.expires_on.isoformat()}")
    record_audit(session, actor, "customer.startup_plan_started", "customer", customer.id,
                 after={"credit_cents": request.credit_cents, "expires_on": request.expires_on,
                        "credit_grant_id": results["credit"], "stripe_objects": results},
                 stripe_request_ids=gateway.request_ids)
    sync_customer(session, gateway, customer.id, actor, catalog.product_key_metadata)
    return customer


def startup_balance(gateway, customer: Customer) -> dict:
    """What the page shows of a startup credit: granted, used and remaining as Stripe has them now."""
    if customer.startup_credit_grant_id is None:
        return {"startup": None}
    try:
        remaining = gateway.credit_grant_balance(customer.stripe_customer_id, customer.startup_credit_grant_id)
    except StripeGatewayError as exc:
        return {"startup": None, "startup_error": str(exc)}
    remaining = 0 if remaining is None else remaining
    return {"startup": {"granted": customer.startup_credit_cents, "remaining": remaining,
                        "used": max(customer.startup_credit_cents - remaining, 0),
                        "expires_on": customer.startup_credit_expires_on, "on_plan": on_startup_plan(customer)},
            "startup_error": None}


def end_startup_plans(session, gateway, catalog: Catalog, actor: Actor, today: date,
                      dry_run: bool = False) -> list[str]:
    """Customers whose startup credit is used up or expired (on its expiry date, not a day before)
    become paid: metadata cleared, items back on the default prices. One failing customer fails alone."""
    lines = []
    for customer_id in session.scalars(select(Customer.id).where(Customer.configuration_source == "startup_plan",
                                                                 Customer.billing_configuration == "startup")
                                       .order_by(Customer.id)).all():
        try:
            lines.append(_end_one(session, gateway, catalog, actor, session.get(Customer, customer_id), today, dry_run))
        except (StripeGatewayError, Invalid) as exc:
            session.rollback()
            lines.append(f"customer {customer_id}: error: {exc}")
            continue
        if not dry_run:
            checkpoint(session, "startup_plan_ended")
    if dry_run:
        session.rollback()
    return lines


def _end_one(session, gateway, catalog, actor, customer: Customer, today: date, dry_run: bool) -> str:
    base = customer_change_key(customer, "startup-end")  # before any change moves the version on
    remaining = gateway.credit_grant_balance(customer.stripe_customer_id, customer.startup_credit_grant_id) or 0
    customer.startup_credit_remaining_cents, customer.startup_balance_checked_at = remaining, utcnow()
    expired = customer.startup_credit_expires_on is not None and today >= customer.startup_credit_expires_on
    if not expired and remaining > 0:
        notify_startup_credit_low(session, customer, remaining, today)
        return f"{customer.name}: {money(remaining)} left until {customer.startup_credit_expires_on}"
    reason = f"startup credit expired on {customer.startup_credit_expires_on}" if expired else "startup credit used up"
    if dry_run:
        return f"{customer.name}: would become paid ({reason})"
    key = lambda step: f"{base}-{step}"  # noqa: E731
    write_planned(session, gateway, PlannedCall("metadata", "update_customer", "Startup plan ended",
                                                startup_metadata_params(None), key("metadata"),
                                                target=customer.stripe_customer_id),
                  ("customer", customer.id), "end_startup_plan:metadata")
    moves = _default_moves(session, gateway, catalog, customer)
    if moves:
        write_planned(session, gateway, PlannedCall("prices", "update_subscription", "Back to the default prices",
                                                    item_prices_params(moves[1]), key("prices"), target=moves[0]),
                      ("customer", customer.id), "end_startup_plan:prices")
    set_configuration(session, actor, customer, "paid", "subscription", note=reason)
    record_audit(session, actor, "customer.startup_plan_ended", "customer", customer.id,
                 after={"reason": reason, "remaining_cents": remaining}, stripe_request_ids=gateway.request_ids[-3:])
    sync_customer(session, gateway, customer.id, actor, catalog.product_key_metadata)
    return f"{customer.name}: now paid ({reason})"


def _default_moves(session, gateway, catalog, customer: Customer) -> tuple[str, list[tuple[str, str]]] | None:
    """The live subscription's items on startup prices, each back to its product's Standard price."""
    sub = live_subscription(read_stripe_state(gateway, customer.stripe_customer_id, catalog.product_key_metadata))
    if sub is None:
        return None
    moves = []
    for item in sub.get("items", []):
        price = item["price"]
        if (price.get("metadata") or {}).get("plan") != "startup" or not price.get("product_key"):
            continue
        try:
            moves.append((item["id"], catalog_id(session, "price", f"{price['product_key']}_standard")))
        except CatalogNotBootstrapped:
            continue  # a product without a Standard price keeps its startup price; the check flags it
    return (sub["id"], moves) if moves else None
