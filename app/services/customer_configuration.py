"""A customer's billing configuration: set by what happened to it, or by a person with a reason.

Flows set it (an annual plan going live: enterprise yearly; a startup plan: startup); otherwise each
sync reads it from Stripe (see billing/configuration_rules.py). A person may override either,
and must say why; choosing "automatic" hands it back to Stripe's state.
"""
from __future__ import annotations

from app.billing.configuration_rules import configuration_from_stripe
from app.models import CONFIGURATIONS, Customer
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.customers import load_customer

AUTOMATIC = "automatic"


def set_configuration(session, actor: Actor, customer: Customer, configuration: str, source: str,
                      note: str = "") -> None:
    """A flow's decision; audited when it changes anything."""
    before = {"configuration": customer.billing_configuration, "source": customer.configuration_source}
    after = {"configuration": configuration, "source": source}
    if before == after and customer.configuration_note == note:
        return
    customer.billing_configuration, customer.configuration_source, customer.configuration_note = (
        configuration, source, note)
    session.flush()
    record_audit(session, actor, "customer.configuration_set", "customer", customer.id, before=before, after=after,
                 note=note)


def override_configuration(session, actor: Actor, customer_id: int, configuration: str, reason: str,
                           version: int | None) -> Customer:
    """A person's choice, with the reason kept beside it; "automatic" follows Stripe again."""
    customer = load_customer(session, customer_id, version)
    reason = (reason or "").strip()
    if configuration != AUTOMATIC and configuration not in CONFIGURATIONS:
        raise Invalid(f"'{configuration}' is not a billing configuration; choose one of "
                      f"{', '.join(CONFIGURATIONS)} or automatic", field="configuration")
    if not reason:
        raise Invalid("Say why: the reason is kept with the configuration and in the audit log.", field="reason")
    if configuration == AUTOMATIC:
        derived = configuration_from_stripe(customer.stripe_snapshot, customer.linked_customer_id)
        set_configuration(session, actor, customer, derived, "subscription", reason)
    else:
        set_configuration(session, actor, customer, configuration, "override", reason)
    return customer
