"""Every Stripe write's idempotency key and parameters, pure, so every press plans the same calls.

Annual plan rows (their buttons, Start over, the customer made from a row, the credit grant when
the up-front invoice is paid), customers' coupons and prices, the catalog bootstrap and bespoke
prices: a key is made here from what identifies the write, so a double click, a retry or a crash
replays the first write instead of making a second object.

Dates are contract dates at 00:00 UTC. Every annual plan object carries `annual_plan_step`
metadata (its idempotency key), so it can be found again after Stripe forgets the key (24 h).
"""
from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from app.billing.contract_result import due_date

FIRST_YEAR_MONTHS = 12


@dataclass(frozen=True)
class PlannedCall:
    """One Stripe write: what it makes, its parameters and its idempotency key."""

    step: str  # stable name within the action, e.g. "item.session_replay"
    verb: str  # gateway method
    summary: str
    params: dict
    key: str
    target: str | None = None  # an object id the call acts on, when it is not a create

    def as_dict(self) -> dict:
        return {"step": self.step, "verb": self.verb, "summary": self.summary, "params": self.params,
                "key": self.key, "target": self.target}


@dataclass
class WritePlan:
    action: str
    calls: list[PlannedCall] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    summary: str = ""  # the calls in words, first thing a person reads (app/billing/write_plan_words.py)
    context: dict = field(default_factory=dict)  # names the planner found for the summary (price names, the invoice)

    @property
    def fingerprint(self) -> str:
        """Sent back on confirm: the row is re-planned, and must plan the very same calls."""
        import hashlib
        import json

        body = json.dumps([c.as_dict() for c in self.calls], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def unix(day: date) -> int:
    return calendar.timegm(datetime(day.year, day.month, day.day, tzinfo=UTC).timetuple())


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Keys

def step_key(plan_id: int, attempt: int, action: str, step: str) -> str:
    """A step of a row's Stripe button (or of Start over, or the credit grant) in this attempt;
    Start over begins a new attempt, so the buttons then make new objects."""
    return f"annual-plan-{plan_id}-a{attempt}-{action}-{step}"


def credit_grant_key(plan, invoice_id: str) -> str:
    return step_key(plan.id, plan.stripe_attempt, "credit", invoice_id)


def renewal_key(plan, year_number: int, step: str) -> str:
    """A later contract year's write (its draft invoice, lines, finalize, send) in this attempt."""
    return step_key(plan.id, plan.stripe_attempt, f"year{year_number}", step)


def row_customer_key(plan) -> str:
    """The Stripe customer created from a row, once per row version."""
    return f"annual-plan-{plan.id}-v{plan.version}-create-customer"


def customer_change_key(customer, what: str) -> str:
    """A change to a customer's subscription, once per customer version: a later, deliberate
    repeat (the version moved on) is a new write."""
    return f"customer-{customer.id}-v{customer.version}-{what}"


def customer_details_key(customer, stripe_customer_id: str, writes_so_far: int, what: str) -> str:
    """A change to a Stripe customer's addresses or tax ids: once per version of our record of it
    (`customer_change_key`). A row's customer before go-live has no record: the number of our earlier
    writes to that Stripe customer stands in for the version, so setting A, then B, then A again writes thrice."""
    if customer is not None:
        return customer_change_key(customer, what)
    return f"stripe-customer-{stripe_customer_id}-w{writes_so_far}-{what}"


def details_change(kind: str, value) -> str:
    """`kind` and a digest of the new value (`kind-clear` for none): a different value is a different write."""
    if value is None:
        return f"{kind}-clear"
    return f"{kind}-{hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]}"


def catalog_key(kind: str, key: str) -> str:
    """A catalog object (product, meter, price) bootstrap creates from config/billing.toml."""
    return f"catalog-{kind}-{key}"


def bespoke_price_key(product_key: str, params: dict) -> str:
    """A hash of the parameters: confirming makes exactly the previewed price, once."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:24]
    return f"bespoke-price-{product_key}-{digest}"


# Annual plan rows


METADATA_VALUE_LIMIT = 500  # Stripe's longest metadata value


def organisation_metadata(organisation_ids: list[str]) -> dict:
    """What a Stripe customer carries so it can be matched to the organisations it bills:
    `organisation_id` (the first, as the product reads it) and `organisation_ids` (all, comma-separated)."""
    return {"organisation_id": organisation_ids[0], "organisation_ids": ",".join(organisation_ids)}


def customer_metadata_params(plan, key: str) -> dict:
    return {"metadata": {**organisation_metadata(plan.organization_ids), "annual_plan_id": str(plan.id),
                         "annual_plan_step": key}}


def invoice_params(plan, key: str) -> dict:
    return {
        "customer": plan.stripe_customer_id,
        "currency": plan.currency,  # the contract's: Stripe would otherwise take the customer's
        "collection_method": "send_invoice",
        "due_date": unix(due_date(plan.start_date, plan.payment_terms_days)),
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "discounts": "",  # the up-front fee is never reduced by a customer discount
        "description": f"{plan.company}: annual plan, first contract year from {plan.start_date.isoformat()}",
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id, "annual_plan_step": key},
    }


def first_year(plan) -> dict:
    return {"start": unix(plan.start_date), "end": unix(add_months(plan.start_date, FIRST_YEAR_MONTHS))}


def upfront_line(plan, line, product_id: str, product_name: str, currency: str, key: str) -> dict:
    """One up-front line for `add_lines`: the product's annual fee over the first contract year."""
    return {
        "price_data": {"currency": currency, "product": product_id, "unit_amount": line.upfront_amount_cents},
        "period": first_year(plan),
        "description": f"{product_name}: up-front annual fee",
        "metadata": {"annual_plan_id": str(plan.id), "product_key": line.product_key,
                     "annual_plan_step": f"{key}.{line.product_key}"},
    }


def monthly_split(cents: int, months: int) -> tuple[int, int]:
    """(base, remainder): the first `remainder` months carry one cent more, so months sum exactly."""
    return divmod(cents, months)


def amortization_metadata(plan, key_prefix: str = "amortize") -> dict:
    """Revenue-tracking metadata: the first year's fee spread over twelve months, per product."""
    meta = {
        key_prefix: "true",
        f"{key_prefix}_start": plan.start_date.isoformat(),
        f"{key_prefix}_end": add_months(plan.start_date, FIRST_YEAR_MONTHS).isoformat(),
        f"{key_prefix}_months": str(FIRST_YEAR_MONTHS),
    }
    for line in plan.lines:
        if line.included and line.upfront_amount_cents:
            base, remainder = monthly_split(line.upfront_amount_cents, FIRST_YEAR_MONTHS)
            meta[f"monthly_cents_{line.product_key}"[:40]] = str(base)
            if remainder:
                meta[f"monthly_extra_{line.product_key}"[:40]] = f"{remainder} first month(s) +1"
    return meta


def phase_duration(term_months: int) -> dict:
    if term_months % 12 == 0:
        return {"interval": "year", "interval_count": term_months // 12}
    return {"interval": "month", "interval_count": term_months}


def schedule_params(plan, price_ids: list[str], coupon_id: str | None, key: str) -> dict:
    phase = {
        "items": [{"price": price_id} for price_id in price_ids],
        "currency": plan.currency,  # Standard/Free prices bill in it through their currency_options
        "duration": phase_duration(plan.term_months),
        "collection_method": "send_invoice",
        "invoice_settings": {"days_until_due": plan.payment_terms_days},
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id},
    }
    if coupon_id:
        phase["discounts"] = [{"coupon": coupon_id}]
    return {
        "customer": plan.stripe_customer_id,
        "start_date": unix(plan.start_date),
        "end_behavior": "release",
        "phases": [phase],
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id, "annual_plan_step": key},
    }


