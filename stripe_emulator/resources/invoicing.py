"""Invoice building blocks shared by the invoice routes and by subscriptions/previews.

An invoice keeps every line in the private `_all_lines`; `lines` is Stripe's embedded list
(first 10, `has_more`, `total_count`). Invoice items own their lines: editing an item
re-renders its line. `recompute` derives discounts, credits and totals from the lines.
"""

from __future__ import annotations

from .. import billing, errors, helpers
from ..state import random_token
from . import coupons, credit_grants

KIND = "invoice"
LINE = "line_item"
MAX_LINES = 250
EMBEDDED_LINES = 10
DAY = 86400


def get_invoice(state, invoice_id, param="invoice"):
    return state.get(KIND, invoice_id, param=param)


def require_draft(invoice, what="edit"):
    if invoice["status"] != "draft":
        raise errors.invalid(
            f"You can only {what} a draft invoice; invoice {invoice['id']} is "
            f"{invoice['status']}.", code="invoice_not_editable")


def customer_fields(state, customer):
    """The customer details an invoice copies (frozen at finalization)."""
    tax_ids = [{"type": t["type"], "value": t["value"]}
               for t in state.collection("tax_id").values() if t["customer"] == customer["id"]]
    return {"customer_address": customer["address"], "customer_email": customer["email"],
            "customer_name": customer["name"], "customer_phone": customer["phone"],
            "customer_shipping": customer["shipping"],
            "customer_tax_exempt": customer["tax_exempt"], "customer_tax_ids": tax_ids}


def create_invoice(state, customer, *, collection_method="charge_automatically",
                   currency=None, days_until_due=None, due_date=None, auto_advance=False,
                   billing_reason="manual", subscription=None, subscription_metadata=None,
                   period_start=None, period_end=None, now=None, store=True, **fields):
    """A draft invoice for `customer` (a stored customer dict), as of `now` (default: the
    emulator clock); no event. `store=False` builds it without storing or scheduling it
    (previews)."""
    now = state.now() if now is None else now
    invoice_id = state.new_id("in")
    invoice = helpers.new_object(
        state, KIND, "in", obj_id=invoice_id, created=now, account_country="US",
        account_name="Billing Console (Stripe emulator)", account_tax_ids=None, amount_due=0,
        amount_overpaid=0, amount_paid=0, amount_paid_off_stripe=0, amount_remaining=0,
        amount_shipping=0, application=None, attempt_count=0, attempted=False,
        auto_advance=auto_advance,
        automatic_tax={"disabled_reason": None, "enabled": False, "liability": None,
                       "provider": None, "status": None},
        automatically_finalizes_at=now + 3600 if auto_advance else None,
        billing_reason=billing_reason, collection_method=collection_method,
        confirmation_secret=None, currency=currency or customer["currency"] or "usd",
        custom_fields=None, customer=customer["id"], customer_account=None,
        **customer_fields(state, customer), default_payment_method=None, default_source=None,
        default_tax_rates=[], description=None, discounts=[],
        due_date=due_date if due_date is not None else
        (now + days_until_due * DAY if days_until_due is not None else None),
        effective_at=None, ending_balance=None, footer=None, from_invoice=None,
        hosted_invoice_url=None, invoice_pdf=None, issuer={"type": "self"},
        last_finalization_error=None, latest_revision=None,
        lines={"object": "list", "data": [], "has_more": False, "total_count": 0,
               "url": f"/v1/invoices/{invoice_id}/lines"},
        metadata={}, next_payment_attempt=None, number=None, on_behalf_of=None,
        parent=None, payment_settings={"default_mandate": None, "payment_method_options": None,
                                       "payment_method_types": None},
        period_end=period_end if period_end is not None else now,
        period_start=period_start if period_start is not None else now,
        post_payment_credit_notes_amount=0, pre_payment_credit_notes_amount=0,
        receipt_number=None, rendering=None, shipping_cost=None, shipping_details=None,
        starting_balance=0, statement_descriptor=None, status="draft",
        status_transitions={"finalized_at": None, "marked_uncollectible_at": None,
                            "paid_at": None, "voided_at": None},
        subtotal=0, subtotal_excluding_tax=0, test_clock=customer["test_clock"],
        threshold_reason=None, total=0, total_discount_amounts=[], total_excluding_tax=0,
        total_pretax_credit_amounts=[], total_taxes=[], webhooks_delivered_at=None,
        _all_lines=[], _days_until_due=days_until_due)
    if subscription is not None:
        invoice["parent"] = {"quote_details": None, "type": "subscription_details",
                             "subscription_details": {"metadata": subscription_metadata or {},
                                                      "subscription": subscription}}
    invoice.update(fields)
    if not store:
        return invoice
    state.insert(invoice)
    schedule_auto_finalize(state, invoice)
    return invoice


