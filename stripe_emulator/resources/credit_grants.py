"""Billing credit grants: prepaid or promotional credit that pays for metered usage.

Credits apply to invoice lines whose price is metered (or listed in the grant's scope),
after discounts, as `pretax_credit_amounts`. Drafts show what would apply; finalizing
consumes the grant and records `billing.credit_balance_transaction` debits.
"""

from stripe.params.billing import (
    CreditBalanceSummaryRetrieveParams,
    CreditBalanceTransactionListParams,
    CreditBalanceTransactionRetrieveParams,
    CreditGrantCreateParams,
    CreditGrantExpireParams,
    CreditGrantListParams,
    CreditGrantRetrieveParams,
    CreditGrantUpdateParams,
    CreditGrantVoidGrantParams,
)

from .. import errors, helpers
from ..routing import route

KIND = "billing.credit_grant"
TXN = "billing.credit_balance_transaction"


def _grant(ctx):
    return ctx.state.get(KIND, ctx.path["id"], label="credit grant")


def _now(state, clock_id):
    """The customer's time: its test clock's, or the emulator clock's."""
    from .subscription_billing import now_for

    return now_for(state, clock_id)


@route("POST", "/v1/billing/credit_grants", params=CreditGrantCreateParams)
def create(ctx):
    p = ctx.params
    if "customer" not in p:
        raise errors.missing_param("customer")
    customer = ctx.state.get("customer", p["customer"], param="customer")
    monetary = p["amount"].get("monetary")
    if monetary is None:
        raise errors.missing_param("amount[monetary]")
    if monetary["value"] <= 0:
        raise errors.invalid("The credit grant amount must be positive.",
                             param="amount[monetary][value]")
    scope = p["applicability_config"]["scope"]
    if ("price_type" in scope) == ("prices" in scope):
        raise errors.invalid("Specify exactly one of price_type or prices in the scope.",
                             param="applicability_config[scope]")
    for i, price in enumerate(scope.get("prices", ())):
        ctx.state.get("price", price["id"], param=f"applicability_config[scope][prices][{i}][id]")
    effective_at = p.get("effective_at", _now(ctx.state, customer["test_clock"]))
    if p.get("expires_at") is not None and p["expires_at"] <= effective_at:
        raise errors.invalid("expires_at must be after effective_at.", param="expires_at")
    grant = helpers.new_object(
        ctx, KIND, "credgr", amount={"monetary": {"currency": monetary["currency"].lower(),
                                                  "value": monetary["value"]},
                                     "type": "monetary"},
        applicability_config={"scope": {"price_type": scope.get("price_type"),
                                        "prices": scope.get("prices")}},
        category=p.get("category", "paid"), customer=customer["id"], customer_account=None,
        effective_at=effective_at, expires_at=p.get("expires_at"),
        metadata=helpers.merge_metadata({}, p.get("metadata")), name=p.get("name"),
        priority=p.get("priority", 50), test_clock=customer["test_clock"], updated=ctx.now,
        voided_at=None, _remaining=monetary["value"])
    ctx.state.insert(grant)
    _ledger(ctx.state, grant, "credit", monetary["value"], None)
    ctx.emit_event("billing.credit_grant.created", grant)
    return grant


@route("GET", "/v1/billing/credit_grants/{id}", params=CreditGrantRetrieveParams)
def retrieve(ctx):
    return _grant(ctx)


@route("POST", "/v1/billing/credit_grants/{id}", params=CreditGrantUpdateParams)
def update(ctx):
    grant = _grant(ctx)
    before = helpers.snapshot(ctx.state, grant)
    if "expires_at" in ctx.params:
        grant["expires_at"] = ctx.params["expires_at"] or None
    grant["metadata"] = helpers.merge_metadata(grant["metadata"], ctx.params.get("metadata"))
    return _updated(ctx, grant, before)


def _updated(ctx, grant, before):
    grant["updated"] = ctx.now
    ctx.state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, grant))
    changed.pop("updated", None)
    if changed:
        ctx.emit_event("billing.credit_grant.updated", grant, changed)
    return grant


