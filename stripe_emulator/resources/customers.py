"""Customers: CRUD, list with `email`, search, address/shipping, invoice settings, balance.

There is no customer-level coupon or discount: the basil API removed `coupon` here, and the
schema rejects it as an unknown parameter.
"""

from stripe.params import (
    CustomerCreateParams,
    CustomerDeleteParams,
    CustomerListParams,
    CustomerRetrieveParams,
    CustomerSearchParams,
    CustomerUpdateParams,
)

from .. import helpers
from ..routing import route
from ..state import random_token
from .customer_extras import TAX_ID, add_balance_transaction, check_tax_id, create_tax_id

KIND = "customer"
_PLAIN = ("business_name", "description", "email", "individual_name", "name", "phone",
          "preferred_locales", "invoice_prefix", "next_invoice_sequence")
_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")
SEARCH_FIELDS = {"email": lambda c: c["email"], "name": lambda c: c["name"],
                 "phone": lambda c: c["phone"], "created": lambda c: c["created"]}


def get_customer(ctx, customer_id, param="customer"):
    """A live customer, or 404 (`param` names the request field that carried the id)."""
    return ctx.state.get(KIND, customer_id, param=param)


def address(value):
    if not value:
        return None
    return {k: value.get(k) for k in _ADDRESS_KEYS}


def shipping(value):
    if not value:
        return None
    return {"address": address(value["address"]), "name": value["name"],
            "phone": value.get("phone")}


def _invoice_settings(current, update):
    settings = dict(current)
    for key in ("custom_fields", "default_payment_method", "footer", "rendering_options"):
        if key in update:
            settings[key] = None if update[key] == "" else update[key]
    return settings


def _apply(ctx, customer, params):
    helpers.set_fields(customer, params, _PLAIN)
    if "address" in params:
        customer["address"] = address(params["address"])
    if "shipping" in params:
        customer["shipping"] = shipping(params["shipping"])
    if "tax_exempt" in params:
        customer["tax_exempt"] = params["tax_exempt"] or "none"
    if "invoice_settings" in params:
        customer["invoice_settings"] = _invoice_settings(customer["invoice_settings"],
                                                         params["invoice_settings"])
    if "test_clock" in params:
        ctx.state.get("test_helpers.test_clock", params["test_clock"], param="test_clock")
        customer["test_clock"] = params["test_clock"]
    customer["metadata"] = helpers.merge_metadata(customer["metadata"], params.get("metadata"))


@route("POST", "/v1/customers", params=CustomerCreateParams)
def create(ctx):
    p = ctx.params
    for i, datum in enumerate(p.get("tax_id_data", ())):
        check_tax_id(datum, f"tax_id_data[{i}][value]")
    customer = helpers.new_object(
        ctx, KIND, "cus", obj_id=ctx.state.new_id("cus", 14), address=None, balance=0,
        business_name=None, currency=None, customer_account=None, default_source=None,
        delinquent=False, description=None, discount=None, email=None, individual_name=None,
        invoice_credit_balance={}, invoice_prefix=random_token(8).upper(),
        invoice_settings={"custom_fields": None, "default_payment_method": None,
                          "footer": None, "rendering_options": None},
        metadata={}, name=None, next_invoice_sequence=1, phone=None, preferred_locales=[],
        shipping=None, tax_exempt="none", test_clock=None)
    _apply(ctx, customer, p)
    ctx.state.insert(customer)
    for i, datum in enumerate(p.get("tax_id_data", ())):
        create_tax_id(ctx, customer, datum, f"tax_id_data[{i}][value]")
    if p.get("balance"):
        add_balance_transaction(ctx, customer, p["balance"], "usd", "initial", emit=False)
    ctx.emit_event("customer.created", customer)
    return customer


@route("GET", "/v1/customers/{customer}", params=CustomerRetrieveParams)
def retrieve(ctx):
    gone = ctx.state.extra("deleted").get(ctx.path["customer"])
    if gone is not None:
        return gone
    customer = get_customer(ctx, ctx.path["customer"], "id")
    return with_tax_ids(ctx, customer) if _wants(ctx, "tax_ids") else customer


def _wants(ctx, field):
    return any(e == field or e.startswith(field + ".") for e in ctx.expand or ())


def with_tax_ids(ctx, customer, ids=None):
    """The customer with Stripe's includable `tax_ids` list (newest first, first 10), which
    renders only when expanded (`expand=["tax_ids"]`, or `data.tax_ids` on lists); `ids`, the
    customer's tax ids oldest first, when the caller has them."""
    if ids is None:
        ids = [t for t in ctx.state.collection(TAX_ID).values() if t["customer"] == customer["id"]]
    ids = ids[::-1]
    return dict(customer, _tax_ids={
        "object": "list", "data": ids[:10], "has_more": len(ids) > 10, "total_count": len(ids),
        "url": f"/v1/customers/{customer['id']}/tax_ids"})


@route("POST", "/v1/customers/{customer}", params=CustomerUpdateParams)
def update(ctx):
    customer = get_customer(ctx, ctx.path["customer"], "id")
    before = helpers.snapshot(ctx.state, customer)
    p = ctx.params
    _apply(ctx, customer, p)
    if "balance" in p and p["balance"] != customer["balance"]:
        delta = p["balance"] - customer["balance"]
        add_balance_transaction(ctx, customer, delta, customer["currency"] or "usd",
                                "adjustment", emit=False)
    ctx.state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, customer))
    if changed:
        ctx.emit_event("customer.updated", customer, changed)
    return customer


@route("DELETE", "/v1/customers/{customer}", params=CustomerDeleteParams)
def delete(ctx):
    customer = get_customer(ctx, ctx.path["customer"], "id")
    ctx.state.remove(KIND, customer["id"])
    stub = helpers.deleted(customer)
    ctx.state.extra("deleted")[customer["id"]] = stub
    ctx.emit_event("customer.deleted", customer)
    return stub


@route("GET", "/v1/customers", params=CustomerListParams)
def list_customers(ctx):
    p = ctx.params
    tests = [(lambda c, f=field: c[f] == p[f]) for field in ("email", "test_clock") if field in p]
    if "test_clock" not in p:  # Stripe lists a test clock's customers only when asked by `test_clock`
        tests.append(lambda c: not c["test_clock"])
    tests.append(helpers.created_test(p.get("created")))
    result = helpers.list_collection(ctx, KIND, helpers.all_of(*tests), label=KIND)
    if _wants(ctx, "data.tax_ids"):
        tax_ids = _tax_ids_of(ctx.state, {c["id"] for c in result["data"]})
        result["data"] = [with_tax_ids(ctx, c, tax_ids.get(c["id"], [])) for c in result["data"]]
    return result


def _tax_ids_of(state, customer_ids):
    """The customers' tax ids, oldest first, from one pass over all tax ids."""
    found = {}
    for tax_id in state.collection(TAX_ID).values():
        if tax_id["customer"] in customer_ids:
            found.setdefault(tax_id["customer"], []).append(tax_id)
    return found


@route("GET", "/v1/customers/search", params=CustomerSearchParams)
def search(ctx):
    items = list(ctx.state.collection(KIND).values())
    return helpers.search_object(ctx, items, SEARCH_FIELDS)