_AUTO = "auto_finalize"


def _auto_index(state):
    """`{clock_id or "": {invoice_id: automatically_finalizes_at}}` of drafts waiting to
    auto-finalize (built from the invoices once if a loaded state predates it)."""
    space = state.extras.get(_AUTO)
    if space is None:
        space = state.extras[_AUTO] = {}
        for invoice in state.collection(KIND).values():
            _index(space, invoice)
    return space


def _index(space, invoice):
    entries = space.setdefault(invoice.get("test_clock") or "", {})
    due = invoice.get("automatically_finalizes_at")
    if invoice["status"] == "draft" and invoice["auto_advance"] and due:
        entries[invoice["id"]] = due
    else:
        entries.pop(invoice["id"], None)


def schedule_auto_finalize(state, invoice):
    """(Re)index `invoice` after its status, `auto_advance` or `automatically_finalizes_at`
    changed (`create_invoice` and `finalize_invoice` do it)."""
    _index(_auto_index(state), invoice)


def due_drafts(state, clock_id, until):
    """Drafts on `clock_id` (None: the emulator clock) due to auto-finalize by `until`, in
    creation order; entries of invoices no longer waiting are dropped."""
    entries = _auto_index(state).get(clock_id or "")
    if not entries:
        return []
    invoices = state.collection(KIND)
    out = []
    for invoice_id, due in list(entries.items()):
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice["status"] != "draft" or not invoice["auto_advance"] \
                or invoice["automatically_finalizes_at"] != due:
            del entries[invoice_id]
        elif due <= until:
            out.append(invoice)
    return out


def subscription_of(invoice):
    parent = invoice["parent"] or {}
    return (parent.get("subscription_details") or {}).get("subscription")


def make_line(state, invoice, *, amount, price=None, quantity=1, description=None,
              period=None, discounts=(), metadata=None, discountable=True, parent=None,
              unit_amount_decimal=None):
    """An invoice line dict (not yet attached). `parent` defaults to a bare invoice item."""
    now = state.now()
    pricing = {"price_details": None, "type": "price_details",
               "unit_amount_decimal": unit_amount_decimal}
    if price is not None:
        pricing["price_details"] = {"price": price["id"], "product": price["product"]}
        pricing["unit_amount_decimal"] = unit_amount_decimal or price["unit_amount_decimal"]
    return {"id": state.new_id("il"), "object": LINE, "amount": amount,
            "currency": invoice["currency"], "description": description,
            "discount_amounts": [], "discountable": discountable, "discounts": list(discounts),
            "invoice": invoice["id"], "livemode": False, "metadata": metadata or {},
            "parent": parent, "period": period or {"end": now, "start": now},
            "pretax_credit_amounts": [], "pricing": pricing, "quantity": quantity,
            "quantity_decimal": str(quantity), "subscription": subscription_of(invoice),
            "subtotal": amount, "taxes": []}


def add_line(state, invoice, line):
    """Attach `line` and recompute totals; the invoice must be a draft with room left."""
    require_draft(invoice, "add lines to")
    if len(invoice["_all_lines"]) >= MAX_LINES:
        raise errors.invalid(f"An invoice can have at most {MAX_LINES} line items.",
                             param="lines")
    invoice["_all_lines"].append(line)
    recompute(state, invoice)
    return line


def item_line(state, invoice, item, line_id=None):
    price = state.find(item["pricing"]["price_details"]["price"]) if item["pricing"][
        "price_details"] else None
    parent = {"invoice_item_details": {"invoice_item": item["id"], "proration": False,
                                       "proration_details": {"credited_items": None},
                                       "subscription": item["parent"] and item["parent"].get(
                                           "subscription_details", {}).get("subscription")},
              "subscription_item_details": None, "type": "invoice_item_details"}
    line = make_line(state, invoice, amount=item["amount"], price=price,
                     quantity=item["quantity"], description=item["description"],
                     period=dict(item["period"]), discounts=item["discounts"],
                     metadata=dict(item["metadata"]), discountable=item["discountable"],
                     parent=parent, unit_amount_decimal=item["pricing"]["unit_amount_decimal"])
    if line_id:
        line["id"] = line_id
    return line