@route("POST", "/v1/billing/credit_grants/{id}/expire", params=CreditGrantExpireParams)
def expire(ctx):
    grant = _grant(ctx)
    now = _require_live(ctx, grant)
    before = helpers.snapshot(ctx.state, grant)
    grant["expires_at"] = now
    return _updated(ctx, grant, before)


@route("POST", "/v1/billing/credit_grants/{id}/void", params=CreditGrantVoidGrantParams)
def void(ctx):
    grant = _grant(ctx)
    now = _require_live(ctx, grant)
    before = helpers.snapshot(ctx.state, grant)
    grant["voided_at"] = now
    return _updated(ctx, grant, before)


def _require_live(ctx, grant):
    """The customer's time, if the grant is neither voided nor expired by then."""
    now = _now(ctx.state, grant["test_clock"])
    if grant["voided_at"] is not None or (grant["expires_at"] is not None
                                          and grant["expires_at"] <= now):
        raise errors.invalid("This credit grant is already expired or voided.", param="id")
    return now


@route("GET", "/v1/billing/credit_grants", params=CreditGrantListParams)
def list_grants(ctx):
    items = list(ctx.state.collection(KIND).values())
    if "customer" in ctx.params:
        items = [g for g in items if g["customer"] == ctx.params["customer"]]
    return helpers.list_object(ctx, items, label="credit grant")


def usable(grant, now, currency):
    return (grant["voided_at"] is None and grant["effective_at"] <= now
            and (grant["expires_at"] is None or grant["expires_at"] > now)
            and grant["amount"]["monetary"]["currency"] == currency and grant["_remaining"] > 0)


def _order(grant):
    """Stripe's order: priority, soonest expiry, promotional before paid, effective, created."""
    return (grant["priority"], grant["expires_at"] or 2**62, grant["category"] != "promotional",
            grant["effective_at"], grant["created"])


def _in_scope(state, grant, line):
    details = line["pricing"]["price_details"]
    if not details:
        return False
    scope = grant["applicability_config"]["scope"]
    if scope["prices"]:
        return details["price"] in {p["id"] for p in scope["prices"]}
    price = state.find(details["price"])
    return bool(price and price["recurring"] and price["recurring"]["usage_type"] == "metered")


def apply_credits(state, invoice, remaining, commit=False, now=None):
    """Set each line's `pretax_credit_amounts` from the customer's grants; returns the total.

    `remaining` is each line's amount after discounts (it is reduced in place).
    """
    now = state.now() if now is None else now
    grants = sorted((g for g in state.collection(KIND).values()
                     if g["customer"] == invoice["customer"]
                     and usable(g, now, invoice["currency"])),
                    key=_order)
    available = {g["id"]: g["_remaining"] for g in grants}
    totals, applied = {}, 0
    for line in invoice["_all_lines"]:
        line["pretax_credit_amounts"] = []
        for grant in grants:
            want = min(remaining[line["id"]], available[grant["id"]])
            if want <= 0 or not _in_scope(state, grant, line):
                continue
            txn = _ledger(state, grant, "debit", want, invoice["id"]) if commit else None
            available[grant["id"]] -= want
            remaining[line["id"]] -= want
            applied += want
            line["pretax_credit_amounts"].append(
                {"amount": want, "credit_balance_transaction": txn and txn["id"],
                 "discount": None, "type": "credit_balance_transaction"})
            key = txn["id"] if txn else grant["id"]
            totals[key] = totals.get(key, 0) + want
    if commit:
        for grant in grants:
            grant["_remaining"] = available[grant["id"]]
    invoice["total_pretax_credit_amounts"] = [
        {"amount": a, "credit_balance_transaction": k if k.startswith("cbtxn") else None,
         "discount": None, "type": "credit_balance_transaction"} for k, a in totals.items()]
    return applied


