"""Read a month's stored revenue: totals, movements, per-customer figures with their why, and the trend."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, null, select
from sqlalchemy.orm import aliased

from app.billing import revenue
from app.formatting import spreadsheet_row
from app.models import Customer, RevenueLine, RevenueMonth
from app.refusals import NotFound

LIGHT = (RevenueLine.customer_id, RevenueLine.configuration, RevenueLine.mrr_cents, RevenueLine.product_cents,
         RevenueLine.rule, RevenueLine.unresolved_reason, Customer.name)


def _lines(session, month: date) -> list:
    """The month's rows with their customer's name, inputs and arithmetic (what the JSON and CLI give)."""
    columns = LIGHT + (RevenueLine.inputs, RevenueLine.arithmetic)
    return list(session.execute(select(*columns).join(Customer, Customer.id == RevenueLine.customer_id)
                                .where(RevenueLine.month == month).order_by(Customer.name, Customer.id)))


def _snapshot(session, month: date) -> RevenueMonth:
    snapshot = session.get(RevenueMonth, month)
    if snapshot is None:
        raise NotFound(f"No revenue snapshot for {month.isoformat()[:7]} yet: take one with "
                       f"`flask revenue snapshot --month {month.isoformat()[:7]}`.")
    return snapshot


def _summary(snapshot: RevenueMonth, unresolved: list[dict]) -> dict:
    return {"month": snapshot.month.isoformat()[:7], "computed_at": snapshot.computed_at.isoformat(timespec="seconds"),
            "total_mrr_cents": snapshot.total_mrr_cents, "by_product": snapshot.by_product,
            "by_configuration": snapshot.by_configuration,
            "movements": snapshot.movements or dict.fromkeys(revenue.MOVEMENTS, 0),
            "previous_month_snapshotted": snapshot.movements is not None, "unresolved": unresolved}


def _unresolved(rows) -> list[dict]:
    return [{"customer_id": row.customer_id, "name": row.name, "configuration": row.configuration,
             "reason": row.unresolved_reason} for row in rows if row.mrr_cents is None]


def month_report(session, month: date) -> dict:
    """Everything the JSON and the CLI show for a month, every customer with its inputs; NotFound before the
    month's first snapshot."""
    snapshot = _snapshot(session, month)
    lines = _lines(session, month)
    previous = dict(session.execute(select(RevenueLine.customer_id, RevenueLine.mrr_cents)
                                    .where(RevenueLine.month == revenue._add_months(month, -1))).tuples().all())
    customers = [{"customer_id": row.customer_id, "name": row.name, "configuration": row.configuration,
                  "mrr_cents": row.mrr_cents, "product_mrr_cents": row.product_cents, "rule": row.rule,
                  "change_cents": _change(row, previous), "inputs": row.inputs, "arithmetic": row.arithmetic}
                 for row in lines if row.mrr_cents is not None]
    return _summary(snapshot, _unresolved(lines)) | {"customers": customers}


def _change(row, previous: dict[int, int | None]) -> int | None:
    """Against last month (0 when the customer was not there yet); None without last month's figure."""
    if not previous or (row.customer_id in previous and previous[row.customer_id] is None):
        return None
    return row.mrr_cents - (previous.get(row.customer_id) or 0)


def trend(session, month: date, months: int = 12) -> list[dict]:
    """Total and per-product MRR for the `months` months ending with `month` (None where not snapshotted)."""
    wanted = revenue.previous_months(month, months)
    snapshots = {s.month: s for s in session.scalars(select(RevenueMonth).where(RevenueMonth.month.in_(wanted)))}
    return [{"month": m.isoformat()[:7], "total_mrr_cents": snapshots[m].total_mrr_cents if m in snapshots else None,
             "by_product": snapshots[m].by_product if m in snapshots else {}} for m in wanted]


def customer_history(session, customer_id: int, month: date, months: int = 12) -> list[dict]:
    """One customer's MRR for the `months` months ending with `month`, each with its rule and arithmetic."""
    wanted = revenue.previous_months(month, months)
    rows = {r.month: r for r in session.scalars(select(RevenueLine).where(
        RevenueLine.customer_id == customer_id, RevenueLine.month.in_(wanted)))}
    return [{"month": m.isoformat()[:7], "mrr_cents": rows[m].mrr_cents, "product_mrr_cents": rows[m].product_cents,
             "rule": rows[m].rule, "inputs": rows[m].inputs, "arithmetic": rows[m].arithmetic,
             "unresolved_reason": rows[m].unresolved_reason} if m in rows else {"month": m.isoformat()[:7]}
            for m in wanted]


SORTS = ("name", "-mrr", "mrr", "-change", "change")
PAGE_SIZE = 100


def latest_month(session, today: date) -> date:
    """The newest snapshotted month, or this month when none is."""
    newest = session.scalar(select(RevenueMonth.month).order_by(RevenueMonth.month.desc()).limit(1))
    return newest or today.replace(day=1)


