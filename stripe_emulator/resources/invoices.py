"""Invoices: create (drafts for review), update while draft, delete drafts, list, search.

Status changes (finalize, send, void, pay, mark uncollectible) are in `invoice_actions`;
line edits in `invoice_lines`; the shared model in `invoicing`.
"""

from stripe.params import (
    InvoiceCreateParams,
    InvoiceDeleteParams,
    InvoiceLineItemListParams,
    InvoiceListParams,
    InvoiceRetrieveParams,
    InvoiceSearchParams,
    InvoiceUpdateParams,
)

from .. import errors, helpers
from ..routing import route
from . import coupons, invoicing
from . import subscription_billing as engine

KIND = invoicing.KIND
DAY = invoicing.DAY
_PLAIN = ("description", "footer", "custom_fields", "statement_descriptor", "rendering",
          "effective_at", "number", "default_tax_rates", "account_tax_ids", "shipping_details")
_EDITABLE_WHEN_FINALIZED = {"metadata", "description", "footer", "custom_fields", "auto_advance",
                            "rendering", "statement_descriptor", "expand"}
SEARCH_FIELDS = {"customer": lambda i: i["customer"], "status": lambda i: i["status"],
                 "total": lambda i: i["total"], "number": lambda i: i["number"],
                 "currency": lambda i: i["currency"], "created": lambda i: i["created"],
                 "subscription": invoicing.subscription_of}


def _due_terms(ctx, p, collection_method, current=None):
    """`(due_date, days_until_due)` after checking Stripe's rules for the collection method."""
    if "due_date" in p and "days_until_due" in p:
        raise errors.exclusive("due_date", "days_until_due")
    due_date, days = current if current else (None, None)
    if "due_date" in p:
        due_date, days = p["due_date"], None
    if "days_until_due" in p:
        due_date, days = ctx.now + p["days_until_due"] * DAY, p["days_until_due"]
    if collection_method == "charge_automatically":
        if "due_date" in p or "days_until_due" in p:
            raise errors.invalid("Invoices with `collection_method=charge_automatically` cannot "
                                 "have a due date.", param="due_date" if "due_date" in p
                                 else "days_until_due")
        return None, None
    if due_date is None:
        raise errors.StripeError(400, "Invoices with `collection_method=send_invoice` need "
                                 "`days_until_due` or `due_date`.", code="parameter_missing",
                                 param="days_until_due")
    if "due_date" in p and p["due_date"] < ctx.now:
        raise errors.invalid("The due_date must be in the future.", param="due_date")
    if days is not None and days < 0:
        raise errors.invalid("days_until_due must not be negative.", param="days_until_due")
    return due_date, days


@route("POST", "/v1/invoices", params=InvoiceCreateParams)
def create(ctx):
    p = ctx.params
    if "customer" not in p:
        raise errors.missing_param("customer")
    state = ctx.state
    customer = state.get("customer", p["customer"], param="customer")
    with engine.at_time(state, engine.now_for(state, customer["test_clock"])):  # dated on its test clock
        return _create(ctx, customer)


def _create(ctx, customer):
    p, state = ctx.params, ctx.state
    method = p.get("collection_method", "charge_automatically")
    due_date, days = _due_terms(ctx, p, method)
    subscription = None
    if "subscription" in p:
        subscription = state.get("subscription", p["subscription"], param="subscription")["id"]
    invoice = invoicing.create_invoice(
        state, customer, collection_method=method, currency=p.get("currency", "").lower() or None,
        days_until_due=days, due_date=due_date, auto_advance=p.get("auto_advance", False),
        subscription=subscription,
        metadata=helpers.merge_metadata({}, p.get("metadata")))
    helpers.set_fields(invoice, p, _PLAIN)
    invoice["discounts"] = coupons.apply_discounts(state, p.get("discounts"), customer["id"],
                                                   invoice=invoice["id"])
    if p.get("pending_invoice_items_behavior", "exclude") == "include":
        _pull_pending(state, invoice, subscription)
    invoicing.recompute(state, invoice)
    ctx.emit_event("invoice.created", invoice)
    return invoice


def _pull_pending(state, invoice, subscription):
    from .invoice_items import KIND as ITEM

    for item in state.collection(ITEM).values():
        if (item["customer"] == invoice["customer"] and item["invoice"] is None
                and item["currency"] == invoice["currency"]
                and (subscription is None or _item_subscription(item) == subscription)):
            item["invoice"] = invoice["id"]
            invoice["_all_lines"].append(invoicing.item_line(state, invoice, item))


