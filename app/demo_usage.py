"""Demo usage for `make run`: 60 days of reports from two instances, with one visible gap."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.models import CustomerOrganisation, UsageReport, UsageRun
from app.services.usage_time import today_local

DAYS = 60
GAP_DAYS_AGO = 6  # the US instance's cron was interrupted that night: zero reports
EXTRA_ORGS = {"US": 24, "EU": 12}


def seed_demo_usage(session) -> list[str]:
    if session.scalar(select(UsageReport.id).limit(1)) is not None:
        return ["Demo usage: reports already present, skipped"]
    today = today_local()
    orgs = {"US": sorted(session.scalars(select(CustomerOrganisation.organisation_id))), "EU": []}
    for instance, extra in EXTRA_ORGS.items():
        orgs[instance] += [f"org-demo-{instance.lower()}-{n:02d}" for n in range(1, extra + 1)]
    gap = today - timedelta(days=GAP_DAYS_AGO)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        for instance, members in orgs.items():
            sent = [] if (instance == "US" and day == gap) else members
            for n, org in enumerate(sent):
                session.add(UsageReport(organisation_id=org, instance=instance, date=day, usage={
                    "product_analytics": 40_000 + 1_000 * n + 37 * back, "session_replay": 50 + n * 3 + back % 5,
                    "feature_flags": 10_000 + 250 * n}))
            start = datetime.combine(day + timedelta(days=1), time(0, 5))
            session.add(UsageRun(instance=instance, date=day, total_orgs=len(members), orgs_sent=len(sent),
                                 started_at=start, finished_at=start + timedelta(minutes=20) if sent else None))
    session.commit()
    return [f"Demo usage: {DAYS} days of reports from US and EU; US sent none for {gap} "
            f"(re-run with --date {gap + timedelta(days=1)})"]
