"""Bespoke prices on an existing product: planned (the Stripe call shown first), then created once.

The idempotency key is a hash of the parameters, so the confirm button makes exactly the
previewed price, and a double click or a retry makes it only once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.billing.catalog_config import Catalog
from app.billing.catalog_rules import misaligned_with, move_to_problem, product_keys
from app.billing.price_builder import SHAPES, BespokeForm, BespokeRequest, bespoke_request
from app.billing.stripe_requests import bespoke_price_key, metered_price_params
from app.formatting import money, tiers_text
from app.gateways.stripe import StripeGatewayError
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.catalog import catalog_id
from app.services.stripe_writes import stripe_write


@dataclass(frozen=True)
class BespokePlan:
    request: BespokeRequest
    verb: str
    summary: str
    params: dict
    key: str


def plan_bespoke_price(session, gateway, catalog: Catalog, form: BespokeForm, today: date) -> BespokePlan:
    """The one create_price call the form asks for; a refusal listing every reason it must not be made."""
    request = bespoke_request(catalog, form)
    product = catalog.product(request.product_key)
    product_id = catalog_id(session, "product", product.key)
    meter_id = catalog_id(session, "meter", product.meter_event) if SHAPES[request.shape].metered else None
    errors = _stripe_problems(gateway, catalog, request, product_id)
    if errors:
        raise Invalid("; ".join(errors), reasons=errors)
    nickname = form.nickname.strip()
    if meter_id:
        params = metered_price_params(catalog, product, product_id, meter_id, [t.as_stripe() for t in request.tiers],
                                      nickname=nickname, metadata=request.metadata)
    else:
        params = {"product": product_id, "currency": catalog.currency, "nickname": nickname,
                  "unit_amount": request.amount_cents, "recurring": {"interval": request.interval, "usage_type": "licensed"},
                  "metadata": {catalog.product_key_metadata: product.key, **request.metadata}}
    return BespokePlan(request, "create_price", _in_words(request, product, params, nickname),
                       params, bespoke_price_key(product.key, params))


def _in_words(request: BespokeRequest, product, params: dict, nickname: str) -> str:
    """What the price charges, in the currency people read: each tier, or the flat amount and its interval."""
    if "tiers" in params:
        charges = "; ".join(tiers_text(params["tiers"], params["currency"]))
        per = f" (per {product.unit_label})" if product.unit_label else ""
    else:
        charges, per = f"{money(params['unit_amount'], params['currency'])} a {request.interval}", ""
    return f"Create a {SHAPES[request.shape].label.lower()} price '{nickname}' for {product.name}{per}: {charges}"


def _stripe_problems(gateway, catalog: Catalog, request: BespokeRequest, product_id: str) -> list[str]:
    errors = []
    if request.bounds:
        keys = product_keys(gateway.list_products(), catalog.product_key_metadata)
        by_key: dict[str, list[dict]] = {}
        for price in gateway.list_prices(active=True):
            if price.get("product") in keys:
                by_key.setdefault(keys[price["product"]], []).append(price)
        errors += [f"The tiers do not line up with the add-ons' prices: {p}." for p in
                   misaligned_with(catalog, request.product_key, request.bounds, by_key)]
    target_id = request.metadata.get("move_to_price_id")
    if target_id:
        problem = move_to_problem({"product": product_id, "currency": catalog.currency},
                                  _price_or_none(gateway, target_id), target_id)
        if problem:
            errors.append(f"Metadata: {problem}.")
    return errors


def _price_or_none(gateway, price_id: str) -> dict | None:
    try:
        return gateway.retrieve_price(price_id)
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            return None
        raise


def create_bespoke_price(session, gateway, catalog: Catalog, actor: Actor, form: BespokeForm,
                         fingerprint: str, today: date) -> str:
    """Create the previewed price (refused when the plan no longer matches `fingerprint`)."""
    plan = plan_bespoke_price(session, gateway, catalog, form, today)
    request = plan.request
    if fingerprint != plan.key:
        raise Invalid("This is not the price that was previewed (the form or the date changed): "
                      "review the Stripe call again.")
    outcome = stripe_write(session, gateway, key=plan.key, subject=("catalog", request.product_key),
                           action="create_bespoke_price", summary={"product": request.product_key, "shape": request.shape},
                           call=lambda: gateway.create_price(plan.params, plan.key))
    record_audit(session, actor, "catalog.price_created", "price", outcome.object_id,
                 after={"shape": request.shape, "params": plan.params, "idempotency_key": plan.key},
                 stripe_request_ids=gateway.request_ids[-3:])
    return outcome.object_id
