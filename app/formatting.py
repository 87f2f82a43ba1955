"""How numbers and dates read on the pages: money from integer minor units, Stripe's timestamps as dates."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision

MONEY_LOCALE = "en_US"  # the team reads $102,500.00 and €18,000.00 the same way on every page


def major_units(minor, currency: str = "usd") -> Decimal:
    """Stripe's minor units (cents; yen have none) as an exact Decimal of the currency's major unit."""
    return Decimal(minor).scaleb(-get_currency_precision(currency.upper()))


def money(minor, currency: str | None = "usd") -> str:
    """An amount in minor units (int, or Decimal for fractions of a cent) as people read it in its currency,
    rounded half up to what the currency shows; never through a float."""
    if minor is None:
        return "—"
    code = (currency or "usd").upper()
    amount = major_units(minor, code).quantize(Decimal(1).scaleb(-get_currency_precision(code)), ROUND_HALF_UP)
    return format_currency(amount, code, locale=MONEY_LOCALE)


def unit_price(minor, currency: str | None = "usd") -> str:
    """A per-unit price in minor units, every decimal kept ("$0.004" for 0.4 cents)."""
    if minor is None:
        return "—"
    code = (currency or "usd").upper()
    return format_currency(major_units(minor, code), code, locale=MONEY_LOCALE, decimal_quantization=False)


def tiers_text(tiers: list[dict], currency: str | None = "usd") -> list[str]:
    """Stripe's price tiers as people read them: "up to 1,000,000: $0.00004 each", …, "above 50,000,000: …"."""
    texts, previous = [], 0
    for tier in tiers:
        last = tier.get("up_to") in (None, "inf")
        bound = f"above {previous:,}" if last else f"up to {int(tier['up_to']):,}"
        previous = previous if last else int(tier["up_to"])
        unit = next((tier[k] for k in ("unit_amount_decimal", "unit_amount") if tier.get(k) is not None), 0)
        flat = next((tier[k] for k in ("flat_amount_decimal", "flat_amount") if tier.get(k) is not None), 0)
        text = f"{bound}: {unit_price(Decimal(str(unit)), currency)} each"
        texts.append(text + (f" + {money(Decimal(str(flat)), currency)} flat" if Decimal(str(flat)) else ""))
    return texts


# What people call what the code keys: billing configurations and features (job kinds have their titles in
# app/jobs/kinds.py, fields theirs in app/billing/plan_fields.py). Unlisted keys read as their words.
LABELS = {
    "configuration": {"free": "Free", "paid": "Paid", "startup": "Startup", "enterprise_yearly": "Enterprise yearly",
                      "enterprise_amortized": "Enterprise amortized"},
    "feature": {"data_retention_1y": "Data retention: 1 year", "data_retention_7y": "Data retention: 7 years",
                "paths_advanced": "Advanced paths", "console_logs": "Console logs"},
}


def label(key: str | None, kind: str) -> str:
    """A configuration or feature key as people read it: "enterprise_yearly" -> "Enterprise yearly"."""
    if not key:
        return ""
    return LABELS.get(kind, {}).get(key) or key.replace("_", " ").capitalize()


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """"1 call", "2 calls": never "call(s)"."""
    return f"{count:,} {noun if count == 1 else plural_form or noun + 's'}"


def limit_dollars(cents) -> str:
    """A stored limit as the text its input shows."""
    return "" if cents is None else format(Decimal(cents) / 100, "f").removesuffix(".00")


def date_from_unix(value) -> str:
    """Stripe's unix timestamps as the UTC date people compare with the contract."""
    return datetime.fromtimestamp(int(value), UTC).date().isoformat() if value is not None else ""


STRIPE_DASHBOARD_PATHS = {"in": "invoices", "cus": "customers", "price": "prices", "sub": "subscriptions",
                          "prod": "products", "credgr": "billing/credit-grants"}


def stripe_dashboard_url(object_id: str, live: bool) -> str | None:
    """Where a person opens a Stripe object (test or live dashboard); None for a kind it has no page for."""
    path = STRIPE_DASHBOARD_PATHS.get(object_id.split("_")[0])
    return f"https://dashboard.stripe.com/{'' if live else 'test/'}{path}/{object_id}" if path else None


# What a spreadsheet may read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


def spreadsheet_cell(value):
    """A CSV cell that a spreadsheet shows as written and never runs: text that could start a formula
    gets a leading ', numbers stay numbers (ints, Decimals, and text that is exactly a negative decimal
    such as "-12.50", which a spreadsheet reads as that number)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        text = str(value)
        if text.startswith(FORMULA_STARTS) and not _NEGATIVE_NUMBER.fullmatch(text):
            return "'" + text
        return text
    return value


def spreadsheet_row(values) -> list:
    """Every cell of a CSV row through `spreadsheet_cell`; lists become space-separated text first."""
    return [spreadsheet_cell(" ".join(map(str, v)) if isinstance(v, list | tuple) else v) for v in values]


def init_app(app) -> None:
    live = str(app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live", "rk_live"))
    app.jinja_env.globals.update(money=money, unit_price=unit_price, plural=plural, tiers_text=tiers_text, limit_dollars=limit_dollars,
                                 stripe_link=lambda object_id: stripe_dashboard_url(object_id, live))
    app.add_template_filter(date_from_unix, "datetime_utc")
    app.add_template_filter(money, "money")
    app.add_template_filter(label, "label")
    app.add_template_filter(unit_price, "unit_price")
