"""Prices: one-off, recurring, metered (backed by a meter), tiered graduated/volume.

`tiers` and `currency_options` are stored as `_tiers` and `_currency_options` so they render only
with `expand=["tiers"]` / `expand=["currency_options"]`, as on Stripe.
"""

from decimal import Decimal

from stripe.params import (
    PriceCreateParams,
    PriceListParams,
    PriceRetrieveParams,
    PriceSearchParams,
    PriceUpdateParams,
)

from .. import errors, helpers
from ..routing import route

KIND = "price"
_MAX_INTERVALS = {"day": 1095, "week": 156, "month": 36, "year": 3}
SEARCH_FIELDS = {"active": lambda p: str(p["active"]).lower(), "currency": lambda p: p["currency"],
                 "lookup_key": lambda p: p["lookup_key"], "product": lambda p: p["product"],
                 "type": lambda p: p["type"], "created": lambda p: p["created"]}


def get_price(ctx, price_id, param="price"):
    return ctx.state.get(KIND, price_id, param=param)


def _amounts(p, prefix=""):
    """`(unit_amount, unit_amount_decimal)` from either form; they are exclusive."""
    if "unit_amount" in p and "unit_amount_decimal" in p:
        raise errors.exclusive(f"{prefix}unit_amount", f"{prefix}unit_amount_decimal")
    if "unit_amount" in p:
        return p["unit_amount"], str(p["unit_amount"])
    if "unit_amount_decimal" in p:
        text = p["unit_amount_decimal"]
        number = Decimal(text)
        return (int(number) if number == number.to_integral_value() else None), text
    return None, None


def _recurring(ctx, rec):
    if rec is None:
        return None
    interval, count = rec["interval"], rec.get("interval_count", 1)
    if not 1 <= count <= _MAX_INTERVALS[interval]:
        raise errors.invalid("The maximum billing interval is 3 years (1095 days, 156 weeks, "
                             "36 months or 3 years).", param="recurring[interval_count]")
    usage_type = rec.get("usage_type", "licensed")
    meter = rec.get("meter")
    if usage_type == "metered" and not meter:
        raise errors.StripeError(
            400, "Metered prices must be backed by a meter: pass `recurring[meter]` (usage "
            "records and `aggregate_usage` were removed).", code="parameter_missing",
            param="recurring[meter]")
    if meter and usage_type != "metered":
        raise errors.invalid("`recurring[meter]` can only be set when `recurring[usage_type]` "
                             "is `metered`.", param="recurring[meter]")
    if meter:
        ctx.state.get("billing.meter", meter, param="recurring[meter]", label="billing meter")
    return {"interval": interval, "interval_count": count, "meter": meter,
            "trial_period_days": rec.get("trial_period_days"), "usage_type": usage_type}


def _tiers(p):
    tiers = p.get("tiers")
    scheme = p.get("billing_scheme", "per_unit")
    if scheme == "per_unit":
        if tiers is not None or "tiers_mode" in p:
            raise errors.invalid("Tiers may only be specified for prices with "
                                 "`billing_scheme=tiered`.", param="tiers")
        return None
    if "transform_quantity" in p:
        raise errors.exclusive("tiers", "transform_quantity")
    if not tiers:
        raise errors.missing_param("tiers")
    if "tiers_mode" not in p:
        raise errors.missing_param("tiers_mode")
    out, last = [], 0
    for i, tier in enumerate(tiers):
        up_to = tier["up_to"]
        final = i == len(tiers) - 1
        if (up_to == "inf") != final:
            raise errors.invalid("Only the last tier may (and must) have `up_to=inf`.",
                                 param=f"tiers[{i}][up_to]")
        if up_to != "inf" and up_to <= last:
            raise errors.invalid("Tier `up_to` values must increase.", param=f"tiers[{i}][up_to]")
        last = up_to if up_to != "inf" else last
        unit, unit_dec = _amounts(tier, f"tiers[{i}][")
        flat, flat_dec = _flat(tier, i)
        out.append({"flat_amount": flat, "flat_amount_decimal": flat_dec, "unit_amount": unit,
                    "unit_amount_decimal": unit_dec, "up_to": None if up_to == "inf" else up_to})
    return out


def set_currency_options(price, given):
    """Store `currency_options` (merged per currency, as an update adds or replaces one currency
    and keeps the others). A tiered price needs tiers in each option, a per-unit one an amount."""
    if not given:
        return
    options = dict(price.get("_currency_options") or {})
    for code, option in given.items():
        code, where = code.lower(), f"currency_options[{code}]"
        if code == price["currency"]:
            raise errors.invalid(f"`{where}` cannot be the price's own currency ({code}).", param=where)
        if price["billing_scheme"] == "tiered":
            if "unit_amount" in option or "unit_amount_decimal" in option:
                raise errors.invalid("`unit_amount` cannot be set on tiered prices.", param=f"{where}[unit_amount]")
            tiers = _tiers({"tiers": option.get("tiers"), "billing_scheme": "tiered",
                            "tiers_mode": price["tiers_mode"]})
            if [t["up_to"] for t in tiers] != [t["up_to"] for t in price["_tiers"]]:
                raise errors.invalid("The tiers of each currency option must have the price's `up_to` "
                                     "bounds.", param=f"{where}[tiers]")
            unit, unit_dec = None, None
        else:
            if option.get("tiers"):
                raise errors.invalid("Tiers may only be specified for prices with `billing_scheme=tiered`.",
                                     param=f"{where}[tiers]")
            tiers = None
            unit, unit_dec = _amounts(option, f"{where}[")
            if unit_dec is None:
                raise errors.missing_param(f"{where}[unit_amount]")
        options[code] = {"custom_unit_amount": None, "tax_behavior": option.get("tax_behavior", "unspecified"),
                         "tiers": tiers, "unit_amount": unit, "unit_amount_decimal": unit_dec}
    price["_currency_options"] = options


