"""The unit of work: a request, a CLI command or a job commits once, at its end; services only flush.

A few paths must make part of their work durable before they go on. They commit through
`checkpoint`, naming one of the reasons below, so every mid-work commit in the product is
listed here with why it cannot wait for the end.
"""
from __future__ import annotations

CHECKPOINTS = {
    "stripe_write": "a Stripe write's record is durable before Stripe is called and its result right after, "
                    "so a crash between the two never makes a second object (services/stripe_writes.py)",
    "stripe_failure": "a failed Stripe step is kept on its row and in the audit although the request is refused, "
                      "so the row says what went wrong and a retry resumes (services/plan_actions.py)",
    "row_lock": "the lock of a row's Stripe action must be seen by every other request before Stripe is "
                "called, and released even when the action is refused (services/plan_locks.py)",
    "webhook_stored": "a webhook delivery is stored before it is handled, and kept when it is refused, so "
                      "nothing a sender delivered is lost (services/stripe_webhooks.py, contract_webhooks.py)",
    "usage_send_batch": "a usage day is sent in batches: each batch's rows are durable before their events go "
                        "out and results as they come, so a killed run loses nothing but a retry "
                        "(services/usage_send.py)",
    "customer_sync_chunk": "a bulk customer sync writes 500 customers per commit: one transaction for 10,000 "
                           "would hold the database for the whole sync and lose it all on one failure "
                           "(services/customer_bulk_sync.py)",
    "startup_plan_ended": "ending startup plans, each customer is committed on its own, so one that fails "
                          "fails alone and those before it stay ended (services/startup_plans.py)",
    "renewal_drafted": "drafting later contract years, each row is committed on its own, so one that fails "
                       "fails alone and the years drafted before it stay drafted (services/renewals.py)",
    "notification_sent": "a notification's deliveries are durable before any is sent, each is claimed before its "
                         "server is called and its result kept right after, so nobody is told twice "
                         "(services/notification_delivery.py)",
    "password_failure": "a wrong current password on the account page is counted although the change is refused, "
                        "so guessing it is throttled as signing in is (services/logins.py)",
    "rehearsal_step": "a rehearsal replays the product's services on its own in-memory copy of a row, standing in "
                      "for the request or job that would commit after each of them, so the next step reads what "
                      "the last one wrote (services/rehearsal.py, rehearsal_sandbox.py)",
    "job_progress": "a job's progress and log are committed while it runs, so its page can show them "
                    "(app/jobs)",
}


def checkpoint(session, reason: str) -> None:
    """Commit now, for one of the reasons in CHECKPOINTS (a KeyError for any other)."""
    CHECKPOINTS[reason]  # noqa: B018 - an unnamed reason is a bug, not a commit
    session.commit()
