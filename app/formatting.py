"""How numbers and dates read on the pages: money from integer minor units, Stripe's timestamps as dates."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision
from markupsafe import Markup

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
    precision, symbol = _currency_form(code)
    if symbol is not None and type(minor) is int:  # whole minor units: exact in integers, ~5x faster than Decimal
        whole, part = divmod(abs(minor), 10 ** precision)
        return ("-" if minor < 0 else "") + symbol + f"{whole:,}" + (f".{part:0{precision}d}" if precision else "")
    amount = Decimal(minor).scaleb(-precision).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
    if symbol is None:  # a locale pattern other than "¤#,##0.00": Babel lays it out
        return format_currency(amount, code, locale=MONEY_LOCALE)
    return ("-" if amount < 0 else "") + symbol + format(abs(amount), f",.{precision}f")


@lru_cache(maxsize=64)
def _currency_form(code: str) -> tuple[int, str | None]:
    """The currency's decimals and, when the locale writes it as sign, symbol, grouped digits ("-$1,234.50",
    "CHF12.50"), its symbol: Babel's answer kept per currency, since laying out each amount through Babel costs
    ~75 µs and a revenue page shows hundreds."""
    precision = get_currency_precision(code)
    sample = Decimal(-1234567).scaleb(-precision)
    shown = format_currency(sample, code, locale=MONEY_LOCALE)
    symbol = shown[1:].split("1", 1)[0] if shown.startswith("-") else None
    expected = f"-{symbol}" + format(abs(sample), f",.{precision}f") if symbol is not None else None
    return precision, symbol if shown == expected else None


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


def billing_period(recurring: dict | None) -> str:
    """How often a price bills, as read after its amount: "a month", "every 3 months", "per unit" (metered)."""
    if not recurring:
        return ""
    if recurring.get("usage_type") == "metered":
        return "per unit"
    count, interval = recurring.get("interval_count") or 1, recurring.get("interval") or "period"
    return f"a {interval}" if count == 1 else f"every {count} {interval}s"


def sentence(text: str | None) -> str:
    """The first letter made a capital and the rest left alone (Jinja's capitalize writes "stripe")."""
    return text[:1].upper() + text[1:] if text else ""


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
                          "sub_sched": "subscription_schedules", "prod": "products", "credgr": "billing/credit-grants",
                          "evt": "events", "mtr": "billing/meters"}
PANDADOC_DOCUMENT_URL = "https://app.pandadoc.com/a/#/documents/{document_id}"


def stripe_dashboard_url(object_id: str, live: bool, path: str | None = None) -> str | None:
    """Where a person opens a Stripe object (test or live dashboard); None for a kind it has no page for.
    `path` names the kind of an id with no prefix (a coupon's id is its own name)."""
    prefix = object_id.rsplit("_", 1)[0] if "_" in object_id else ""
    path = path or STRIPE_DASHBOARD_PATHS.get(prefix)
    return f"https://dashboard.stripe.com/{'' if live else 'test/'}{path}/{object_id}" if path else None


def stripe_id_html(object_id: str | None, live: bool, text: str | None = None, path: str | None = None) -> Markup:
    """A Stripe id as code, linked to its dashboard page when Stripe has one; `text` shows instead (a number)."""
    if not object_id:
        return Markup("")
    url = stripe_dashboard_url(object_id, live, path)
    code = Markup("<code>{}</code>").format(text or object_id)
    if url is None:
        return code
    return Markup('<a class="stripe-id" href="{}" target="_blank" rel="noopener" title="Open {} in Stripe">{}</a>').format(
        url, object_id, code)


def pandadoc_document_html(document_id: str | None) -> Markup:
    """A contract's document id, linked to the document in PandaDoc."""
    if not document_id:
        return Markup("")
    return Markup('<a class="pandadoc-id" href="{}" target="_blank" rel="noopener" title="Open the contract in PandaDoc">'
                  '<code>{}</code></a>').format(PANDADOC_DOCUMENT_URL.format(document_id=document_id), document_id)


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


# Each job state's mark beside its word, so states differ by more than colour.
STATUS_MARKS = {"queued": "◷", "running": "▶", "succeeded": "✓", "failed": "✕", "processed": "✓", "ignored": "–",
                "received": "◷"}


def status_mark(status: str) -> str:
    return STATUS_MARKS.get(status, "•")


