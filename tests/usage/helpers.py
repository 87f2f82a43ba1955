"""Reading what the emulator holds: every meter event as (identifier, customer, meter, value, timestamp)."""
from datetime import date, timedelta

from app import collaborators
from app.billing.usage_days import local_today
from app.timeutil import utcnow


def emulator_meter_events(emulator) -> list[tuple]:
    from stripe_emulator.resources.meter_usage import space

    found = []
    for meter_id, per_customer in space(emulator.state)["events"].items():
        for customer_id, rows in per_customer.items():
            found += [(r[2], customer_id, meter_id, r[1], r[0]) for r in rows]
    return sorted(found)


def report_date_and_day() -> tuple[date, date]:
    today = local_today(utcnow(), collaborators.usage_zone())
    return today, today - timedelta(days=1)
