"""Editing a customer's own settings: plans_map, free trial, billing limits (no Stripe writes)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.features import PlansMapError, check_plans_map
from app.billing.limits import LimitError, parse_limit_dollars
from app.models import Customer, CustomerOrganisation
from app.refusals import Invalid, NotFound, Stale
from app.services.audit import Actor, changed_fields, record_audit


def load_customer(session, customer_id: int, version: int | None = None) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    if version is not None and version != customer.version:
        raise Stale(f"Someone changed this customer while you were editing (now version "
                            f"{customer.version}); the current values are shown, try again.")
    return customer


def customer_by_reference(session, reference: str) -> Customer:
    """A customer named the way people and scripts name one: our id, an organisation id or a cus_ id."""
    text = (reference or "").strip()
    if text.isdigit():
        found = session.get(Customer, int(text))
    elif text.startswith("cus_"):
        found = session.scalar(select(Customer).where(Customer.stripe_customer_id == text))
    else:
        found = session.scalar(select(Customer).join(CustomerOrganisation)
                               .where(CustomerOrganisation.organisation_id == text))
    if found is None:
        raise NotFound(f"no customer '{text}'")
    return found


def _save(session, actor: Actor, customer: Customer, action: str, values: dict) -> Customer:
    before = {k: getattr(customer, k) for k in values}
    old, new = changed_fields(before, values)
    for key, value in new.items():
        setattr(customer, key, value)
    session.flush()
    if new:
        record_audit(session, actor, action, "customer", customer.id, before=old, after=new)
    return customer


def update_plans_map(session, actor: Actor, catalog: Catalog, customer_id: int, choices: dict[str, str],
                     version: int | None) -> Customer:
    """`choices` maps product key -> plan key; an empty choice means the product's default plan."""
    customer = load_customer(session, customer_id, version)
    try:
        plans = check_plans_map(catalog, {p: k.strip() for p, k in choices.items() if k.strip()})
    except PlansMapError as exc:
        raise Invalid(str(exc)) from None
    return _save(session, actor, customer, "customer.plans_map_changed", {"plans_map": plans})


def set_free_trial(session, actor: Actor, customer_id: int, raw: str, version: int | None) -> Customer:
    """A date (YYYY-MM-DD) through which the trial runs; empty ends it."""
    customer = load_customer(session, customer_id, version)
    text = (raw or "").strip()
    try:
        until = date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid(f"'{text}' is not a date: use YYYY-MM-DD, e.g. 2027-03-31") from None
    return _save(session, actor, customer, "customer.free_trial_changed", {"free_trial_until": until})


def set_billing_limits(session, actor: Actor, catalog: Catalog, customer_id: int, dollars: dict[str, str],
                       version: int | None) -> Customer:
    """Dollars per metered product ('' = no limit), stored as integer cents."""
    customer = load_customer(session, customer_id, version)
    limits = {}
    for product_key, raw in dollars.items():
        product = catalog.products.get(product_key)
        if product is None or not product.metered:
            raise Invalid(f"'{product_key}' is not a metered product")
        try:
            cents = parse_limit_dollars(raw)
        except LimitError as exc:
            raise Invalid(f"{product.name}: {exc}") from None
        if cents is not None:
            limits[product_key] = cents
    return _save(session, actor, customer, "customer.billing_limits_changed", {"billing_limits": limits})
