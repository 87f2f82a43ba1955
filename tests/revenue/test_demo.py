"""`make run`'s demo: twelve months of revenue, one customer of each configuration, Quokka unresolved on purpose."""
from datetime import date

from app.demo.customers import seed_demo_customers
from app.demo.revenue import seed_demo_revenue
from app.services.revenue_report import month_report, trend


def test_the_demo_has_twelve_months_of_each_configuration(app, db, stripe_client):
    with app.test_request_context():
        seed_demo_customers(db.session)
        report = seed_demo_revenue(db.session)
    assert report[0].startswith("Demo revenue: 12 months snapshotted"), report
    this_month = date.today().replace(day=1)
    months = trend(db.session, this_month)
    assert len(months) == 12 and all(m["total_mrr_cents"] is not None for m in months)
    latest = month_report(db.session, this_month)
    names = {c["name"]: c for c in latest["customers"]}
    assert names["Walrus Holdings"]["mrr_cents"] == 490_000  # $58,800 / 12
    assert names["Kestrel Systems"]["mrr_cents"] == 1_000_000  # $30,000 a quarter / 3
    assert names["Narwhal Retail"]["mrr_cents"] == 40_000 + 2_500 * 11 + 12_000 + 1_500 * (11 % 3)
    assert names["Ibis Labs"]["mrr_cents"] == 18_000 and names["Lemur Labs"]["mrr_cents"] == 0
    assert names["Puffin Co"]["rule"] == "free"
    assert [u["name"] for u in latest["unresolved"]] == ["Quokka Enterprises"]
    first = month_report(db.session, date.fromisoformat(months[0]["month"] + "-01"))
    assert {c["name"]: c["mrr_cents"] for c in first["customers"]}["Ibis Labs"] == 0  # still on credits then
