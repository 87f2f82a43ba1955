"""Invoice items: pending or attached to a draft invoice, priced by `pricing.price`,
`price_data`, `amount` or `unit_amount_decimal` (the top-level `price` was removed in basil and
the schema rejects it)."""

from decimal import Decimal

from stripe.params import (
    InvoiceItemCreateParams,
    InvoiceItemDeleteParams,
    InvoiceItemListParams,
    InvoiceItemRetrieveParams,
    InvoiceItemUpdateParams,
)

from .. import billing, errors, helpers
from ..routing import route
from . import coupons, invoicing, prices

KIND = "invoiceitem"
_SOURCES = ("pricing", "price_data", "amount", "unit_amount_decimal")
_at = helpers.nested


def _inline_price(ctx, data, where):
    if "product" in data:
        product = ctx.state.get("product", data["product"],
                                param=_at(where, "price_data[product]"))
        product_id = product["id"]
    elif "product_data" in data:
        from .products import build_product

        product_id = build_product(ctx, data["product_data"])["id"]
    else:
        raise errors.missing_param(_at(where, "price_data[product]"))
    fields = {k: data[k] for k in ("currency", "unit_amount", "unit_amount_decimal",
                                   "tax_behavior") if k in data}
    return prices.build_price(ctx, fields, product_id, active=False)


def _price(ctx, p, where):
    price_id = p["pricing"].get("price")
    if not price_id:
        raise errors.missing_param(_at(where, "pricing[price]"))
    price = prices.get_price(ctx, price_id, _at(where, "pricing[price]"))
    if not price["active"]:
        raise errors.invalid(f"The price specified ({price_id}) is inactive. This field only "
                             "accepts active prices.", param=_at(where, "pricing[price]"))
    if price["type"] != "one_time":
        raise errors.invalid(f"The price specified ({price_id}) is set to `type=recurring` but "
                             "this field only accepts prices with `type=one_time`.",
                             param=_at(where, "pricing[price]"))
    return price


def price_fields(ctx, p, currency, where="", current=None):
    """`(price or None, unit_amount_decimal, amount, currency, quantity)` for an item."""
    sources = [k for k in _SOURCES if k in p]
    if len(sources) > 1:
        raise errors.exclusive(*(_at(where, s) for s in sources))
    quantity = p.get("quantity", current["quantity"] if current else 1)
    if quantity < 0:
        raise errors.invalid("Quantity must not be negative.", param=_at(where, "quantity"))
    source = sources[0] if sources else None
    price = None
    if source is None and current is None:
        raise errors.missing_param(_at(where, "pricing[price]"))
    if source is None:
        price = ctx.state.find((current["pricing"]["price_details"] or {}).get("price") or "")
        unit = current["pricing"]["unit_amount_decimal"]
        currency = current["currency"]
    elif source == "pricing":
        price = _price(ctx, p, where)
    elif source == "price_data":
        price = _inline_price(ctx, p["price_data"], where)
    elif source == "amount":
        if "quantity" in p and p["quantity"] != 1:
            raise errors.exclusive(_at(where, "amount"), _at(where, "quantity"))
        quantity, unit = 1, str(p["amount"])
    else:
        unit = p["unit_amount_decimal"]
    if price is not None:
        if currency and price["currency"] != currency:
            raise errors.invalid(f"The price's currency ({price['currency']}) does not match "
                                 f"this item's currency ({currency}).",
                                 param=_at(where, "currency"))
        currency, unit = price["currency"], price["unit_amount_decimal"]
        amount = billing.price_amount(price, quantity)
    else:
        if not currency:
            raise errors.missing_param(_at(where, "currency"))
        amount = billing.cents(Decimal(unit) * quantity)
    return price, unit, amount, currency, quantity


def build_item(ctx, p, customer_id, invoice=None, where=""):
    """Validate and store an invoice item (attached to `invoice` if given)."""
    state = ctx.state
    currency = (p.get("currency") or (invoice["currency"] if invoice else None) or "").lower()
    price, unit, amount, currency, quantity = price_fields(ctx, p, currency, where)
    if invoice is not None:
        invoicing.require_draft(invoice, "add items to")
        if currency != invoice["currency"]:
            raise errors.invalid(f"The item's currency ({currency}) does not match the invoice's "
                                 f"({invoice['currency']}).", param=_at(where, "currency"))
    period = _period(ctx, p.get("period"), where)
    item_id = state.new_id("ii")
    product = state.find(price["product"]) if price else None
    item = helpers.new_object(
        ctx, KIND, "ii", obj_id=item_id, amount=amount, currency=currency, customer=customer_id,
        customer_account=None, date=ctx.now,
        description=p.get("description") or (product["name"] if product else None),
        discountable=p.get("discountable", amount >= 0), discounts=[],
        invoice=invoice["id"] if invoice else None,
        metadata=helpers.merge_metadata({}, p.get("metadata"), _at(where, "metadata")),
        net_amount=amount, parent=_parent(ctx, p, where), period=period,
        pricing=_pricing(price, unit), proration=False, proration_details={"credited_items": None},
        quantity=quantity, quantity_decimal=str(quantity), tax_rates=[],
        test_clock=state.get("customer", customer_id)["test_clock"])
    item["discounts"] = coupons.apply_discounts(state, p.get("discounts"), customer_id,
                                                _at(where, "discounts"), invoice_item=item_id)
    _net(state, item)
    state.insert(item)
    if invoice is not None:
        invoicing.sync_item(state, item)
    ctx.emit_event("invoiceitem.created", item)
    return item


