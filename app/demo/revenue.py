"""Twelve months of revenue for `make run`: invoices in Stripe for one customer of each configuration, snapshotted.

The emulator takes meter events only for the last 35 days, so past months are billed as Stripe invoices of their
own (one-off lines on the catalog's products, each with its month as service period); the amortized pair's
quarterly instalments come from a real subscription on a test clock started a year ago. Quokka Enterprises
(enterprise yearly, no up-front invoice) stays unresolved on purpose.
"""
from __future__ import annotations

from datetime import UTC, datetime

from app import collaborators
from app.billing.revenue import month_end, previous_months
from app.billing.stripe_requests import startup_credit_params
from app.formatting import money
from app.gateways.stripe import StripeGatewayError
from app.models import Customer, CustomerOrganisation
from app.services.audit import Actor
from app.services.catalog import catalog_id
from app.services.revenue_snapshot import snapshot_month
from app.services.stripe_writes import stripe_write
from app.timeutil import utcnow

DEMO_ACTOR = Actor.system("demo-seed")
QUARTERLY_COMMITMENT_CENTS = 3_000_000  # Kestrel's $120,000 year, paid $30,000 a quarter
UP_FRONT_CENTS = 5_880_000  # Walrus's $58,800 year, paid up front


def _ts(day) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def seed_demo_revenue(session) -> list[str]:
    gateway = collaborators.stripe_gateway()
    if gateway.client is None:
        return ["Demo revenue skipped: no Stripe configured"]
    months = previous_months(utcnow().date().replace(day=1), 12)
    try:
        write = _writer(session, gateway)
        _narwhal(session, gateway, write, months)
        _ibis(session, gateway, write, months)
        _walrus(session, gateway, write, months)
        _kestrel(session, gateway, write, months)
        _lemur_credit(session, gateway, write)
        session.commit()
        report = []
        for month in months:
            result = snapshot_month(session, gateway, collaborators.catalog(), month, DEMO_ACTOR)
            session.commit()
            report.append(f"{month:%Y-%m} {money(result.total_mrr_cents)}")
        return [f"Demo revenue: 12 months snapshotted ({report[0]} ... {', '.join(report[-2:])})"]
    except StripeGatewayError as exc:
        session.rollback()
        return [f"Demo revenue skipped: {exc}"]


def _writer(session, gateway):
    def write(key: str, call) -> dict | str:
        return stripe_write(session, gateway, key=f"demo-revenue-{key}", subject=("demo", key), action="demo_seed",
                            summary={"key": key}, call=lambda: call(f"demo-revenue-{key}")).object_id
    return write


def _customer(session, gateway, write, slug, name, configuration, metadata=None, org=True, **params) -> Customer:
    stripe_id = write(f"customer-{slug}", lambda key: gateway.create_customer_raw(
        {"name": name, "email": f"billing@{slug}.example", "metadata": metadata or {}, **params}, key))
    customer = Customer(name=name, email=f"billing@{slug}.example", stripe_customer_id=stripe_id, plans_map={},
                        billing_limits={}, billing_configuration=configuration, configuration_source="override",
                        configuration_note="demo data")
    if org:
        customer.organisations.append(CustomerOrganisation(organisation_id=f"org-{slug}"))
    session.add(customer)
    session.flush()
    return customer


def _monthly_invoice(session, gateway, write, customer: Customer, slug: str, month, amounts: dict[str, int]) -> None:
    """One month's usage invoice: a line per product with the month as its service period, finalized."""
    tag = f"{slug}-{month:%Y-%m}"
    invoice_id = write(f"invoice-{tag}", lambda key: gateway.create_invoice(
        {"customer": customer.stripe_customer_id, "collection_method": "send_invoice", "days_until_due": 30,
         "auto_advance": False, "description": f"Usage for {month:%B %Y}"}, key))
    for product_key, cents in amounts.items():
        product = catalog_id(session, "product", product_key)
        write(f"line-{tag}-{product_key}", lambda key, p=product, c=cents: gateway.create_invoice_item(
            {"customer": customer.stripe_customer_id, "invoice": invoice_id,
             "price_data": {"currency": "usd", "product": p, "unit_amount": c},
             "period": {"start": _ts(month), "end": _ts(month_end(month))}}, key))
    write(f"finalize-{tag}", lambda key: gateway.finalize_invoice(invoice_id, key))


def _narwhal(session, gateway, write, months) -> None:
    """Paid: usage growing month on month, a dip in month 8."""
    customer = _customer(session, gateway, write, "narwhal", "Narwhal Retail", "paid")
    for i, month in enumerate(months):
        analytics = 40_000 + 2_500 * i - (6_000 if i == 7 else 0)
        _monthly_invoice(session, gateway, write, customer, "narwhal", month,
                         {"product_analytics": analytics, "session_replay": 12_000 + 1_500 * (i % 3)})


