"""How numbers and dates read on the pages: money from integer cents, Stripe's timestamps as dates."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal


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
                          "prod": "products", "credgr": "billing/credit-grants"}


def stripe_dashboard_url(object_id: str, live: bool) -> str | None:
    """Where a person opens a Stripe object (test or live dashboard); None for a kind it has no page for."""
    path = STRIPE_DASHBOARD_PATHS.get(object_id.split("_")[0])
    return f"https://dashboard.stripe.com/{'' if live else 'test/'}{path}/{object_id}" if path else None


def init_app(app) -> None:
    live = str(app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live", "rk_live"))
    app.jinja_env.globals.update(money=money, limit_dollars=limit_dollars,
                                 stripe_link=lambda object_id: stripe_dashboard_url(object_id, live))
    app.add_template_filter(date_from_unix, "datetime_utc")
