"""The row's Stripe customer: find one through the gateway, or create one from the row."""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.billing.plan_stages import readiness_blockers, stage_after_edit
from app.billing.stripe_requests import organisation_metadata, row_customer_key
from app.gateways.stripe import CustomerSummary, StripeGatewayError
from app.models import AnnualPlan
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.plan_values import get_plan, touch
from app.services.stripe_writes import stripe_write

COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class NewCustomer:
    """What a person fills in to create the customer; checked before Stripe is called."""

    name: str
    email: str
    line1: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    tax_id_type: str = ""
    tax_id_value: str = ""

    def problems(self) -> list[str]:
        found = []
        if not self.name.strip():
            found.append("name is required")
        if not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", self.email.strip(), re.IGNORECASE):
            found.append(f"'{self.email}' is not an email address")
        if self.country and not COUNTRY.match(self.country.strip().upper()):
            found.append("country must be a two-letter code such as US or GB")
        if bool(self.tax_id_type) != bool(self.tax_id_value):
            found.append("a tax id needs both its type (e.g. eu_vat) and its value")
        return found

    def params(self, plan: AnnualPlan) -> dict:
        params = {"name": self.name.strip(), "email": self.email.strip().lower(),
                  "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id}}
        if plan.organization_ids:
            params["metadata"] |= organisation_metadata(plan.organization_ids)
        address = {k: v.strip() for k, v in (("line1", self.line1), ("city", self.city),
                                              ("postal_code", self.postal_code),
                                              ("country", self.country.upper())) if v.strip()}
        if address:
            params["address"] = address
        if self.tax_id_type:
            params["tax_id_data"] = [{"type": self.tax_id_type.strip(), "value": self.tax_id_value.strip()}]
        return params


def find_stripe_customers(gateway, text: str) -> list[CustomerSummary]:
    if len(text.strip()) < 2:
        raise Invalid("type at least two characters of a name or an email address")
    return gateway.find_customers(text)


def link_stripe_customer(session, actor: Actor, gateway, plan_id: int, customer_id: str,
                         expected_version: int | None) -> AnnualPlan:
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    try:
        customer = gateway.retrieve_customer(customer_id)
    except StripeGatewayError as exc:
        raise Invalid(f"cannot use {customer_id}: {exc}") from exc
    return _set_customer(session, actor, plan, customer.id, gateway.request_ids, "annual_plan.customer_linked")


def create_stripe_customer(session, actor: Actor, gateway, plan_id: int, new: NewCustomer,
                           expected_version: int | None) -> AnnualPlan:
    """Idempotent per row and version: a double click or a retry after a crash replays."""
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    problems = new.problems()
    if problems:
        raise Invalid("; ".join(problems))
    if plan.stripe_customer_id:
        raise Invalid(f"row {plan.id} already uses {plan.stripe_customer_id}; clear it first")
    params, key = new.params(plan), row_customer_key(plan)
    outcome = stripe_write(session, gateway, key=key, subject=("annual_plan", plan.id), action="create_customer",
                           summary={"name": params["name"], "email": params["email"]},
                           call=lambda: gateway.create_customer_raw(params, key))
    plan = get_plan(session, plan_id)
    return _set_customer(session, actor, plan, outcome.object_id, gateway.request_ids, "annual_plan.customer_created")


def _set_customer(session, actor, plan, customer_id, request_ids, action) -> AnnualPlan:
    before = plan.stripe_customer_id
    plan.stripe_customer_id = customer_id
    plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
    touch(plan)
    record_audit(session, actor, action, "annual_plan", plan.id, before={"stripe_customer_id": before},
                 after={"stripe_customer_id": customer_id}, stripe_request_ids=list(request_ids))
    session.flush()
    return plan