def _pricing(price, unit):
    details = {"price": price["id"], "product": price["product"]} if price else None
    return {"price_details": details, "type": "price_details", "unit_amount_decimal": unit}


def _parent(ctx, p, where):
    if "subscription" not in p:
        return None
    sub = ctx.state.get("subscription", p["subscription"], param=_at(where, "subscription"))
    return {"subscription_details": {"subscription": sub["id"], "subscription_item": None},
            "type": "subscription_details"}


def _period(ctx, period, where):
    if not period:
        return {"end": ctx.now, "start": ctx.now}
    if period["end"] < period["start"]:
        raise errors.invalid("The period end must not be before its start.",
                             param=_at(where, "period[end]"))
    return {"end": period["end"], "start": period["start"]}


def _net(state, item):
    net = item["amount"]
    for did in item["discounts"]:
        coupon = coupons.discount_coupon(state, did)
        net -= billing.coupon_amount(coupon, net, item["currency"]) if coupon else 0
    item["net_amount"] = net


def update_item(ctx, item, p, where=""):
    """Apply update-style params to a pending item or one on a draft invoice."""
    state = ctx.state
    invoice = invoicing.get_invoice(state, item["invoice"]) if item["invoice"] else None
    if invoice is not None:
        invoicing.require_draft(invoice, "edit items on")
    before = helpers.snapshot(state, item)
    if any(k in p for k in (*_SOURCES, "quantity")):
        price, unit, amount, currency, quantity = price_fields(ctx, p, item["currency"], where,
                                                               current=item)
        item.update(amount=amount, currency=currency, quantity=quantity,
                    quantity_decimal=str(quantity), pricing=_pricing(price, unit))
    if "period" in p:
        item["period"] = _period(ctx, p["period"], where)
    if "discounts" in p:
        item["discounts"] = coupons.apply_discounts(
            state, p["discounts"] or [], item["customer"], _at(where, "discounts"),
            invoice_item=item["id"])
    helpers.set_fields(item, p, ("description", "discountable"))
    item["metadata"] = helpers.merge_metadata(item["metadata"], p.get("metadata"),
                                              _at(where, "metadata"))
    _net(state, item)
    state.touch()
    if invoice is not None:
        invoicing.sync_item(state, item)
    changed = helpers.previous_attributes(before, helpers.snapshot(state, item))
    if changed:
        ctx.emit_event("invoiceitem.updated", item, changed)
    return item


@route("POST", "/v1/invoiceitems", params=InvoiceItemCreateParams)
def create(ctx):
    p = ctx.params
    invoice = None
    if "invoice" in p:
        invoice = invoicing.get_invoice(ctx.state, p["invoice"], "invoice")
    if "customer" not in p and invoice is None:
        raise errors.missing_param("customer")
    customer = ctx.state.get("customer", p.get("customer") or invoice["customer"],
                             param="customer")
    if invoice is not None and invoice["customer"] != customer["id"]:
        raise errors.invalid("The invoice belongs to another customer.", param="invoice")
    return build_item(ctx, p, customer["id"], invoice)


def _item(ctx):
    return ctx.state.get(KIND, ctx.path["invoiceitem"], label="invoice item")


@route("GET", "/v1/invoiceitems/{invoiceitem}", params=InvoiceItemRetrieveParams)
def retrieve(ctx):
    return _item(ctx)


@route("POST", "/v1/invoiceitems/{invoiceitem}", params=InvoiceItemUpdateParams)
def update(ctx):
    return update_item(ctx, _item(ctx), ctx.params)


def delete_item(ctx, item):
    if item["invoice"]:
        invoicing.detach_item(ctx.state, item)
    ctx.state.remove(KIND, item["id"])
    ctx.emit_event("invoiceitem.deleted", item)
    return helpers.deleted(item)


@route("DELETE", "/v1/invoiceitems/{invoiceitem}", params=InvoiceItemDeleteParams)
def delete(ctx):
    return delete_item(ctx, _item(ctx))


@route("GET", "/v1/invoiceitems", params=InvoiceItemListParams)
def list_items(ctx):
    p = ctx.params
    items = list(ctx.state.collection(KIND).values())
    for field in ("customer", "invoice"):
        if field in p:
            items = [i for i in items if i[field] == p[field]]
    if "pending" in p:
        items = [i for i in items if (i["invoice"] is None) == p["pending"]]
    items = helpers.filter_created(items, p.get("created"))
    return helpers.list_object(ctx, items, label="invoice item")