def in_currency(price, currency, param="price"):
    """The price as a subscription in `currency` bills it: itself, or its `currency_options` entry."""
    if not currency or price["currency"] == currency:
        return price
    option = (price.get("_currency_options") or {}).get(currency)
    if option is None:
        raise errors.invalid(f"The price specified ({price['id']}) does not support the currency `{currency}`: "
                             "it has no such `currency_options` entry. All prices on a subscription must "
                             "have the same currency.", param=param)
    view = dict(price, currency=currency, unit_amount=option["unit_amount"],
                unit_amount_decimal=option["unit_amount_decimal"])
    if option["tiers"] is not None:
        view["_tiers"] = option["tiers"]
    return view


def _flat(tier, i):
    if "flat_amount" in tier and "flat_amount_decimal" in tier:
        raise errors.exclusive(f"tiers[{i}][flat_amount]", f"tiers[{i}][flat_amount_decimal]")
    if "flat_amount" in tier:
        return tier["flat_amount"], str(tier["flat_amount"])
    if "flat_amount_decimal" in tier:
        return None, tier["flat_amount_decimal"]
    return None, None


def claim_lookup_key(ctx, key, transfer, price_id):
    for other in ctx.state.collection(KIND).values():
        if other["lookup_key"] == key and other["id"] != price_id:
            if not transfer:
                raise errors.invalid(
                    f"A price (`{other['id']}`) already uses the lookup key `{key}`. Pass "
                    "`transfer_lookup_key=true` to move it.", param="lookup_key")
            other["lookup_key"] = None


def build_price(ctx, p, product_id, active=True):
    """Validate and store a price for `product_id` from create-style params."""
    tiers = _tiers(p)
    unit, unit_dec = _amounts(p)
    if tiers is None and unit is None and unit_dec is None and "custom_unit_amount" not in p:
        raise errors.missing_param("unit_amount")
    if tiers is not None and unit_dec is not None:
        raise errors.invalid("`unit_amount` cannot be set on tiered prices.", param="unit_amount")
    recurring = _recurring(ctx, p.get("recurring"))
    price_id = ctx.state.new_id("price")
    if p.get("lookup_key"):
        claim_lookup_key(ctx, p["lookup_key"], p.get("transfer_lookup_key"), price_id)
    price = helpers.new_object(
        ctx, KIND, "price", obj_id=price_id, active=p.get("active", active),
        billing_scheme="tiered" if tiers is not None else "per_unit",
        currency=p["currency"].lower(),
        custom_unit_amount=p.get("custom_unit_amount"), lookup_key=p.get("lookup_key"),
        metadata=helpers.merge_metadata({}, p.get("metadata")), nickname=p.get("nickname"),
        product=product_id, recurring=recurring,
        tax_behavior=p.get("tax_behavior", "unspecified"), tiers_mode=p.get("tiers_mode"),
        transform_quantity=p.get("transform_quantity"),
        type="recurring" if recurring else "one_time", unit_amount=unit,
        unit_amount_decimal=unit_dec)
    if tiers is not None:
        price["_tiers"] = tiers
    price["_currency_options"] = {}
    set_currency_options(price, p.get("currency_options"))
    ctx.state.insert(price)
    ctx.emit_event("price.created", price)
    return price


@route("POST", "/v1/prices", params=PriceCreateParams)
def create(ctx):
    p = ctx.params
    if "product" in p and "product_data" in p:
        raise errors.exclusive("product", "product_data")
    if "product" in p:
        product_id = ctx.state.get("product", p["product"], param="product")["id"]
    elif "product_data" in p:
        from .products import build_product

        product_id = build_product(ctx, p["product_data"])["id"]
    else:
        raise errors.missing_param("product")
    return build_price(ctx, p, product_id)


@route("GET", "/v1/prices/{price}", params=PriceRetrieveParams)
def retrieve(ctx):
    return get_price(ctx, ctx.path["price"], "price")


@route("POST", "/v1/prices/{price}", params=PriceUpdateParams)
def update(ctx):
    price = get_price(ctx, ctx.path["price"], "price")
    before = helpers.snapshot(ctx.state, price)
    p = ctx.params
    if "lookup_key" in p:
        claim_lookup_key(ctx, p["lookup_key"], p.get("transfer_lookup_key"), price["id"])
    helpers.set_fields(price, p, ("active", "lookup_key", "nickname", "tax_behavior"))
    set_currency_options(price, p.get("currency_options"))
    price["metadata"] = helpers.merge_metadata(price["metadata"], p.get("metadata"))
    ctx.state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, price))
    if changed:
        ctx.emit_event("price.updated", price, changed)
    return price


@route("GET", "/v1/prices", params=PriceListParams)
def list_prices(ctx):
    p = ctx.params
    items = list(ctx.state.collection(KIND).values())
    for field in ("active", "currency", "product", "type"):
        if field in p:
            items = [x for x in items if x[field] == p[field]]
    if "lookup_keys" in p:
        items = [x for x in items if x["lookup_key"] in p["lookup_keys"]]
    for field, want in (p.get("recurring") or {}).items():
        items = [x for x in items if x["recurring"] and x["recurring"][field] == want]
    items = helpers.filter_created(items, p.get("created"))
    return helpers.list_object(ctx, items, label=KIND)


@route("GET", "/v1/prices/search", params=PriceSearchParams)
def search(ctx):
    return helpers.search_object(ctx, list(ctx.state.collection(KIND).values()), SEARCH_FIELDS)
