"""Billing credit grants: prepaid credit consumed by metered lines at finalization."""

import pytest
import stripe

from stripe_emulator.resources import invoicing


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create()


@pytest.fixture
def metered_price(stripe_client, meter):
    product = stripe_client.v1.products.create(params={"name": "Events"})
    return stripe_client.v1.prices.create(params={
        "product": product.id, "currency": "usd", "unit_amount_decimal": "0.5",
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id}})


def _grant(client, customer, value=10000, **extra):
    return client.v1.billing.credit_grants.create(params={
        "customer": customer.id, "name": "Prepaid", "category": "paid",
        "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": value}},
        "applicability_config": {"scope": {"price_type": "metered"}}, **extra})


def _usage_invoice(stripe_emulator, stripe_client, customer, price, quantity):
    """A draft with one metered line, built the way subscription billing builds it."""
    state = stripe_emulator.state
    with state.lock:
        invoice = invoicing.create_invoice(state, state.find(customer.id),
                                           collection_method="send_invoice", days_until_due=30)
        stored = state.find(price.id)
        invoicing.add_line(state, invoice, invoicing.make_line(
            state, invoice, amount=quantity // 2, price=stored, quantity=quantity))
    return stripe_client.v1.invoices.retrieve(invoice["id"])


def test_create_and_retrieve(stripe_client, customer):
    grant = _grant(stripe_client, customer)
    assert grant.id.startswith("credgr_")
    assert grant.object == "billing.credit_grant"
    assert grant.amount.monetary.value == 10000
    assert grant.applicability_config.scope.price_type == "metered"
    listed = stripe_client.v1.billing.credit_grants.list(params={"customer": customer.id})
    assert [g.id for g in listed.data] == [grant.id]


def test_scope_is_required_and_enum_checked(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _grant(stripe_client, customer, applicability_config={"scope": {"price_type": "all"}})
    assert exc.value.code == "parameter_invalid_enum"


def test_credits_apply_to_metered_usage(stripe_client, stripe_emulator, customer, metered_price):
    grant = _grant(stripe_client, customer, value=3000)
    draft = _usage_invoice(stripe_emulator, stripe_client, customer, metered_price, 10000)
    assert draft.subtotal == 5000
    assert draft.total_pretax_credit_amounts[0].amount == 3000
    assert draft.amount_due == 2000
    finalized = stripe_client.v1.invoices.finalize_invoice(draft.id)
    assert finalized.amount_due == 2000
    txn_id = finalized.lines.data[0].pretax_credit_amounts[0].credit_balance_transaction
    assert txn_id.startswith("cbtxn_")
    summary = stripe_client.v1.billing.credit_balance_summary.retrieve(
        params={"customer": customer.id, "filter": {"type": "credit_grant",
                                                    "credit_grant": grant.id}})
    assert summary.balances[0].available_balance.monetary.value == 0


def test_credits_do_not_apply_to_licensed_lines(stripe_client, customer):
    _grant(stripe_client, customer)
    product = stripe_client.v1.products.create(params={"name": "Seats"})
    price = stripe_client.v1.prices.create(params={"product": product.id, "currency": "usd",
                                                   "unit_amount": 4000})
    invoice = stripe_client.v1.invoices.create(params={"customer": customer.id})
    stripe_client.v1.invoice_items.create(params={"customer": customer.id, "invoice": invoice.id,
                                                  "pricing": {"price": price.id}})
    assert stripe_client.v1.invoices.retrieve(invoice.id).amount_due == 4000


def test_voiding_restores_credit(stripe_client, stripe_emulator, customer, metered_price):
    grant = _grant(stripe_client, customer, value=3000)
    draft = _usage_invoice(stripe_emulator, stripe_client, customer, metered_price, 10000)
    assert stripe_client.v1.invoices.finalize_invoice(draft.id).status == "open"
    stripe_client.v1.invoices.void_invoice(draft.id)
    summary = stripe_client.v1.billing.credit_balance_summary.retrieve(
        params={"customer": customer.id, "filter": {"type": "credit_grant",
                                                    "credit_grant": grant.id}})
    assert summary.balances[0].available_balance.monetary.value == 3000


def test_expired_and_voided_grants_do_not_apply(stripe_client, stripe_emulator, customer,
                                               metered_price):
    grant = _grant(stripe_client, customer)
    assert stripe_client.v1.billing.credit_grants.void_grant(grant.id).voided_at is not None
    draft = _usage_invoice(stripe_emulator, stripe_client, customer, metered_price, 2000)
    assert draft.total_pretax_credit_amounts == []
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.billing.credit_grants.expire(grant.id)


def test_ledger_lists_credit_and_debit(stripe_client, stripe_emulator, customer, metered_price):
    grant = _grant(stripe_client, customer, value=3000)
    draft = _usage_invoice(stripe_emulator, stripe_client, customer, metered_price, 2000)
    stripe_client.v1.invoices.finalize_invoice(draft.id)
    ledger = stripe_client.v1.billing.credit_balance_transactions.list(
        params={"customer": customer.id, "credit_grant": grant.id})
    assert [t.type for t in ledger.data] == ["debit", "credit"]
    assert ledger.data[0].debit.amount.monetary.value == 1000
