"""Demo usage for `make run`: 60 days of reports from two instances, with one visible gap.

The demo customers report from both instances (those with a subscription split between US and
EU), and the nightly sends to Stripe are replayed for every night inside Stripe's window except
the gap's, so the re-run the Usage page offers is the one that fills the hole.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app import collaborators
from app.billing.usage import UsageDayRefused
from app.billing.usage_days import local_today
from app.gateways.stripe import StripeGatewayError
from app.models import Customer, CustomerOrganisation, UsageReport, UsageRun
from app.services.audit import Actor
from app.timeutil import utcnow

DAYS = 60
GAP_DAYS_AGO = 6  # the US instance's cron was interrupted that night: zero reports, and nothing sent
EXTRA_ORGS = {"US": 24, "EU": 12}
DEMO_ACTOR = Actor.system("demo-seed")


def seed_demo_usage(session) -> list[str]:
    if session.scalar(select(UsageReport.id).limit(1)) is not None:
        return ["Demo usage: reports already present, skipped"]
    today = local_today(utcnow(), collaborators.usage_zone())
    orgs = _demo_orgs(session)
    gap = today - timedelta(days=GAP_DAYS_AGO)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        for instance, members in orgs.items():
            sent = [] if (instance == "US" and day == gap) else members
            for n, org in enumerate(sent):
                session.add(UsageReport(organisation_id=org, instance=instance, date=day, usage=_usage(n, back)))
            start = datetime.combine(day + timedelta(days=1), time(0, 5))
            session.add(UsageRun(instance=instance, date=day, total_orgs=len(members), orgs_sent=len(sent),
                                 started_at=start, finished_at=start + timedelta(minutes=20) if sent else None))
    session.commit()
    return [f"Demo usage: {DAYS} days of reports from US and EU; US sent none for {gap} "
            f"(re-run with --date {gap + timedelta(days=1)})", _replay_nightly_sends(session, today, gap)]


def _usage(n: int, back: int) -> dict:
    return {"product_analytics": 40_000 + 1_000 * n + 37 * back, "session_replay": 50 + n * 3 + back % 5,
            "feature_flags": 10_000 + 250 * n}


def _demo_orgs(session) -> dict[str, list[str]]:
    """Demo customers alternate US, EU (subscribed ones first, so both instances bill someone)."""
    linked = session.execute(select(CustomerOrganisation.organisation_id, Customer.subscription_id)
                             .join(Customer).order_by(Customer.id)).all()
    ordered = [org for org, sub in linked if sub] + [org for org, sub in linked if not sub]
    orgs = {"US": ordered[0::2], "EU": ordered[1::2]}
    for instance, extra in EXTRA_ORGS.items():
        orgs[instance] += [f"org-demo-{instance.lower()}-{n:02d}" for n in range(1, extra + 1)]
    return orgs


def _replay_nightly_sends(session, today, gap) -> str:
    """The nights that ran: each usage day inside Stripe's 35-day window but the gap, sent as the job would."""
    from app.services.usage_send import send_usage_reports

    gateway = collaborators.meter_gateway()
    if getattr(gateway, "client", True) is None:
        return "Demo usage: no Stripe configured, nothing sent"
    sent = days = 0
    for back in range(DAYS, 0, -1):
        report_date = today - timedelta(days=back - 1)
        if report_date - timedelta(days=1) == gap:
            continue
        try:
            result = send_usage_reports(session, gateway, collaborators.catalog(), collaborators.usage_zone(),
                                        DEMO_ACTOR, report_date,
                                        **collaborators.usage_send_options())
        except UsageDayRefused:
            continue  # older than Stripe's window: those nights predate the meters
        except StripeGatewayError as exc:
            session.rollback()
            return f"Demo usage: nightly sends stopped: {exc}"
        session.commit()
        sent, days = sent + result.sent, days + 1
    return f"Demo usage: {sent} meter events sent for {days} nights (none for {gap})"
