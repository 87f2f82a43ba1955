"""How numbers and dates read on the pages: money from integer cents, Stripe's timestamps as dates."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

from app.billing.plan_fields import ROW_FIELDS


def money(cents) -> str:
    """Cents (int or Decimal) as dollars for people; never through a float."""
    if cents is None:
        return "—"
    return "$" + format((Decimal(cents) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP), ",.2f")


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


LINE_LABELS = {"included": "included", "volume": "included volume", "upfront_amount_cents": "up-front amount",
               "overage": "overage", "overage_unit_amount_decimal": "overage rate"}


def field_label(name: str, product_names: Mapping[str, str] | None = None) -> str:
    """A field as people read it: "line.product_analytics.overage_unit_amount_decimal" -> "Product analytics:
    overage rate", "start_date" -> "Start" (the grid's label), "invoice_status" -> "Invoice status"."""
    if name.startswith("line."):
        _, product_key, *rest = name.split(".")
        product = (product_names or {}).get(product_key) or product_key.replace("_", " ").capitalize()
        column = rest[0] if rest else ""
        return f"{product}: {LINE_LABELS.get(column, column.replace('_', ' '))}" if column else product
    if name in ROW_FIELDS:
        return ROW_FIELDS[name].label
    return name.replace("_", " ").capitalize()


AUDIT_VALUE_SHOWN = 160  # characters of a long value shown before the rest is folded


def audit_value(value) -> str:
    """A recorded value as text: none as "—", lists joined, anything nested as compact JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def audit_changes(before, after) -> list[dict]:
    """An entry's before/after as "field: before → after" lines, in the order the service recorded them;
    `before` is None for a value that was only set (creations, results)."""
    before = before if isinstance(before, dict) else ({} if before is None else {"value": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"value": after})
    names = list(before) + [n for n in after if n not in before]
    return [{"label": field_label(name), "name": name,
             "before": audit_value(before[name]) if name in before else None,
             "after": audit_value(after[name]) if name in after else None} for name in names]


WEBHOOK_SOURCES = {"pandadoc": "PandaDoc", "stripe": "Stripe"}


def webhook_source(source: str) -> str:
    return WEBHOOK_SOURCES.get(source, source)


def init_app(app) -> None:
    live = str(app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live", "rk_live"))
    app.jinja_env.globals.update(money=money, limit_dollars=limit_dollars,
                                 stripe_link=lambda object_id: stripe_dashboard_url(object_id, live),
                                 stripe_id=lambda object_id, text=None, path=None: stripe_id_html(object_id, live,
                                                                                                   text, path),
                                 pandadoc_document=pandadoc_document_html)
    app.add_template_filter(date_from_unix, "datetime_utc")
    app.add_template_filter(webhook_source, "webhook_source")
    app.add_template_filter(status_mark, "status_mark")
    app.add_template_filter(job_parameters, "job_parameters")
    app.jinja_env.globals.update(audit_changes=audit_changes, field_label=field_label,
                                 audit_value_shown=AUDIT_VALUE_SHOWN)