def revenue_page(session, raw_month: str | None, today: date, q: str = "", configuration: str = "",
                 sort: str = "-mrr", page: str = "1") -> dict:
    """The Revenue page: the month's summary (None before its first snapshot), the 12-month trend, and one page of
    its customers, filtered by name and configuration and sorted, in SQL: a month of 10,000 customers reads 100."""
    from app.services.revenue_snapshot import parse_month_or_refuse

    month = parse_month_or_refuse(raw_month, today) if raw_month else latest_month(session, today)
    sort = sort if sort in SORTS else "-mrr"
    snapshot = session.get(RevenueMonth, month)
    report, rows, matching, number, pages = None, [], 0, 1, 1
    if snapshot is not None:
        unresolved = session.execute(select(*LIGHT).join(Customer, Customer.id == RevenueLine.customer_id).where(
            RevenueLine.month == month, RevenueLine.mrr_cents.is_(None)).order_by(Customer.name)).all()
        report = _summary(snapshot, _unresolved(unresolved))
        rows, matching, number, pages = _customer_page(session, month, snapshot.movements is not None, q,
                                                       configuration, sort, page)
    return {"month": month, "month_text": month.isoformat()[:7], "report": report, "matching": matching,
            "customers": rows, "page": number, "pages": pages,
            "trend": trend(session, month), "q": q or "", "configuration": configuration or "", "sort": sort,
            "months": revenue.previous_months(today.replace(day=1), 24)[::-1]}


def _customer_page(session, month: date, has_previous: bool, q: str, configuration: str, sort: str, page: str):
    """(rows, how many match, page number, pages): counted customers with their change against last month."""
    previous = aliased(RevenueLine)
    change = (case((previous.id.is_not(None) & previous.mrr_cents.is_(None), null()),
                   else_=RevenueLine.mrr_cents - func.coalesce(previous.mrr_cents, 0))
              if has_previous else null())
    query = (select(RevenueLine.customer_id, Customer.name, RevenueLine.configuration, RevenueLine.mrr_cents,
                    RevenueLine.product_cents, RevenueLine.rule, change.label("change_cents"))
             .join(Customer, Customer.id == RevenueLine.customer_id)
             .outerjoin(previous, (previous.customer_id == RevenueLine.customer_id)
                        & (previous.month == revenue._add_months(month, -1)))
             .where(RevenueLine.month == month, RevenueLine.mrr_cents.is_not(None)))
    needle = (q or "").strip().lower()
    if needle:
        query = query.where(func.lower(Customer.name).contains(needle, autoescape=True))
    if configuration:
        query = query.where(RevenueLine.configuration == configuration)
    matching = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-matching // PAGE_SIZE))
    number = min(max(int(page), 1), pages) if str(page or "").isdigit() and len(str(page)) < 9 else 1
    key = sort.lstrip("-")
    column = {"name": func.lower(Customer.name), "mrr": RevenueLine.mrr_cents, "change": change}[key]
    order = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    rows = session.execute(query.order_by(order, RevenueLine.customer_id)
                           .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).mappings().all()
    return [dict(row) | {"product_mrr_cents": row["product_cents"]} for row in rows], matching, number, pages


def revenue_why(session, month: date, customer_id: int) -> dict:
    """One customer's figure for the month: the rule by name, its inputs and the arithmetic."""
    row = session.scalar(select(RevenueLine).where(RevenueLine.month == month, RevenueLine.customer_id == customer_id))
    if row is None:
        raise NotFound(f"No revenue figure for customer #{customer_id} in {month.isoformat()[:7]}.")
    customer = session.get(Customer, customer_id)
    return {"month_text": month.isoformat()[:7], "row": row, "customer": customer,
            "rule_text": RULE_TEXT.get(row.rule, row.rule), "object_ids": sorted(_stripe_ids(row.inputs))}


RULE_TEXT = {
    "free": "Free: MRR 0.",
    "paid": "Paid: each product's invoice lines whose service period starts in the month, after discounts; "
            "MRR is their sum plus those lines' tax.",
    "startup": "Startup: 0 while credits remain and have not expired at the month's end; then counted as paid.",
    "enterprise_yearly": "Enterprise yearly: MRR is the up-front payment spread evenly over the months it covers "
                         "(cents that don't divide go to the first month). Per product: the month's usage at list "
                         "price less the credit discount, so MRR and the products' sum differ on purpose.",
    "enterprise_amortized": "Enterprise amortized: MRR is the credits customer's recurring charge per month "
                            "(quarterly ÷ 3, semi-annual ÷ 6, annual ÷ 12). Per product: the usage customer's "
                            "product amounts in the month less the credit discount.",
}


def _stripe_ids(value) -> set[str]:
    """Every Stripe object id among the inputs, to link."""
    if isinstance(value, dict):
        return set().union(*(_stripe_ids(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_stripe_ids(v) for v in value)) if value else set()
    if isinstance(value, str) and value.split("_")[0] in ("in", "price", "credgr", "cus", "sub"):
        return {value}
    return set()


def revenue_csv(report: dict) -> str:
    """The month's customers as CSV: amounts in dollars with cents (numbers, not text), one column per product,
    unresolved customers last with their reason."""
    import csv
    import io

    products = sorted({key for row in report["customers"] for key in row["product_mrr_cents"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "customer_id", "customer", "configuration", "mrr", "change", "rule",
                     *[f"mrr_{key}" for key in products], "unresolved_reason"])
    for row in report["customers"]:
        writer.writerow(spreadsheet_row([
            report["month"], row["customer_id"], row["name"], row["configuration"], _dollars(row["mrr_cents"]),
            _dollars(row["change_cents"]), row["rule"],
            *[_dollars(row["product_mrr_cents"].get(key)) for key in products], ""]))
    for row in report["unresolved"]:
        writer.writerow(spreadsheet_row([report["month"], row["customer_id"], row["name"], row["configuration"],
                                         "", "", "", *["" for _ in products], row["reason"]]))
    return out.getvalue()


def _dollars(cents: int | None) -> Decimal | str:
    """Cents as a Decimal number of dollars (a spreadsheet reads it as a number, never as a formula)."""
    return "" if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))