def coupon_params(plan, coupon_id: str) -> dict:
    percent: Decimal = plan.credit_discount_percent
    return {"id": coupon_id, "percent_off": format(percent, "f"), "duration": "forever",
            "name": f"{plan.company} credit discount {format(percent.normalize(), 'f')}%"[:40],
            "metadata": {"annual_plan_id": str(plan.id), "annual_plan_step": coupon_id}}


# The customer's credit discount

CREDIT_DISCOUNT_PREFIX = "credit-discount-"
ROW_DISCOUNT_COUPON = re.compile(r"annual-plan-\d+-a\d+-schedule-discount")  # step_key(..., "schedule", "discount")


def credit_discount_coupon_id(percent: Decimal) -> str:
    """One coupon per percent, shared by every customer at that percent: 15 -> credit-discount-15,
    12.5 -> credit-discount-12_5 (an underscore for the point, so the id stays a plain token)."""
    return CREDIT_DISCOUNT_PREFIX + format(percent.normalize(), "f").replace(".", "_")


def credit_discount_coupon_key(percent: Decimal) -> str:
    """Created once, whoever asks first: a second customer at the same percent finds it."""
    return f"coupon-{credit_discount_coupon_id(percent)}"


def credit_discount_coupon_params(percent: Decimal) -> dict:
    text = format(percent.normalize(), "f")
    return {"id": credit_discount_coupon_id(percent), "percent_off": text, "duration": "forever",
            "name": f"Credit discount {text}%", "metadata": {"credit_discount_percent": text}}


def is_credit_discount_coupon(coupon_id: str | None) -> bool:
    """Ours (the customer's credit-discount-N) or an annual plan row's schedule coupon: the contract's
    credit discount, which the customer's percent replaces; any other coupon is promotional."""
    return bool(coupon_id) and (coupon_id.startswith(CREDIT_DISCOUNT_PREFIX)
                                or ROW_DISCOUNT_COUPON.fullmatch(coupon_id) is not None)


