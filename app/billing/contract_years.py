"""A contract's years: which periods a term has, when each later year is drafted, and what it costs.

Pure: the service (app/services/renewals.py) asks these for a row's periods, the renewals view for
what is due. A term that is not a whole number of years ends with a shorter, pro-rata period whose
amount only the contract can state; it is never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.billing.stripe_requests import FIRST_YEAR_MONTHS, add_months

DEFAULT_LEAD_DAYS = 45
WINDOW_DAYS = 90  # the renewals view: years starting or terms ending this soon


@dataclass(frozen=True)
class Period:
    number: int  # 1 for the first contract year
    starts_on: date
    ends_on: date  # exclusive: the next period's start
    months: int

    @property
    def pro_rata(self) -> bool:
        return self.months != FIRST_YEAR_MONTHS


def contract_periods(start: date, term_months: int) -> list[Period]:
    """Twelve-month years from the start date, the last one shorter when the term says so."""
    periods, offset = [], 0
    while offset < term_months:
        months = min(FIRST_YEAR_MONTHS, term_months - offset)
        periods.append(Period(len(periods) + 1, add_months(start, offset), add_months(start, offset + months), months))
        offset += months
    return periods


def draft_on(period: Period, lead_days: int) -> date:
    """The day a later year's invoice is drafted: `lead_days` before its anniversary."""
    return period.starts_on - timedelta(days=lead_days)


def period_on(periods: list[Period], today: date) -> Period | None:
    """The contract year `today` falls in; None before the start or after the term."""
    return next((p for p in periods if p.starts_on <= today < p.ends_on), None)


def year_label(start: date | None, term_months: int | None, today: date) -> str:
    """What the row shows: "year 2 of 3", "starts 2027-02-15", "ended 2030-02-15"."""
    if start is None or not term_months:
        return ""
    periods = contract_periods(start, term_months)
    current = period_on(periods, today)
    if current is not None:
        return f"year {current.number} of {len(periods)}" + (" (pro-rata)" if current.pro_rata else "")
    if today < start:
        return f"year 1 of {len(periods)} starts {start.isoformat()}"
    return f"term ended {periods[-1].ends_on.isoformat()}"


def split_cents(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` across products in proportion to `weights`; the cents left over go on the first, so it sums."""
    whole = sum(weights.values())
    shares = {key: total * weight // whole for key, weight in weights.items()}
    first = next(iter(shares))
    shares[first] += total - sum(shares.values())
    return shares


def period_lines(yearly: dict[str, int], period: Period, stated_cents: int | None) -> dict[str, int] | None:
    """Product key -> cents for the period: the yearly prices for a whole year; for a pro-rata period the
    amount the contract states, split like the yearly prices; None when it states none."""
    if not period.pro_rata:
        return dict(yearly)
    if stated_cents is None or not yearly:
        return None
    return split_cents(stated_cents, yearly)
