"""Every kind of background job and every periodic task, in one place.

A Job row's `kind` names its entry in KINDS: the handler that runs it (handlers.py) and the title
people see. `JobQueue.init_app` registers these and nothing else; a job of a kind not listed here
fails with "no handler".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from huey import crontab

from app.jobs import JobContext, handlers, worker_heartbeat


@dataclass(frozen=True)
class JobKind:
    kind: str
    title: str
    handler: Callable[[JobContext], dict | None]


@dataclass(frozen=True)
class PeriodicTask:
    """`run` is called inside the app, on the worker, when `schedule` (a Huey crontab, UTC on this
    machine's clock) matches; what `run` does goes by the product's clock (`utcnow()`)."""

    name: str
    when: str
    schedule: Callable
    run: Callable[[], None]


# Every kind is safe to run again after its worker stopped midway, so the sweeper re-queues them:
# - annual_plans.load: a reload never overwrites a person's edit, it shows what would change;
# - customers.sync: reads Stripe and writes our rows to match; a second pass writes what still differs;
# - catalog.expire_prices: finds what is still due (moved subscriptions are not), writes with fixed idempotency keys;
# - usage.send_reports: meter events carry deterministic identifiers, sent rows are skipped;
# - customers.end_startup_plans: each customer is committed when ended and then no longer selected; keyed writes;
# - revenue.snapshot: reads Stripe, then writes the month's rows in one transaction; taken again it writes the same;
# - annual_plans.rehearse: each run makes its own test clock (deleted at the end) and writes only its result;
# - worker.selftest: writes nothing but its own progress.
KINDS: dict[str, JobKind] = {k.kind: k for k in (
    JobKind("annual_plans.load", "Load from contract", handlers.load_annual_plan),
    JobKind("annual_plans.draft_renewals", "Draft later contract years' invoices", handlers.draft_renewals_job),
    JobKind("annual_plans.rehearse", "Rehearse a row's term on a Stripe test clock", handlers.rehearse_plan_job),
    JobKind("customers.sync", "Sync customers with Stripe", handlers.sync_customers_job),
    JobKind("catalog.expire_prices", "Move subscriptions off expired prices", handlers.expire_prices_job),
    JobKind("usage.send_reports", "Send usage to Stripe", handlers.send_usage_reports_job),
    JobKind("customers.end_startup_plans", "End startup plans whose credit ran out", handlers.end_startup_plans_job),
    JobKind("revenue.snapshot", "Revenue snapshot of a month", handlers.revenue_snapshot_job),
    JobKind("worker.selftest", "Worker self-test", handlers.selftest),
)}

PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask("worker_heartbeat", "every minute", crontab(minute="*"), worker_heartbeat),
    PeriodicTask("sweep_stopped_jobs", "every minute (and at worker start)", crontab(minute="*"),
                 handlers.sweep_stopped_jobs_now),
    PeriodicTask("expire_prices_daily", "daily at 04:10 UTC", crontab(hour="4", minute="10"),
                 handlers.expire_prices_daily),
    PeriodicTask("draft_renewals_daily", "daily at 04:30 UTC", crontab(hour="4", minute="30"),
                 handlers.draft_renewals_daily),
    PeriodicTask("end_startup_plans_daily", "daily at 04:20 UTC", crontab(hour="4", minute="20"),
                 handlers.end_startup_plans_daily),
    PeriodicTask("nightly_usage_send", "hourly at :05 UTC, acting after midnight in USAGE_TIMEZONE",
                 crontab(minute="5"), handlers.nightly_usage_send),
    PeriodicTask("notification_checks_daily", "daily at 06:15 UTC", crontab(hour="6", minute="15"),
                 handlers.notification_checks_daily),
    PeriodicTask("deliver_notifications", "every minute", crontab(minute="*"), handlers.deliver_notifications_now),
    PeriodicTask("revenue_snapshot_nightly", "daily at 05:10 UTC (and the month before on the 3rd)",
                 crontab(hour="5", minute="10"), handlers.revenue_snapshot_nightly),
)


def title(kind: str) -> str:
    """The kind's title for people; the kind itself when it is not listed."""
    entry = KINDS.get(kind)
    return entry.title if entry else kind