def credit_grant_params(plan, invoice: dict, now_unix: int) -> dict:
    """The paid up-front fee as a billing credit on metered prices, expiring with the contract year."""
    return {"customer": plan.stripe_customer_id, "name": f"{plan.company}: prepaid annual credit",
            "category": "paid", "amount": {"type": "monetary", "monetary": {
                "currency": invoice.get("currency", "usd"), "value": invoice["amount_paid"]}},
            "applicability_config": {"scope": {"price_type": "metered"}},
            "effective_at": max(unix(plan.start_date), now_unix),
            "expires_at": unix(add_months(plan.start_date, FIRST_YEAR_MONTHS)),
            "metadata": {"annual_plan_id": str(plan.id), "invoice_id": invoice["id"]}}


# The catalog

FREE_TIERS = [{"up_to": "inf", "unit_amount_decimal": "0"}]


def price_lookup_key(product_key: str, variant: str) -> str:
    return f"{product_key}_{variant}"


def product_params(catalog, product) -> dict:
    params = {"name": product.name, "metadata": {catalog.product_key_metadata: product.key}}
    if product.unit_label:
        params["unit_label"] = product.unit_label
    return params


def meter_params(product) -> dict:
    return {"display_name": product.name, "event_name": product.meter_event,
            "default_aggregation": {"formula": product.aggregation},
            "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
            "value_settings": {"event_payload_key": "value"}}


def price_currency_options(catalog, product, variant: str) -> dict:
    """A default price's amounts in each supported currency other than the catalog's: the product's
    tiers in that currency for Standard, nothing to pay for Free."""
    if variant == "free":
        return {code: {"tiers": FREE_TIERS} for code in catalog.other_currencies}
    return {code: {"tiers": [t.as_stripe() for t in product.currency_tiers[code]]}
            for code in catalog.other_currencies}


def same_tiers(option: dict | None, tiers: list[dict]) -> bool:
    """Stripe's rendering of a currency option's tiers (up_to None for the last) against ours."""
    if not option or not option.get("tiers"):
        return False
    found = [("inf" if t.get("up_to") is None else t["up_to"], Decimal(str(t.get("unit_amount_decimal") or 0)))
             for t in option["tiers"]]
    return found == [(t["up_to"], Decimal(t["unit_amount_decimal"])) for t in tiers]


def currency_options_key(lookup_key: str, options: dict) -> str:
    """The amounts added to an existing default price: a different set of amounts is a different write."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()[:16]
    return f"catalog-price-{lookup_key}-currency-options-{digest}"


def metered_price_params(catalog, product, product_id: str, meter_id: str, tiers: list[dict], nickname: str,
                         lookup_key: str | None = None, metadata: dict | None = None,
                         currency: str | None = None) -> dict:
    """A metered graduated price, in the catalog's currency unless `currency` (a contract's) is given."""
    params = {"product": product_id, "currency": currency or catalog.currency, "nickname": nickname,
              "billing_scheme": "tiered", "tiers_mode": "graduated", "tiers": tiers,
              "recurring": {"interval": "month", "usage_type": "metered", "meter": meter_id},
              "metadata": {catalog.product_key_metadata: product.key, **(metadata or {})}}
    if lookup_key:
        params["lookup_key"] = lookup_key
    return params


# Startup plans

def startup_metadata_params(expires_on: date | None) -> dict:
    """The handbook's startup metadata on the Stripe customer; None marks the plan as ended."""
    if expires_on is None:
        return {"metadata": {"is_startup_plan_customer": "false"}}
    return {"metadata": {"is_startup_plan_customer": "true", "credit_expires_at": expires_on.isoformat()}}


def startup_credit_params(stripe_customer_id: str, customer_id: int, cents: int, currency: str,
                          expires_on: date) -> dict:
    """The startup credit as a promotional billing credit on metered prices, gone at 00:00 UTC on its expiry date."""
    return {"customer": stripe_customer_id, "name": "Startup plan credit", "category": "promotional",
            "amount": {"type": "monetary", "monetary": {"currency": currency, "value": cents}},
            "applicability_config": {"scope": {"price_type": "metered"}},
            "expires_at": unix(expires_on),
            "metadata": {"customer_id": str(customer_id), "startup_plan": "true"}}


def item_prices_params(moves: list[tuple[str, str]]) -> dict:
    """Items onto other prices at once, without proration: [(item id, price id), ...]."""
    return {"items": [{"id": item, "price": price} for item, price in moves], "proration_behavior": "none"}


# Customers' addresses and tax ids

def address_params(address: dict | None) -> dict:
    """The whole billing address, "" to remove it. Stripe replaces the address as a whole and refuses ""
    for one of its fields, so blank fields are left out."""
    return {"address": _filled(address) if address else ""}


def shipping_params(shipping: dict | None) -> dict:
    return {"shipping": {"name": shipping["name"], "address": _filled(shipping["address"])} if shipping else ""}


def _filled(address: dict) -> dict:
    return {k: v for k, v in address.items() if v}