def line_of_item(invoice, item_id):
    for line in invoice["_all_lines"]:
        details = (line["parent"] or {}).get("invoice_item_details") or {}
        if details.get("invoice_item") == item_id:
            return line
    return None


def sync_item(state, item):
    """Put (or refresh) an attached invoice item's line on its draft invoice."""
    invoice = get_invoice(state, item["invoice"])
    current = line_of_item(invoice, item["id"])
    if current is None:
        add_line(state, invoice, item_line(state, invoice, item))
        return
    require_draft(invoice)
    lines = invoice["_all_lines"]
    lines[lines.index(current)] = item_line(state, invoice, item, current["id"])
    recompute(state, invoice)


def detach_item(state, item):
    invoice = get_invoice(state, item["invoice"])
    require_draft(invoice)
    line = line_of_item(invoice, item["id"])
    if line is not None:
        invoice["_all_lines"].remove(line)
    recompute(state, invoice)


def recompute(state, invoice, commit_credits=False, now=None):
    """Discounts (line, then invoice level), pretax credits (grants usable at `now`, default
    the emulator clock) and totals from the lines."""
    lines = invoice["_all_lines"]
    remaining = {}
    totals = {}
    for line in lines:
        line["discount_amounts"] = []
        remaining[line["id"]] = line["amount"]
        for did in line["discounts"]:
            _take(state, line, did, remaining, totals, invoice["currency"])
    for did in invoice["discounts"]:
        _invoice_discount(state, invoice, did, remaining, totals)
    credits = credit_grants.apply_credits(state, invoice, remaining, commit_credits, now)
    subtotal = sum(line["amount"] for line in lines)
    discount_total = sum(totals.values())
    total = subtotal - discount_total - credits
    invoice.update(subtotal=subtotal, subtotal_excluding_tax=subtotal, total=total,
                   total_excluding_tax=total,
                   total_discount_amounts=[{"amount": a, "discount": d}
                                           for d, a in totals.items()])
    if invoice["status"] == "draft":
        invoice["amount_due"] = max(0, total)
        invoice["amount_remaining"] = invoice["amount_due"]
    invoice["lines"] = {"object": "list", "data": lines[:EMBEDDED_LINES],
                        "has_more": len(lines) > EMBEDDED_LINES, "total_count": len(lines),
                        "url": f"/v1/invoices/{invoice['id']}/lines"}
    state.touch()
    return invoice


def _take(state, line, did, remaining, totals, currency):
    coupon = coupons.discount_coupon(state, did)
    amount = 0
    if coupon is not None and _applies(coupon, line):
        amount = billing.coupon_amount(coupon, remaining[line["id"]], currency)
    remaining[line["id"]] -= amount
    line["discount_amounts"].append({"amount": amount, "discount": did})
    totals[did] = totals.get(did, 0) + amount


def _applies(coupon, line):
    products = (coupon.get("_applies_to") or {}).get("products")
    if not products:
        return True
    details = line["pricing"]["price_details"]
    return bool(details) and details["product"] in products


def _invoice_discount(state, invoice, did, remaining, totals):
    coupon = coupons.discount_coupon(state, did)
    eligible = [line for line in invoice["_all_lines"]
                if line["discountable"] and coupon is not None and _applies(coupon, line)]
    if coupon is not None and coupon.get("amount_off") is not None and eligible:
        base = sum(max(0, remaining[line["id"]]) for line in eligible)
        total = billing.coupon_amount(coupon, base, invoice["currency"])
        shares = billing.allocate(total, [max(0, remaining[line["id"]]) for line in eligible])
    else:
        shares = [billing.coupon_amount(coupon, remaining[line["id"]], invoice["currency"])
                  for line in eligible]
    totals.setdefault(did, 0)
    for line, share in zip(eligible, shares, strict=True):
        remaining[line["id"]] -= share
        line["discount_amounts"].append({"amount": share, "discount": did})
        totals[did] += share


def number_for(state, customer):
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    return f"{customer['invoice_prefix']}-{sequence:04d}"


def hosted_urls(invoice):
    token = random_token(40)
    return {"hosted_invoice_url": f"https://invoice.stripe.com/i/acct_emulator/test_{token}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/acct_emulator/test_{token}/pdf"}
