"""A rehearsal's timeline and usage forecast: pure, so the service only plays them on a test clock.

The term is played month by month from the contract's start; a contract month is named by the
calendar month it starts in (a term from 2027-02-15: "2027-02" is 2027-02-15 to 2027-03-15). The
forecast is each metered product's usage per contract month: by default its included annual volume,
a twelfth a month (the units that don't divide go on a year's first months, so each year sums to the
volume), or what a usage file states.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.billing.contract_years import Period, draft_on
from app.billing.stripe_requests import add_months

MONTH_KEY = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
MAX_QUANTITY = 999_999_999_999_999  # Stripe refuses meter values of more than 15 digits
SETTLE = timedelta(hours=2)  # past a month boundary: Stripe finalizes the invoices it drafted there an hour later
DAILY_JOB_TIME = time(4, 30)  # when the product's renewals job runs (app/jobs/kinds.py)


class UsageFileError(ValueError):
    """A usage file in the wrong shape; the message names what is wrong."""


@dataclass(frozen=True)
class Stop:
    """A moment the clock is moved to, and what the product does there."""
    at: datetime
    month: int | None = None  # the contract month (0-based) starting here: its usage is sent


def month_starts(start: date, term_months: int) -> list[date]:
    return [add_months(start, i) for i in range(term_months + 1)]


def month_key(day: date) -> str:
    return day.isoformat()[:7]


def clock_start(start: date) -> datetime:
    """A day before the contract starts: year one's invoice is made and paid before its schedule begins."""
    return datetime.combine(start - timedelta(days=1), time())


def timeline(start: date, term_months: int, later_years: list[Period], lead_days: int) -> list[Stop]:
    """Each contract month's start (its usage sent there, the previous month invoiced), the term's end,
    and the day each later year's renewal is drafted (the daily job's time)."""
    stops = [Stop(datetime.combine(day, time()) + SETTLE, i if i < term_months else None)
             for i, day in enumerate(month_starts(start, term_months))]
    months_at = {s.at for s in stops}
    stops += [Stop(datetime.combine(draft_on(p, lead_days), DAILY_JOB_TIME)) for p in later_years
              if datetime.combine(draft_on(p, lead_days), DAILY_JOB_TIME) not in months_at]
    first = clock_start(start)
    return sorted((s for s in stops if s.at > first), key=lambda s: s.at)


def default_forecast(volumes: dict[str, int], term_months: int) -> dict[str, list[int]]:
    """Each product's included annual volume, a twelfth a month, every year of the term."""
    forecast = {}
    for product_key, volume in volumes.items():
        base, extra = divmod(volume or 0, 12)
        forecast[product_key] = [base + (1 if i % 12 < extra else 0) for i in range(term_months)]
    return forecast


def parse_usage_file(text: str):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageFileError(f"the usage file is not JSON ({exc})") from None


def forecast_from_file(data, start: date, term_months: int, volumes: dict[str, int]) -> dict[str, list[int]]:
    """`{"product_key": {"YYYY-MM": quantity}}`: a product it names has exactly the months it lists (others 0);
    a metered product it leaves out keeps the default forecast. Anything else is refused, naming it."""
    if not isinstance(data, dict) or not data:
        raise UsageFileError('the usage file must be a JSON object: {"product_key": {"YYYY-MM": quantity}}')
    keys = [month_key(d) for d in month_starts(start, term_months)[:-1]]
    forecast = default_forecast(volumes, term_months)
    for product_key, months in data.items():
        if product_key not in volumes:
            known = ", ".join(sorted(volumes)) or "none"
            raise UsageFileError(f"usage file: '{product_key}' is not a metered product of this row (it has: {known})")
        if not isinstance(months, dict):
            raise UsageFileError(f'usage file: {product_key} must map months to quantities, e.g. {{"{keys[0]}": 1000}}')
        forecast[product_key] = [0] * term_months
        for month, quantity in months.items():
            forecast[product_key][_month_index(product_key, month, keys)] = _quantity(product_key, month, quantity)
    return forecast


def _month_index(product_key: str, month, keys: list[str]) -> int:
    if not isinstance(month, str) or not MONTH_KEY.fullmatch(month):
        raise UsageFileError(f"usage file: {product_key}: '{month}' is not a month (YYYY-MM)")
    if month not in keys:
        raise UsageFileError(f"usage file: {product_key}: {month} is outside the term ({keys[0]} to {keys[-1]})")
    return keys.index(month)


def _quantity(product_key: str, month: str, quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise UsageFileError(f"usage file: {product_key} {month}: the quantity must be a whole number from 0 to "
                             f"{MAX_QUANTITY:,}, not {quantity!r}")
    return quantity
