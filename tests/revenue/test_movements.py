"""The month's movements and each customer's change, from stored snapshots of consecutive months."""
from datetime import date

from app.models import RevenueLine, RevenueMonth
from app.services.revenue_report import month_report, revenue_page
from app.services.revenue_snapshot import month_movements

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def _month(db, month, figures):
    """A month's snapshot as snapshot_month stores it: its rows, then its movements from the month before."""
    snapshot = RevenueMonth(month=month, total_mrr_cents=sum(v or 0 for v in figures.values()))
    db.session.add(snapshot)
    for customer_id, cents in figures.items():
        db.session.add(RevenueLine(month=month, customer_id=customer_id, configuration="paid", mrr_cents=cents,
                                   product_cents={}, rule="paid" if cents is not None else "",
                                   unresolved_reason="" if cents is not None else "no invoice"))
    db.session.flush()
    snapshot.movements = month_movements(db.session, month)
    db.session.commit()


def test_each_movement_between_two_months(db, make_customer):
    c = [make_customer(name=f"Customer {i}").id for i in range(7)]
    _month(db, JAN, {c[0]: 5_000})  # paid in January, nothing in February: reactivated in March
    _month(db, FEB, {c[0]: 0, c[1]: 10_000, c[2]: 10_000, c[3]: 10_000, c[5]: None})
    _month(db, MAR, {c[0]: 2_000, c[1]: 12_500, c[2]: 7_000, c[3]: 0, c[4]: 3_000, c[5]: 9_000, c[6]: None})
    report = month_report(db.session, MAR)
    assert report["movements"] == {"new": 3_000, "reactivation": 2_000, "expansion": 2_500, "contraction": -3_000,
                                   "churn": -10_000}
    change = {row["customer_id"]: row["change_cents"] for row in report["customers"]}
    assert change[c[1]] == 2_500 and change[c[4]] == 3_000 and change[c[3]] == -10_000
    assert change[c[5]] is None  # unresolved last month: no change and no movement (not "new")
    assert [u["customer_id"] for u in report["unresolved"]] == [c[6]]


def test_the_first_snapshotted_month_has_no_movements(db, make_customer):
    customer = make_customer().id
    _month(db, MAR, {customer: 4_000})
    report = month_report(db.session, MAR)
    assert report["previous_month_snapshotted"] is False and set(report["movements"].values()) == {0}
    assert report["customers"][0]["change_cents"] is None


def test_the_page_sorts_by_change_and_pages_in_the_database(db, make_customer):
    c = [make_customer(name=f"Customer {i}").id for i in range(4)]
    _month(db, FEB, {c[0]: 1_000, c[1]: 5_000, c[2]: None})
    _month(db, MAR, {c[0]: 4_000, c[1]: 2_000, c[2]: 9_000, c[3]: 500})
    page = revenue_page(db.session, "2026-03", date(2026, 4, 2), sort="-change")
    assert [(r["customer_id"], r["change_cents"]) for r in page["customers"]] == [
        (c[0], 3_000), (c[3], 500), (c[1], -3_000), (c[2], None)]  # unresolved last month: no change, last
    page = revenue_page(db.session, "2026-03", date(2026, 4, 2), q="customer 1", sort="mrr")
    assert [r["customer_id"] for r in page["customers"]] == [c[1]] and page["matching"] == 1
    assert page["report"]["movements"]["new"] == 500
