"""Test data as the tests need it: plain functions that take the session (and the emulator's client
when Stripe holds half of the thing), commit, and return what they made.

The ones that read the app's collaborators (catalog, contract mapping) need an app context.
"""
from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app import collaborators
from app.models import AnnualPlan, Customer, CustomerOrganisation, UsageReport
from app.services.api_tokens import create_api_token
from app.services.audit import Actor
from app.services.catalog import bootstrap_catalog, catalog_id
from app.services.contract_loading import load_plan
from app.services.contract_webhooks import create_plan_for_document

ACTOR = Actor.system("tests")
CONTRACTS = Path(__file__).parent / "fixtures" / "contracts"
STANDARD_PRODUCTS = ("product_analytics", "session_replay")


def make_catalog(session) -> list[str]:
    """The configured products, meters and prices in the emulator, their ids recorded; the report lines."""
    report = bootstrap_catalog(session, collaborators.stripe_gateway(), collaborators.catalog())
    session.commit()
    return report


def price_id(session, product_key: str, variant: str = "standard") -> str:
    return catalog_id(session, "price", f"{product_key}_{variant}")


def make_customer(session, name: str | None = None, stripe_customer_id: str | None = None,
                  organisation_id: str | None = None, **fields) -> Customer:
    """Our record of a customer; `organisation_id` links one organisation. Defaults are numbered.
    A configuration given here was set by a person: a sync keeps it."""
    if "billing_configuration" in fields:
        fields.setdefault("configuration_source", "override")
    n = session.scalar(select(func.count(Customer.id))) + 1
    customer = Customer(name=name or f"Customer {n}", email=fields.pop("email", f"billing{n}@customer.example"),
                        stripe_customer_id=stripe_customer_id, plans_map=fields.pop("plans_map", {}),
                        billing_limits=fields.pop("billing_limits", {}), **fields)
    if organisation_id:
        customer.organisations.append(CustomerOrganisation(organisation_id=organisation_id))
    session.add(customer)
    session.commit()
    return customer


def make_subscribed_customer(session, stripe_client, name: str, products=STANDARD_PRODUCTS, *, prices=(),
                             coupon: str | None = None, started_days_ago: int | None = None,
                             stripe_params: dict | None = None, **fields) -> Customer:
    """A Stripe customer subscribed to the standard prices of `products` (plus any `prices` by id),
    and our record of it (named `name`, `subscription_id` set). Needs the catalog."""
    stripe_customer = stripe_client.v1.customers.create(params={"name": name, **(stripe_params or {})})
    items = [price_id(session, p) for p in products] + list(prices)
    params = {"customer": stripe_customer.id, "items": [{"price": p} for p in items]}
    if coupon:
        params["discounts"] = [{"coupon": coupon}]
    if started_days_ago is not None:
        params["backdate_start_date"] = int(time.time()) - started_days_ago * 86400
    subscription = stripe_client.v1.subscriptions.create(params=params)
    fields.setdefault("subscription_id", subscription.id)
    return make_customer(session, name=name, stripe_customer_id=stripe_customer.id, **fields)


def make_usage_reports(session, org: str, days: dict[date, dict], instance: str = "US") -> list[UsageReport]:
    """One organisation's daily usage reports: `{day: {product_key: quantity}}`."""
    reports = [UsageReport(organisation_id=org, instance=instance, date=day, usage=usage) for day, usage in days.items()]
    session.add_all(reports)
    session.commit()
    return reports


def make_api_token(session, name: str = "US instance") -> str:
    """An instance's API token; the plain value, as the instance would send it."""
    _, plain = create_api_token(session, ACTOR, name)
    session.commit()
    return plain


class _OneDocument:
    def __init__(self, details: dict):
        self.details = details

    def fetch_details(self, document_id: str) -> dict:
        return self.details


def make_annual_plan(session, sample: str = "acme", document_id: str | None = None, company: str | None = None,
                     **fields) -> AnnualPlan:
    """A row loaded from a sample contract (as a delivery would, without the webhook and the queue);
    `document_id` and `company` make it a row of its own, `fields` are set on it afterwards."""
    details = json.loads((CONTRACTS / f"{sample}.details.json").read_text())
    details["id"] = document_id or details["id"]
    for token in details["tokens"]:
        if company and token["name"] == "Client.Company":
            token["value"] = company
    plan = create_plan_for_document(session, details["id"], sample, ACTOR, load=False)
    session.commit()
    load_plan(session, ACTOR, plan.id, _OneDocument(details), collaborators.contract_mapping(),
              collaborators.own_email_domains())
    plan = session.get(AnnualPlan, plan.id)
    for name, value in fields.items():
        setattr(plan, name, value)
    session.commit()
    return plan
