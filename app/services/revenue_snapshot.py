"""Take a month's revenue snapshot: read Stripe once for every customer, apply each one's rule, store it.

Every Stripe read happens before anything is written, so Stripe failing mid-read leaves the previous
snapshot as it was. Taken twice over the same invoices it writes the same rows; a customer whose
figure changed since the last snapshot of that month is audited with before and after.
"""
from __future__ import annotations

import gc
import hashlib
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import orjson
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import aliased, defer, selectinload

from app.billing import revenue
from app.billing.revenue_inputs import (
    CustomerFacts,
    Unresolved,
    UpFront,
    customer_mrr,
    up_front_of,
)
from app.models import AnnualPlan, Customer, RevenueLine, RevenueMonth
from app.refusals import Invalid
from app.services.audit import Actor, jsonable, record_audit
from app.services.revenue_reads import StripeReads, read_stripe
from app.timeutil import utcnow

LONG_PERIOD_CONFIGURATIONS = ("enterprise_yearly", "enterprise_amortized")


@dataclass(frozen=True)
class SnapshotResult:
    month: date
    customers: int
    unresolved: int
    total_mrr_cents: int
    changed: int
    stripe_calls: int
    invoices_read: int


def parse_month_or_refuse(raw: str, today: date) -> date:
    try:
        return revenue.parse_month(raw, today)
    except ValueError as exc:
        raise Invalid(str(exc), field="month") from exc


def credits_half(customer: Customer) -> bool:
    """The credits customer of an amortized pair (counted on its usage half): Stripe's billing_role says so,
    or else it bills no organisation while its partner does."""
    role = (((customer.stripe_snapshot or {}).get("customer") or {}).get("metadata") or {}).get("billing_role")
    if role:
        return role == "credits"
    partner = customer.linked_customer
    return bool(partner and not customer.organisations and partner.organisations)


def long_period_customers(session) -> set[str]:
    """The Stripe customers billed for more than a month at a time: an enterprise contract's, and its linked
    credits half's."""
    partner = aliased(Customer)
    rows = session.execute(select(Customer.stripe_customer_id, partner.stripe_customer_id)
                           .outerjoin(partner, partner.id == Customer.linked_customer_id)
                           .where(Customer.billing_configuration.in_(LONG_PERIOD_CONFIGURATIONS)))
    return {stripe_id for row in rows for stripe_id in row if stripe_id}


def _customers(session) -> list[Customer]:
    # the Stripe snapshot (large JSON) is read only for an amortized pair's halves (credits_half); plans, limits never
    return list(session.scalars(select(Customer).options(defer(Customer.stripe_snapshot), defer(Customer.plans_map),
                                                         defer(Customer.billing_limits),
                                                         selectinload(Customer.organisations),
                                                         selectinload(Customer.linked_customer))
                                .order_by(Customer.id)))


