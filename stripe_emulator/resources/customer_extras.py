"""Customer sub-resources: balance transactions and tax ids."""

import re

from stripe.params import (
    CustomerBalanceTransactionCreateParams,
    CustomerBalanceTransactionListParams,
    CustomerBalanceTransactionRetrieveParams,
    CustomerBalanceTransactionUpdateParams,
    CustomerTaxIdCreateParams,
    CustomerTaxIdDeleteParams,
    CustomerTaxIdListParams,
    CustomerTaxIdRetrieveParams,
)

from .. import errors, helpers
from ..routing import route

TXN = "customer_balance_transaction"
TAX_ID = "tax_id"


def _customer(ctx):
    return ctx.state.get("customer", ctx.path["customer"], param="customer")


def add_balance_transaction(ctx, customer, amount, currency, type, description=None,
                            metadata=None, invoice=None, emit=True):
    """Move the customer's balance (negative = credit) and record why; returns the transaction.

    `ctx` may be a request `Ctx` or the `State` (invoice finalization from a tick hook).
    """
    state = getattr(ctx, "state", ctx)
    if customer["currency"] and customer["currency"] != currency:
        raise errors.invalid(
            f"The currency of this balance transaction ({currency}) must match the customer's "
            f"currency ({customer['currency']}).", param="currency")
    before = {"balance": customer["balance"], "currency": customer["currency"]}
    customer["currency"] = currency
    customer["balance"] += amount
    txn = helpers.new_object(
        ctx, TXN, "cbtxn", amount=amount, checkout_session=None, credit_note=None,
        currency=currency, customer=customer["id"], customer_account=None,
        description=description, ending_balance=customer["balance"], invoice=invoice,
        metadata=helpers.merge_metadata({}, metadata), type=type)
    state.insert(txn)
    if emit:
        state.emit_event("customer.updated", customer, before)
    return txn


@route("POST", "/v1/customers/{customer}/balance_transactions",
       params=CustomerBalanceTransactionCreateParams)
def create_transaction(ctx):
    p = ctx.params
    return add_balance_transaction(ctx, _customer(ctx), p["amount"], p["currency"].lower(),
                                   "adjustment", p.get("description"), p.get("metadata"))


def _transaction(ctx):
    customer = _customer(ctx)
    txn = ctx.state.get(TXN, ctx.path["transaction"], label="customer balance transaction")
    if txn["customer"] != customer["id"]:
        raise errors.no_such("customer balance transaction", ctx.path["transaction"])
    return txn


@route("GET", "/v1/customers/{customer}/balance_transactions/{transaction}",
       params=CustomerBalanceTransactionRetrieveParams)
def retrieve_transaction(ctx):
    return _transaction(ctx)


@route("POST", "/v1/customers/{customer}/balance_transactions/{transaction}",
       params=CustomerBalanceTransactionUpdateParams)
def update_transaction(ctx):
    txn = _transaction(ctx)
    helpers.set_fields(txn, ctx.params, ("description",))
    txn["metadata"] = helpers.merge_metadata(txn["metadata"], ctx.params.get("metadata"))
    ctx.state.touch()
    return txn


@route("GET", "/v1/customers/{customer}/balance_transactions",
       params=CustomerBalanceTransactionListParams)
def list_transactions(ctx):
    customer = _customer(ctx)
    items = [t for t in ctx.state.collection(TXN).values() if t["customer"] == customer["id"]]
    items = helpers.filter_created(items, ctx.params.get("created"))
    if "invoice" in ctx.params:
        items = [t for t in items if t["invoice"] == ctx.params["invoice"]]
    return helpers.list_object(ctx, items, label="customer balance transaction")


def _country(type, value):
    if type == "eu_vat":
        prefix = value[:2].upper()
        return "GR" if prefix == "EL" else prefix
    return type.split("_")[0].upper()


# EU member states' VAT prefixes (Greece's is EL), Northern Ireland's XI, and EU (non-union OSS)
_EU_PREFIXES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "EU", "FI", "FR",
                "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE",
                "SI", "SK", "XI"}
# Formats for the types the team uses; other types are only checked to be non-empty.
_FORMATS = {"eu_vat": re.compile(r"(?P<prefix>[A-Z]{2})[0-9A-Z]{2,13}"),
            "gb_vat": re.compile(r"GB(\d{9}|\d{12})"), "us_ein": re.compile(r"\d{2}-\d{7}"),
            "au_abn": re.compile(r"\d{11}"), "ca_bn": re.compile(r"\d{9}")}


def check_tax_id(data, param="value"):
    """The stripped value of `{type, value}`, or Stripe's `tax_id_invalid` for a value that
    does not have the type's format (exact: no spaces, upper-case letters)."""
    value = data["value"].strip()
    if not value:
        raise errors.empty_param(param)
    fmt = _FORMATS.get(data["type"])
    match = fmt.fullmatch(value) if fmt else None
    if fmt and (match is None or (data["type"] == "eu_vat"
                                  and match["prefix"] not in _EU_PREFIXES)):
        raise errors.invalid(f"Invalid value for {data['type']}.", param=param,
                             code="tax_id_invalid")
    return value


def create_tax_id(ctx, customer, data, param="value"):
    value = check_tax_id(data, param)
    tax_id = helpers.new_object(
        ctx, TAX_ID, "txi", country=_country(data["type"], value), customer=customer["id"],
        customer_account=None, owner={"customer": customer["id"], "type": "customer"},
        type=data["type"], value=value,
        verification={"status": "pending", "verified_address": None, "verified_name": None})
    ctx.state.insert(tax_id)
    ctx.emit_event("customer.tax_id.created", tax_id)
    return tax_id


@route("POST", "/v1/customers/{customer}/tax_ids", params=CustomerTaxIdCreateParams)
def add_tax_id(ctx):
    return create_tax_id(ctx, _customer(ctx), ctx.params)


def _tax_id(ctx):
    customer = _customer(ctx)
    tax_id = ctx.state.get(TAX_ID, ctx.path["id"], label="tax id")
    if tax_id["customer"] != customer["id"]:
        raise errors.no_such("tax id", ctx.path["id"])
    return tax_id


@route("GET", "/v1/customers/{customer}/tax_ids/{id}", params=CustomerTaxIdRetrieveParams)
def retrieve_tax_id(ctx):
    return _tax_id(ctx)


@route("DELETE", "/v1/customers/{customer}/tax_ids/{id}", params=CustomerTaxIdDeleteParams)
def delete_tax_id(ctx):
    tax_id = _tax_id(ctx)
    ctx.state.remove(TAX_ID, tax_id["id"])
    ctx.emit_event("customer.tax_id.deleted", tax_id)
    return helpers.deleted(tax_id)


@route("GET", "/v1/customers/{customer}/tax_ids", params=CustomerTaxIdListParams)
def list_tax_ids(ctx):
    customer = _customer(ctx)
    items = [t for t in ctx.state.collection(TAX_ID).values() if t["customer"] == customer["id"]]
    return helpers.list_object(ctx, items, label="tax id")
