"""Coupons, and the discount objects created when one is applied.

Customers cannot hold a coupon in the current API; `apply_discounts` attaches discounts to
invoices, invoice items, subscriptions and schedule phases instead.
"""

from stripe.params import (
    CouponCreateParams,
    CouponDeleteParams,
    CouponListParams,
    CouponRetrieveParams,
    CouponUpdateParams,
)

from .. import errors, helpers
from ..routing import route
from ..state import random_token

KIND = "coupon"
DISCOUNT = "discount"


def _validate(ctx, p):
    if ("percent_off" in p) == ("amount_off" in p):
        raise errors.invalid("You must pass exactly one of percent_off or amount_off.",
                             param="percent_off" if "percent_off" in p else "amount_off")
    if "percent_off" in p and not 0 < p["percent_off"] <= 100:
        raise errors.invalid("Invalid percent_off: must be between 0 and 100.",
                             param="percent_off")
    if "amount_off" in p:
        if "currency" not in p:
            raise errors.missing_param("currency")
        if p["amount_off"] < 1:
            raise errors.invalid("Invalid amount_off: must be at least 1.", param="amount_off")
    duration = p.get("duration", "once")
    if duration == "repeating" and "duration_in_months" not in p:
        raise errors.missing_param("duration_in_months")
    if duration != "repeating" and "duration_in_months" in p:
        raise errors.invalid("duration_in_months can only be set when duration is repeating.",
                             param="duration_in_months")
    if "redeem_by" in p and p["redeem_by"] <= ctx.now:
        raise errors.invalid("redeem_by must be in the future.", param="redeem_by")


@route("POST", "/v1/coupons", params=CouponCreateParams)
def create(ctx):
    p = ctx.params
    _validate(ctx, p)
    coupon_id = p.get("id") or random_token(8)
    if ctx.state.find(coupon_id):
        raise errors.already_exists("Coupon already exists.", param="id")
    coupon = helpers.new_object(
        ctx, KIND, "", obj_id=coupon_id, amount_off=p.get("amount_off"),
        currency=p["currency"].lower() if "currency" in p else None,
        currency_options=p.get("currency_options"), duration=p.get("duration", "once"),
        duration_in_months=p.get("duration_in_months"),
        max_redemptions=p.get("max_redemptions"),
        metadata=helpers.merge_metadata({}, p.get("metadata")), name=p.get("name"),
        percent_off=p.get("percent_off"), redeem_by=p.get("redeem_by"), times_redeemed=0,
        valid=True)
    if "applies_to" in p:
        coupon["_applies_to"] = {"products": p["applies_to"].get("products", [])}
    ctx.state.insert(coupon)
    ctx.emit_event("coupon.created", coupon)
    return coupon


@route("GET", "/v1/coupons/{coupon}", params=CouponRetrieveParams)
def retrieve(ctx):
    return refresh_validity(ctx.state, ctx.state.get(KIND, ctx.path["coupon"]))


@route("POST", "/v1/coupons/{coupon}", params=CouponUpdateParams)
def update(ctx):
    coupon = ctx.state.get(KIND, ctx.path["coupon"])
    before = helpers.snapshot(ctx.state, coupon)
    helpers.set_fields(coupon, ctx.params, ("name", "currency_options"))
    coupon["metadata"] = helpers.merge_metadata(coupon["metadata"], ctx.params.get("metadata"))
    ctx.state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, coupon))
    if changed:
        ctx.emit_event("coupon.updated", coupon, changed)
    return coupon


@route("DELETE", "/v1/coupons/{coupon}", params=CouponDeleteParams)
def delete(ctx):
    coupon = ctx.state.get(KIND, ctx.path["coupon"])
    ctx.state.remove(KIND, coupon["id"])
    ctx.emit_event("coupon.deleted", coupon)
    return helpers.deleted(coupon)


@route("GET", "/v1/coupons", params=CouponListParams)
def list_coupons(ctx):
    items = helpers.filter_created(list(ctx.state.collection(KIND).values()),
                                   ctx.params.get("created"))
    return helpers.list_object(ctx, items, label=KIND)


def refresh_validity(state, coupon):
    expired = coupon["redeem_by"] is not None and state.now() >= coupon["redeem_by"]
    used_up = (coupon["max_redemptions"] is not None
               and coupon["times_redeemed"] >= coupon["max_redemptions"])
    coupon["valid"] = not (expired or used_up)
    return coupon


def apply_discounts(state, specs, customer, param="discounts", **attached):
    """Discount ids for `discounts=[{"coupon": ...} | {"discount": "di_..."}]`.

    `attached` names what the discount belongs to (`invoice=`, `invoice_item=`,
    `subscription=`, `subscription_item=`). Redeeming counts against `max_redemptions`.
    """
    return reapply_discounts(state, specs, (), customer, param, **attached)


def reapply_discounts(state, specs, current, customer, param="discounts", **attached):
    """`apply_discounts`, except that a coupon one of the `current` discount ids already
    applies keeps that discount instead of being redeemed again (a schedule phase update that
    still names the coupon)."""
    if not specs:
        return []
    now = state.now()
    spare = {}
    for did in current:
        discount = state.find(did)
        if discount is not None and (discount["end"] is None or discount["end"] > now):
            spare[did] = (discount_coupon(state, did) or {}).get("id")
    ids = []
    for i, spec in enumerate(specs):
        where = f"{param}[{i}]"
        if len([k for k in ("coupon", "discount", "promotion_code") if k in spec]) != 1:
            raise errors.invalid("Each discount needs exactly one of coupon, discount or "
                                 "promotion_code.", param=where)
        if "promotion_code" in spec:
            raise errors.no_such("promotion code", spec["promotion_code"],
                                 f"{where}[promotion_code]")
        if "discount" in spec:
            ids.append(state.get(DISCOUNT, spec["discount"], param=f"{where}[discount]")["id"])
            continue
        kept = next((did for did, coupon in spare.items() if coupon == spec["coupon"]), None)
        if kept is not None:
            del spare[kept]
            ids.append(kept)
            continue
        ids.append(redeem(state, spec["coupon"], customer, f"{where}[coupon]", **attached)["id"])
    if len(set(ids)) != len(ids):
        raise errors.invalid("The same discount cannot be applied twice.", param=param)
    return ids


def redeem(state, coupon_id, customer, param="coupon", **attached):
    coupon = refresh_validity(state, state.get(KIND, coupon_id, param=param))
    if not coupon["valid"]:
        raise errors.invalid(f"Coupon expired: {coupon_id}", param=param, code="coupon_expired")
    coupon["times_redeemed"] += 1
    refresh_validity(state, coupon)
    now = state.now()
    end = None
    if coupon["duration"] == "repeating":
        end = now + coupon["duration_in_months"] * 30 * 86400
    discount = {"id": state.new_id("di"), "object": DISCOUNT, "checkout_session": None,
                "customer": customer, "customer_account": None, "end": end,
                "invoice": attached.get("invoice"), "invoice_item": attached.get("invoice_item"),
                "promotion_code": None, "source": {"coupon": coupon["id"], "type": "coupon"},
                "start": now, "subscription": attached.get("subscription"),
                "subscription_item": attached.get("subscription_item"),
                "_coupon": helpers.snapshot(state, coupon)}
    return state.insert(discount)


def discount_coupon(state, discount_id):
    """The coupon behind a discount (its snapshot if the coupon was deleted since)."""
    discount = state.find(discount_id)
    if discount is None:
        return None
    return state.find(discount["source"]["coupon"]) or discount.get("_coupon")
