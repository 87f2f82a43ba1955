"""Invoice status changes: draft -> open -> paid | void | uncollectible.

`finalize_invoice` is public so subscription billing (and the auto-advance tick) can use it.
"""

import functools

from stripe.params import (
    InvoiceFinalizeInvoiceParams,
    InvoiceMarkUncollectibleParams,
    InvoicePayParams,
    InvoiceSendInvoiceParams,
    InvoiceVoidInvoiceParams,
)

from .. import errors, helpers
from ..hooks import on_tick
from ..routing import route
from . import credit_grants, invoicing
from .customer_extras import add_balance_transaction

DAY = invoicing.DAY


def finalize_invoice(state, invoice, auto_advance=None):
    """Number it, freeze customer details, apply credits and balance, open it (or pay if 0)."""
    if invoice["status"] != "draft":
        raise errors.invalid(f"Invoice {invoice['id']} is already finalized ({invoice['status']}).",
                             code="invoice_not_editable")
    now = state.now()
    customer = state.get("customer", invoice["customer"], param="customer")
    invoicing.recompute(state, invoice, commit_credits=True)
    invoice.update(invoicing.customer_fields(state, customer))
    invoice.update(invoicing.hosted_urls(invoice))
    invoice["number"] = invoice["number"] or invoicing.number_for(state, customer)
    invoice["status_transitions"]["finalized_at"] = now
    invoice["effective_at"] = invoice["effective_at"] or now
    invoice["automatically_finalizes_at"] = None
    if auto_advance is not None:
        invoice["auto_advance"] = auto_advance
    if invoice["_days_until_due"] is not None:
        invoice["due_date"] = now + invoice["_days_until_due"] * DAY
    _apply_balance(state, invoice, customer)
    invoice["status"] = "open"
    state.emit_event("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        mark_paid(state, invoice, 0)
    invoicing.schedule_auto_finalize(state, invoice)
    state.touch()
    return invoice


def _apply_balance(state, invoice, customer):
    total, balance = invoice["total"], customer["balance"]
    applied = 0
    if balance and customer["currency"] in (None, invoice["currency"]):
        applied = balance if balance > 0 else max(balance, -max(total, 0))
    invoice["starting_balance"] = balance
    invoice["ending_balance"] = balance - applied
    invoice["amount_due"] = max(0, total + applied)
    invoice["amount_remaining"] = invoice["amount_due"]
    if applied:
        add_balance_transaction(state, customer, -applied, invoice["currency"],
                                "applied_to_invoice", invoice=invoice["id"])


def mark_paid(state, invoice, out_of_band_amount=0):
    """Mark an open invoice paid (`invoice.paid`); `out_of_band_amount` is recorded as
    `amount_paid_off_stripe` (subscription invoices "paid by card" pass 0)."""
    before = {"status": invoice["status"], "amount_paid": invoice["amount_paid"],
              "amount_remaining": invoice["amount_remaining"]}
    invoice["amount_paid"] = invoice["amount_due"]
    invoice["amount_paid_off_stripe"] = out_of_band_amount
    invoice["amount_remaining"] = 0
    invoice["status"] = "paid"
    invoice["status_transitions"]["paid_at"] = state.now()
    invoice["next_payment_attempt"] = None
    invoice["auto_advance"] = False
    state.emit_event("invoice.paid", invoice, before)


def on_invoice_clock(handler):
    """Run an invoice's route at its test clock's frozen time (finalized_at, paid_at, the credits usable
    then), as on Stripe; at the emulator clock for an invoice on none."""
    @functools.wraps(handler)
    def run(ctx):
        from . import subscription_billing as engine

        invoice = ctx.state.collection(invoicing.KIND).get(ctx.path.get("invoice"))
        with engine.at_time(ctx.state, engine.now_for(ctx.state, invoice and invoice.get("test_clock"))):
            return handler(ctx)

    return run


def _invoice(ctx):
    return invoicing.get_invoice(ctx.state, ctx.path["invoice"], "invoice")


def _require(invoice, statuses, action):
    if invoice["status"] not in statuses:
        raise errors.invalid(
            f"You can only {action} an invoice that is {' or '.join(statuses)}; invoice "
            f"{invoice['id']} is {invoice['status']}.", param="invoice")


@route("POST", "/v1/invoices/{invoice}/finalize", params=InvoiceFinalizeInvoiceParams)
@on_invoice_clock
def finalize(ctx):
    return finalize_invoice(ctx.state, _invoice(ctx), ctx.params.get("auto_advance"))


@route("POST", "/v1/invoices/{invoice}/send", params=InvoiceSendInvoiceParams)
@on_invoice_clock
def send(ctx):
    """Test mode sends no email; drafts are finalized first, as Stripe does."""
    invoice = _invoice(ctx)
    if invoice["collection_method"] != "send_invoice":
        raise errors.invalid("You can only manually send an invoice if its collection method "
                             "is 'send_invoice'.", param="invoice")
    if invoice["status"] == "draft":
        finalize_invoice(ctx.state, invoice)
    _require(invoice, ("open", "uncollectible", "paid"), "send")
    ctx.emit_event("invoice.sent", invoice)
    return invoice


@route("POST", "/v1/invoices/{invoice}/void", params=InvoiceVoidInvoiceParams)
@on_invoice_clock
def void(ctx):
    invoice = _invoice(ctx)
    _require(invoice, ("open", "uncollectible"), "void")
    before = helpers.snapshot(ctx.state, invoice)
    applied = invoice["starting_balance"] - invoice["ending_balance"]
    if applied:
        customer = ctx.state.get("customer", invoice["customer"], param="customer")
        add_balance_transaction(ctx.state, customer, applied, invoice["currency"],
                                "unapplied_from_invoice", invoice=invoice["id"])
    credit_grants.restore(ctx.state, invoice["id"])
    invoice["status"] = "void"
    invoice["amount_remaining"] = 0
    invoice["auto_advance"] = False
    invoice["status_transitions"]["voided_at"] = ctx.now
    ctx.state.touch()
    ctx.emit_event("invoice.voided", invoice,
                   helpers.previous_attributes(before, helpers.snapshot(ctx.state, invoice)))
    return invoice


@route("POST", "/v1/invoices/{invoice}/pay", params=InvoicePayParams)
@on_invoice_clock
def pay(ctx):
    invoice = _invoice(ctx)
    _require(invoice, ("open", "uncollectible"), "pay")
    if not ctx.params.get("paid_out_of_band"):
        raise errors.invalid(
            "This customer has no attached payment source or default payment method (the "
            "emulator only supports `paid_out_of_band=true`).", param="paid_out_of_band")
    mark_paid(ctx.state, invoice, invoice["amount_remaining"])
    ctx.state.touch()
    return invoice


@route("POST", "/v1/invoices/{invoice}/mark_uncollectible",
       params=InvoiceMarkUncollectibleParams)
@on_invoice_clock
def mark_uncollectible(ctx):
    invoice = _invoice(ctx)
    _require(invoice, ("open",), "mark uncollectible")
    invoice["status"] = "uncollectible"
    invoice["status_transitions"]["marked_uncollectible_at"] = ctx.now
    ctx.state.touch()
    ctx.emit_event("invoice.marked_uncollectible", invoice, {"status": "open"})
    return invoice


@on_tick
def auto_finalize(state, previous, now):
    """Drafts with `auto_advance` finalize at `automatically_finalizes_at` (an hour in).

    Only invoices on the emulator clock: a test clock's drafts finalize when it advances.
    """
    for invoice in invoicing.due_drafts(state, None, now):
        finalize_invoice(state, invoice)