@contextmanager
def _collector_paused():
    """A snapshot holds a few hundred thousand decoded invoice dicts, none in a cycle; Python's cyclic collector
    walked them again and again as they were read, half this process's CPU at 5,000 customers. Off for the
    snapshot (the whole process: it is a job or a command), back on after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def snapshot_month(session, gateway, catalog, month: date, actor: Actor) -> SnapshotResult:
    with _collector_paused():
        return _snapshot_month(session, gateway, catalog, month, actor)


def _snapshot_month(session, gateway, catalog, month: date, actor: Actor) -> SnapshotResult:
    reads, (customers, plans) = read_stripe(gateway, catalog, month, utcnow().date(), long_period_customers(session),
                                            meanwhile=lambda: (_customers(session), _up_front_plans(session)))
    counted_customers = [c for c in customers
                         if not (c.billing_configuration == "enterprise_amortized" and credits_half(c))]
    facts = [_facts(c, month, reads, plans, catalog, gateway) for c in counted_customers]
    results = {f.customer_id: customer_mrr(f, month, reads.prices, reads.product_keys, catalog.currency) for f in facts}
    changed = _store(session, month, counted_customers, results, actor)
    total = sum(r.mrr_cents for r in results.values() if not isinstance(r, Unresolved))
    unresolved = sum(isinstance(r, Unresolved) for r in results.values())
    snapshot = session.get(RevenueMonth, month) or RevenueMonth(month=month)
    snapshot.computed_at, snapshot.total_mrr_cents = utcnow(), total
    snapshot.customers, snapshot.unresolved = len(results), unresolved
    snapshot.invoices_read, snapshot.stripe_calls = reads.invoices_read, gateway.calls
    snapshot.fingerprint = _fingerprint(results)
    snapshot.by_product, snapshot.by_configuration = _totals(counted_customers, results)
    session.add(snapshot)
    session.flush()
    snapshot.movements = month_movements(session, month)
    following = session.get(RevenueMonth, revenue._add_months(month, 1))
    if following is not None:  # its movements were counted from this month's figures, which may have changed
        following.movements = month_movements(session, following.month)
    session.flush()
    record_audit(session, actor, "revenue.snapshot", "revenue_month", month.isoformat()[:7],
                 after={"total_mrr_cents": total, "customers": len(results), "unresolved": unresolved,
                        "changed": changed, "invoices_read": reads.invoices_read},
                 stripe_request_ids=gateway.request_ids[-50:])
    return SnapshotResult(month, len(results), unresolved, total, changed, gateway.calls, reads.invoices_read)


def month_movements(session, month: date) -> dict | None:
    """New, expansion, contraction, churn and reactivation into `month` from the month before (None when that
    month has no snapshot). A customer unresolved in either month moves nowhere: it would look like churn or new
    business."""
    previous_month = revenue._add_months(month, -1)
    if session.get(RevenueMonth, previous_month) is None:
        return None
    figures = {m: dict(session.execute(select(RevenueLine.customer_id, RevenueLine.mrr_cents)
                                       .where(RevenueLine.month == m)).tuples().all())
               for m in (previous_month, month)}
    paid_before = set(session.scalars(select(RevenueLine.customer_id).distinct().where(
        RevenueLine.month < previous_month, RevenueLine.mrr_cents > 0)))
    excluded = {k for rows in figures.values() for k, v in rows.items() if v is None}
    return revenue.movements({k: v for k, v in figures[previous_month].items() if k not in excluded},
                             {k: v for k, v in figures[month].items() if k not in excluded}, paid_before)


def _up_front_plans(session) -> dict[str, list[AnnualPlan]]:
    plans: dict[str, list[AnnualPlan]] = defaultdict(list)
    for plan in session.scalars(select(AnnualPlan).where(AnnualPlan.invoice_id.is_not(None),
                                                         AnnualPlan.stripe_customer_id.is_not(None),
                                                         AnnualPlan.start_date.is_not(None))
                                .order_by(AnnualPlan.start_date)):
        plans[plan.stripe_customer_id].append(plan)
    return plans


def _facts(customer: Customer, month: date, reads: StripeReads, plans: dict, catalog, gateway) -> CustomerFacts:
    stripe_id = customer.stripe_customer_id or ""
    facts = CustomerFacts(customer.id, customer.billing_configuration, list(reads.invoices_by_customer.get(stripe_id, [])),
                          customer.credit_discount_percent)
    facts.billed = [reads.billed[i["id"]] for i in facts.invoices if i["id"] in reads.billed]
    if customer.billing_configuration == "startup":
        facts.credit_grant_id, facts.credit_expires_on = customer.startup_credit_grant_id, customer.startup_credit_expires_on
        if customer.startup_credit_grant_id and stripe_id:
            facts.credit_remaining_now = gateway.credit_grant_balance(stripe_id, customer.startup_credit_grant_id)
    elif customer.billing_configuration == "enterprise_yearly":
        facts.up_fronts = _up_fronts(facts.invoices, plans.get(stripe_id, []), month, reads, gateway)
        facts.list_tiers = {key: product.tiers for key, product in catalog.products.items() if product.metered}
    elif customer.billing_configuration == "enterprise_amortized":
        partner = customer.linked_customer
        if partner is not None and partner.stripe_customer_id:
            facts.credits_invoices = list(reads.invoices_by_customer.get(partner.stripe_customer_id, []))
    return facts


def _up_fronts(invoices: list[dict], plans: list[AnnualPlan], month: date, reads: StripeReads,
               gateway) -> list[tuple[UpFront, dict | None]]:
    """Each contract year's up-front invoice: Stripe's amortization metadata first; else the Annual Plan row's
    invoice covering the month (read by id when it is older than the window)."""
    found = [(up, invoice) for invoice in invoices if (up := up_front_of(invoice)) is not None]
    if found:
        return found
    plan = _covering_plan(plans, month)
    if plan is None:
        return []
    invoice = reads.invoices_by_id.get(plan.invoice_id) or gateway.invoice(plan.invoice_id)
    return [(UpFront(plan.invoice_id, plan.start_date, min(plan.term_months or 12, 12)), invoice)]


def _covering_plan(plans: list[AnnualPlan], month: date) -> AnnualPlan | None:
    """The contract whose first year covers the month, else the latest one started before it."""
    started = [p for p in plans if p.start_date.replace(day=1) <= month]
    for plan in reversed(started):
        if revenue.months_between(plan.start_date.replace(day=1), month) < min(plan.term_months or 12, 12):
            return plan
    return started[-1] if started else (plans[0] if plans else None)


def _row_values(customer: Customer, result) -> dict:
    """The row's values as the rules gave them (its inputs not yet made JSON-safe)."""
    if isinstance(result, Unresolved):
        return {"configuration": customer.billing_configuration, "mrr_cents": None, "product_cents": {}, "rule": "",
                "inputs": {}, "arithmetic": [], "unresolved_reason": result.reason}
    return {"configuration": customer.billing_configuration, "mrr_cents": result.mrr_cents,
            "product_cents": dict(sorted(result.product_cents.items())), "rule": result.rule,
            "inputs": result.inputs, "arithmetic": list(result.arithmetic), "unresolved_reason": ""}