def job_parameters(arguments: dict | None) -> str:
    """A job's arguments as people read them: "date: 2027-05-12 · org ids: org-1, org-2"."""
    shown = []
    for name, value in (arguments or {}).items():
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        shown.append(f"{name.replace('_', ' ')}: {text or '—'}")
    return " · ".join(shown)


AUDIT_VALUE_SHOWN = 160  # characters of a long value shown before the rest is folded


def audit_value(value, name: str = "", currency: str = "usd") -> str:
    """A recorded value as text: none as "—", amounts (a field named *_cents) as money, lists joined, anything
    nested as compact JSON."""
    if value is None or value == "":
        return "—"
    if _is_amount(name, value):
        return money(value, currency)
    if name.endswith("_cents") and isinstance(value, dict) and all(_is_amount(name, v) for v in value.values()):
        return ", ".join(f"{_key_words(k)}: {money(v, currency)}" for k, v in value.items()) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict) and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value.values()):
        return ", ".join(f"{_key_words(k)}: {v}" for k, v in value.items()) or "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _is_amount(name: str, value) -> bool:
    """A recorded value in minor units: an integer under a key named *_cents."""
    return name.endswith("_cents") and type(value) is int


def _key_words(key: str) -> str:
    """A dict key as words when it is a field-like name ("product_analytics" -> "Product analytics"); an id
    ("org-9", "cus_123") keeps its shape."""
    return key.replace("_", " ").capitalize() if re.fullmatch(r"[a-z]+(?:_[a-z]+)*", key) else key


def audit_changes(before, after) -> list[dict]:
    """An entry's before/after as "field: before → after" lines, in the order the service recorded them;
    `before` is None for a value that was only set (creations, results)."""
    from app.billing.plan_fields import field_label  # not at the top: plan_fields imports money

    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    names = list(before) + [n for n in after if n not in before]
    currency = str(after.get("currency") or before.get("currency") or "usd")
    return [{"label": field_label(name), "name": name,
             "before": audit_value(before[name], name, currency) if name in before else None,
             "after": audit_value(after[name], name, currency) if name in after else None} for name in names]


def readable_inputs(value, name: str = ""):
    """A rule's stored inputs as people read them, for the why panel: keys as words, every *_cents amount as
    money, the nesting kept (dicts and lists stay dicts and lists; the JSON keeps the integers)."""
    if isinstance(value, dict):
        return {_key_words(k.removesuffix("_cents")): readable_inputs(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [readable_inputs(v, name) for v in value]
    if _is_amount(name, value):
        return money(value)
    return "—" if value is None else value


def action_words(action: str) -> str:
    """An audit action as words: "annual_plan.field_updated" -> "Annual plan field updated"."""
    return sentence(action.replace(".", " ").replace("_", " "))


WEBHOOK_SOURCES = {"pandadoc": "PandaDoc", "stripe": "Stripe"}


def webhook_source(source: str) -> str:
    return WEBHOOK_SOURCES.get(source, source)


def init_app(app) -> None:
    # imported here, not at the top: plan_fields formats its cells with money
    from app.billing.plan_fields import field_label

    live = str(app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live", "rk_live"))

    app.jinja_env.globals.update(money=money, unit_price=unit_price, plural=plural, tiers_text=tiers_text,
                                 billing_period=billing_period,
                                 limit_dollars=limit_dollars,
                                 stripe_link=lambda object_id: stripe_dashboard_url(object_id, live),
                                 stripe_id=lambda object_id, text=None, path=None: stripe_id_html(object_id, live,
                                                                                                   text, path),
                                 pandadoc_document=pandadoc_document_html)
    app.add_template_filter(date_from_unix, "datetime_utc")
    app.add_template_filter(money, "money")
    app.add_template_filter(label, "label")
    app.add_template_filter(sentence, "sentence")
    app.add_template_filter(action_words, "action_words")
    app.add_template_filter(readable_inputs, "readable_inputs")
    app.add_template_filter(unit_price, "unit_price")
    app.add_template_filter(webhook_source, "webhook_source")
    app.add_template_filter(status_mark, "status_mark")
    app.add_template_filter(job_parameters, "job_parameters")
    app.jinja_env.globals.update(audit_changes=audit_changes, field_label=field_label,
                                 audit_value_shown=AUDIT_VALUE_SHOWN)