def _item_subscription(item):
    return ((item["parent"] or {}).get("subscription_details") or {}).get("subscription")


@route("GET", "/v1/invoices/{invoice}", params=InvoiceRetrieveParams)
def retrieve(ctx):
    return invoicing.get_invoice(ctx.state, ctx.path["invoice"], "invoice")


@route("POST", "/v1/invoices/{invoice}", params=InvoiceUpdateParams)
def update(ctx):
    state, p = ctx.state, ctx.params
    invoice = invoicing.get_invoice(state, ctx.path["invoice"], "invoice")
    if invoice["status"] != "draft":
        blocked = sorted(set(p) - _EDITABLE_WHEN_FINALIZED)
        if blocked:
            raise errors.invalid(
                f"Invoice {invoice['id']} is {invoice['status']}: once finalized, `{blocked[0]}` "
                "can no longer be changed.", param=blocked[0], code="invoice_not_editable")
    before = helpers.snapshot(state, invoice)
    method = p.get("collection_method", invoice["collection_method"])
    if invoice["status"] == "draft":
        current = (invoice["due_date"], invoice["_days_until_due"])
        if "collection_method" in p and method != invoice["collection_method"]:
            current = None
        invoice["due_date"], invoice["_days_until_due"] = _due_terms(ctx, p, method, current)
        invoice["collection_method"] = method
    if "discounts" in p:
        invoice["discounts"] = coupons.apply_discounts(state, p["discounts"] or [],
                                                       invoice["customer"], invoice=invoice["id"])
    if "auto_advance" in p:
        invoice["auto_advance"] = p["auto_advance"]
        if invoice["status"] == "draft":
            invoice["automatically_finalizes_at"] = (
                p.get("automatically_finalizes_at", ctx.now + 3600) if p["auto_advance"] else None)
        invoicing.schedule_auto_finalize(state, invoice)
    helpers.set_fields(invoice, p, _PLAIN)
    invoice["metadata"] = helpers.merge_metadata(invoice["metadata"], p.get("metadata"))
    invoicing.recompute(state, invoice)
    changed = helpers.previous_attributes(before, helpers.snapshot(state, invoice))
    if changed:
        ctx.emit_event("invoice.updated", invoice, changed)
    return invoice


@route("DELETE", "/v1/invoices/{invoice}", params=InvoiceDeleteParams)
def delete(ctx):
    state = ctx.state
    invoice = invoicing.get_invoice(state, ctx.path["invoice"], "invoice")
    invoicing.require_draft(invoice, "delete")
    from .invoice_items import KIND as ITEM

    for item in [i for i in state.collection(ITEM).values() if i["invoice"] == invoice["id"]]:
        state.remove(ITEM, item["id"])
        ctx.emit_event("invoiceitem.deleted", item)
    state.remove(KIND, invoice["id"])
    ctx.emit_event("invoice.deleted", invoice)
    return helpers.deleted(invoice)


@route("GET", "/v1/invoices", params=InvoiceListParams)
def list_invoices(ctx):
    p = ctx.params
    tests = [_field_is(field, p[field]) for field in ("customer", "status", "collection_method")
             if field in p]
    if "subscription" in p:
        tests.append(lambda i, sub=p["subscription"]: invoicing.subscription_of(i) == sub)
    tests += [helpers.created_test(p.get("created")),
              helpers.created_test(p.get("due_date"), field="due_date")]
    return helpers.list_collection(ctx, KIND, helpers.all_of(*tests), label=KIND, created=p.get("created"))


def _field_is(field, value):
    return lambda i: i[field] == value


@route("GET", "/v1/invoices/search", params=InvoiceSearchParams)
def search(ctx):
    return helpers.search_object(ctx, list(ctx.state.collection(KIND).values()), SEARCH_FIELDS)


@route("GET", "/v1/invoices/{invoice}/lines", params=InvoiceLineItemListParams)
def list_lines(ctx):
    invoice = invoicing.get_invoice(ctx.state, ctx.path["invoice"], "invoice")
    return helpers.list_object(ctx, invoice["_all_lines"], label="invoice line item",
                               newest_first=False)