def _digest(values: dict) -> str:
    """Of a row's values, so an unchanged row is known without reading its stored inputs back."""
    return hashlib.sha256(orjson.dumps(values, default=_digestible,
                                       option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS)).hexdigest()


def _digestible(value):
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)  # Decimal, as `jsonable` stores it


FIGURE = ("mrr_cents", "product_cents", "rule", "unresolved_reason")


def _store(session, month: date, customers: list[Customer], results: dict, actor: Actor) -> int:
    """Upsert one row per customer, in bulk (10,000 customers a month); audit each figure that changed since this
    month's last snapshot. A row whose values did not change (the same digest) is neither read back nor written."""
    existing = {row.customer_id: row for row in session.execute(
        select(RevenueLine.id, RevenueLine.customer_id, RevenueLine.digest, *(getattr(RevenueLine, k) for k in FIGURE))
        .where(RevenueLine.month == month))}
    new, updates, changed = [], [], 0
    for customer in customers:
        values = _row_values(customer, results[customer.id])
        digest = _digest(values)
        row = existing.pop(customer.id, None)
        if row is not None and row.digest == digest:
            continue
        values |= {"inputs": jsonable(values["inputs"]), "digest": digest}
        if row is None:
            new.append({"month": month, "customer_id": customer.id, **values})
            continue
        updates.append({"id": row.id, **values})
        before, after = {k: getattr(row, k) for k in FIGURE}, {k: values[k] for k in FIGURE}
        if before != after:
            changed += 1
            record_audit(session, actor, "revenue.recomputed", "customer", customer.id, before=before,
                         after=after, note=f"MRR for {month.isoformat()[:7]} changed in Stripe since the last snapshot")
    if new:
        session.execute(insert(RevenueLine), new)
    if updates:
        session.execute(update(RevenueLine), updates)
    if existing:  # customers no longer counted (deleted, or now a credits half)
        session.execute(delete(RevenueLine).where(RevenueLine.id.in_([row.id for row in existing.values()])))
    session.flush()
    return changed


def _totals(customers: list[Customer], results: dict) -> tuple[dict, dict]:
    """The month's MRR per product and per configuration, kept with the snapshot so a chart of twelve months
    reads twelve rows."""
    products: dict[str, int] = {}
    configurations: dict[str, int] = {}
    for customer in customers:
        result = results[customer.id]
        if isinstance(result, Unresolved):
            continue
        for key, cents in result.product_cents.items():
            products[key] = products.get(key, 0) + cents
        configurations[customer.billing_configuration] = configurations.get(customer.billing_configuration, 0) + \
            result.mrr_cents
    return dict(sorted(products.items())), dict(sorted(configurations.items()))


def _fingerprint(results: dict) -> str:
    payload = {str(k): (v.reason if isinstance(v, Unresolved) else [v.mrr_cents, v.product_cents, v.rule])
               for k, v in sorted(results.items())}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def start_revenue_snapshot(session, actor: Actor, raw_month: str, today: date):
    """Queue a snapshot of a month (checked first, so a bad month starts nothing)."""
    from app.services.jobs import start_job

    month = parse_month_or_refuse(raw_month, today)
    return start_job(session, actor, "revenue.snapshot", {"month": month.isoformat()[:7]})