def _ledger(state, grant, kind, amount, invoice_id):
    value = {"monetary": {"currency": grant["amount"]["monetary"]["currency"], "value": amount},
             "type": "monetary"}
    txn = helpers.new_object(
        state, TXN, "cbtxn", credit_grant=grant["id"],
        effective_at=grant["effective_at"] if kind == "credit" else state.now(),
        test_clock=grant["test_clock"], type=kind,
        credit={"amount": value, "type": "credits_granted"} if kind == "credit" else None,
        debit=None if kind == "credit" else {
            "amount": value, "credits_applied": {"invoice": invoice_id, "invoice_line_item": None},
            "type": "credits_applied"},
        _customer=grant["customer"])
    return state.insert(txn)


def restore(state, invoice_id):
    """Give back what a voided invoice consumed."""
    for txn in state.collection(TXN).values():
        debit = txn["debit"]
        if debit and debit["credits_applied"]["invoice"] == invoice_id and not txn.get("_undone"):
            grant = state.find(txn["credit_grant"])
            grant["_remaining"] += debit["amount"]["monetary"]["value"]
            txn["_undone"] = True


@route("GET", "/v1/billing/credit_balance_summary", params=CreditBalanceSummaryRetrieveParams)
def balance_summary(ctx):
    p = ctx.params
    customer = ctx.state.get("customer", p.get("customer"), param="customer")
    grants = [g for g in ctx.state.collection(KIND).values() if g["customer"] == customer["id"]]
    grants = [g for g in grants if _selected(ctx.state, g, p["filter"])]
    now = _now(ctx.state, customer["test_clock"])
    by_currency = {}
    for g in grants:
        cur = g["amount"]["monetary"]["currency"]
        entry = by_currency.setdefault(cur, [0, 0])
        if usable(g, now, cur):
            entry[0] += g["_remaining"]
        if g["voided_at"] is None:
            entry[1] += g["_remaining"]
    balances = [{"available_balance": _money(cur, a), "ledger_balance": _money(cur, led)}
                for cur, (a, led) in by_currency.items()]
    return {"object": "billing.credit_balance_summary", "balances": balances,
            "customer": customer["id"], "customer_account": None, "livemode": False}


def _selected(state, grant, f):
    """Whether the summary's `filter` takes `grant`: the one grant, or the grants that apply to
    the scope (a `price_type` filter takes `price_type` grants; a `prices` filter takes grants
    naming one of those prices and `price_type=metered` grants when a price is metered)."""
    if f["type"] == "credit_grant":
        if "credit_grant" not in f:
            raise errors.missing_param("filter[credit_grant]")
        return grant["id"] == f["credit_grant"]
    scope = f.get("applicability_scope")
    if not scope or ("price_type" in scope) == ("prices" in scope):
        raise (errors.missing_param("filter[applicability_scope]") if not scope else
               errors.invalid("Specify exactly one of price_type or prices in the scope.",
                              param="filter[applicability_scope]"))
    own = grant["applicability_config"]["scope"]
    if "price_type" in scope:
        return own["price_type"] == scope["price_type"]
    wanted = {price["id"] for price in scope["prices"]}
    if own["prices"]:
        return bool(wanted & {price["id"] for price in own["prices"]})
    return any(price and price["recurring"] and price["recurring"]["usage_type"] == "metered"
               for price in map(state.find, wanted))


def _money(currency, value):
    return {"monetary": {"currency": currency, "value": value}, "type": "monetary"}


@route("GET", "/v1/billing/credit_balance_transactions",
       params=CreditBalanceTransactionListParams)
def list_transactions(ctx):
    p = ctx.params
    items = list(ctx.state.collection(TXN).values())
    if "customer" in p:
        items = [t for t in items if t["_customer"] == p["customer"]]
    if "credit_grant" in p:
        items = [t for t in items if t["credit_grant"] == p["credit_grant"]]
    return helpers.list_object(ctx, items, label="credit balance transaction")


@route("GET", "/v1/billing/credit_balance_transactions/{id}",
       params=CreditBalanceTransactionRetrieveParams)
def retrieve_transaction(ctx):
    return ctx.state.get(TXN, ctx.path["id"], label="credit balance transaction")
