"""Read a month's stored revenue: totals, movements, per-customer figures with their why, and the trend."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.billing import revenue
from app.models import Customer, RevenueLine, RevenueMonth
from app.refusals import NotFound


def _lines(session, month: date) -> list[tuple[RevenueLine, str]]:
    return list(session.execute(select(RevenueLine, Customer.name).join(Customer, Customer.id == RevenueLine.customer_id)
                                .where(RevenueLine.month == month).order_by(Customer.name, Customer.id)).tuples())


def month_report(session, month: date) -> dict:
    """Everything the page, the JSON and the CLI show for a month; NotFound before its first snapshot."""
    snapshot = session.get(RevenueMonth, month)
    if snapshot is None:
        raise NotFound(f"No revenue snapshot for {month.isoformat()[:7]} yet: take one with "
                       f"`flask revenue snapshot --month {month.isoformat()[:7]}`.")
    lines = _lines(session, month)
    previous_month = revenue._add_months(month, -1)
    previous = {row.customer_id: row.mrr_cents for row in session.scalars(
        select(RevenueLine).where(RevenueLine.month == previous_month))}
    paid_before = set(session.scalars(select(RevenueLine.customer_id).distinct().where(
        RevenueLine.month < previous_month, RevenueLine.mrr_cents > 0)))
    counted = {row.customer_id: row.mrr_cents for row, _ in lines if row.mrr_cents is not None}
    # a customer unresolved in either month moves nowhere: it would look like churn or new business
    excluded = {row.customer_id for row, _ in lines if row.mrr_cents is None} | {
        k for k, v in previous.items() if v is None}
    moves = revenue.movements({k: v for k, v in previous.items() if k not in excluded},
                              {k: v for k, v in counted.items() if k not in excluded}, paid_before)
    if not previous:
        moves = dict.fromkeys(revenue.MOVEMENTS, 0)
    by_product: dict[str, int] = {}
    by_configuration: dict[str, int] = {}
    customers, unresolved = [], []
    for row, name in lines:
        if row.mrr_cents is None:
            unresolved.append({"customer_id": row.customer_id, "name": name, "configuration": row.configuration,
                               "reason": row.unresolved_reason})
            continue
        for key, cents in row.product_cents.items():
            by_product[key] = by_product.get(key, 0) + cents
        by_configuration[row.configuration] = by_configuration.get(row.configuration, 0) + row.mrr_cents
        customers.append({"customer_id": row.customer_id, "name": name, "configuration": row.configuration,
                          "mrr_cents": row.mrr_cents, "product_mrr_cents": row.product_cents, "rule": row.rule,
                          "inputs": row.inputs, "arithmetic": row.arithmetic,
                          "change_cents": _change(row, previous)})
    return {"month": month.isoformat()[:7], "computed_at": snapshot.computed_at.isoformat(timespec="seconds"),
            "total_mrr_cents": snapshot.total_mrr_cents, "by_product": dict(sorted(by_product.items())),
            "by_configuration": dict(sorted(by_configuration.items())), "movements": moves,
            "previous_month_snapshotted": bool(previous), "customers": customers, "unresolved": unresolved}


def _change(row: RevenueLine, previous: dict[int, int | None]) -> int | None:
    """Against last month (0 when the customer was not there yet); None without last month's figure."""
    if not previous or (row.customer_id in previous and previous[row.customer_id] is None):
        return None
    return row.mrr_cents - (previous.get(row.customer_id) or 0)


def trend(session, month: date, months: int = 12) -> list[dict]:
    """Total and per-product MRR for the `months` months ending with `month` (None where not snapshotted)."""
    wanted = revenue.previous_months(month, months)
    snapshots = {s.month: s for s in session.scalars(select(RevenueMonth).where(RevenueMonth.month.in_(wanted)))}
    products: dict[date, dict[str, int]] = {m: {} for m in wanted}
    for row in session.scalars(select(RevenueLine).where(RevenueLine.month.in_(wanted),
                                                         RevenueLine.mrr_cents.is_not(None))):
        for key, cents in row.product_cents.items():
            products[row.month][key] = products[row.month].get(key, 0) + cents
    return [{"month": m.isoformat()[:7], "total_mrr_cents": snapshots[m].total_mrr_cents if m in snapshots else None,
             "by_product": products[m] if m in snapshots else {}} for m in wanted]


def customer_history(session, customer_id: int, month: date, months: int = 12) -> list[dict]:
    """One customer's MRR for the `months` months ending with `month`, each with its rule and arithmetic."""
    wanted = revenue.previous_months(month, months)
    rows = {r.month: r for r in session.scalars(select(RevenueLine).where(
        RevenueLine.customer_id == customer_id, RevenueLine.month.in_(wanted)))}
    return [{"month": m.isoformat()[:7], "mrr_cents": rows[m].mrr_cents, "product_mrr_cents": rows[m].product_cents,
             "rule": rows[m].rule, "inputs": rows[m].inputs, "arithmetic": rows[m].arithmetic,
             "unresolved_reason": rows[m].unresolved_reason} if m in rows else {"month": m.isoformat()[:7]}
            for m in wanted]