def _ibis(session, gateway, write, months) -> None:
    """Startup: on credits until its credit expired six months ago, paid since."""
    expired = months[6]
    customer = _customer(session, gateway, write, "ibis", "Ibis Labs", "startup",
                         metadata={"is_startup_plan_customer": "true", "credit_expires_at": expired.isoformat()})
    params = startup_credit_params(customer.stripe_customer_id, customer.id, 200_000, "usd", expired)
    params.pop("expires_at")  # Stripe takes no expiry in the past; credit_expires_at above says when it ended
    grant = write("grant-ibis", lambda key: gateway.create_credit_grant(params, key))
    customer.startup_credit_grant_id, customer.startup_credit_cents = grant, 200_000
    customer.startup_credit_expires_on = expired
    for month in months[6:]:
        _monthly_invoice(session, gateway, write, customer, "ibis", month, {"product_analytics": 18_000})


def _walrus(session, gateway, write, months) -> None:
    """Enterprise yearly: $58,800 paid up front for the year that started eleven months ago."""
    customer = _customer(session, gateway, write, "walrus", "Walrus Holdings", "enterprise_yearly")
    start = months[0]
    invoice_id = write("invoice-walrus-upfront", lambda key: gateway.create_invoice(
        {"customer": customer.stripe_customer_id, "collection_method": "send_invoice", "days_until_due": 30,
         "auto_advance": False, "description": "Prepaid credits, first contract year",
         "metadata": {"amortize": "true", "amortize_start": start.isoformat(), "amortize_months": "12"}}, key))
    product = catalog_id(session, "product", "product_analytics")
    write("line-walrus-upfront", lambda key: gateway.create_invoice_item(
        {"customer": customer.stripe_customer_id, "invoice": invoice_id,
         "price_data": {"currency": "usd", "product": product, "unit_amount": UP_FRONT_CENTS},
         "period": {"start": _ts(start), "end": _ts(start.replace(year=start.year + 1))}}, key))
    write("finalize-walrus-upfront", lambda key: gateway.finalize_invoice(invoice_id, key))


def _kestrel(session, gateway, write, months) -> None:
    """Enterprise amortized: a usage customer with monthly invoices, and its credits customer paying $30,000 a
    quarter through a subscription on a test clock that has run for the year."""
    usage = _customer(session, gateway, write, "kestrel", "Kestrel Systems", "enterprise_amortized")
    for i, month in enumerate(months):
        _monthly_invoice(session, gateway, write, usage, "kestrel", month, {"product_analytics": 95_000 + 1_000 * i})
    clock = write("clock-kestrel", lambda key: gateway.create_test_clock(_ts(months[0]), "Kestrel credits", key))
    credits = _customer(session, gateway, write, "kestrel-credits", "Kestrel Systems (credits)",
                        "enterprise_amortized", metadata={"billing_role": "credits"}, org=False, test_clock=clock)
    # on a catalog product: the catalog report flags a Stripe product that names none of ours
    product = catalog_id(session, "product", "product_analytics")
    price = write("price-kestrel-quarterly", lambda key: gateway.create_price(
        {"product": product, "currency": "usd", "unit_amount": QUARTERLY_COMMITMENT_CENTS,
         "nickname": "Kestrel committed credits, quarterly", "recurring": {"interval": "month", "interval_count": 3}},
        key))
    write("subscription-kestrel-credits", lambda key: gateway.create_subscription(
        {"customer": credits.stripe_customer_id, "items": [{"price": price}], "collection_method": "send_invoice",
         "days_until_due": 30}, key))
    for step in (*months[3::3], utcnow().date()):  # Stripe advances a clock at most two intervals at a time
        gateway.advance_test_clock(clock, _ts(step))
    usage.linked_customer_id, credits.linked_customer_id = credits.id, usage.id
    credits.stripe_snapshot = {"customer": {"id": credits.stripe_customer_id, "metadata": {"billing_role": "credits"}}}


def _lemur_credit(session, gateway, write) -> None:
    """The demo's startup customer gets its credit (a year, $500), so only Quokka is left unresolved."""
    from sqlalchemy import select

    lemur = session.scalar(select(Customer).where(Customer.name == "Lemur Labs"))
    if lemur is None or not lemur.stripe_customer_id:
        return
    expires_on = utcnow().date().replace(year=utcnow().year + 1)
    lemur.startup_credit_grant_id = write("grant-lemur", lambda key: gateway.create_credit_grant(
        startup_credit_params(lemur.stripe_customer_id, lemur.id, 50_000, "usd", expires_on), key))
    lemur.startup_credit_cents, lemur.startup_credit_expires_on = 50_000, expires_on
