"""Rehearsing a row's term on a Stripe test clock: every invoice Stripe produces, month by month, the month the
prepaid credits run out, and the findings; the clock and its objects deleted, the row itself untouched."""
import json

from app.models import AnnualPlan, AuditEntry, ContractYear, PlanRehearsal, StripeOperation

MASSIVE_FINDINGS = [
    "prepaid credits run out in 2030-02: usage from then on is billed, $591.00 due over the rest of the term",
    "credits expire before they are used: year 1's $90,000.00 of prepaid credit ends on 2028-02-15 with "
    "$82,907.96 unused",
    "credits expire before they are used: year 2's $90,000.00 of prepaid credit ends on 2029-02-15 with "
    "$82,907.96 unused",
    "credits expire before they are used: year 3's $90,000.00 of prepaid credit ends on 2030-02-15 with "
    "$83,498.96 unused",
]


def _row_state(db, plan_id: int):
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, plan_id)
    years = db.session.scalars(db.select(ContractYear).where(ContractYear.plan_id == plan_id)).all()
    operations = db.session.scalars(db.select(StripeOperation).where(StripeOperation.subject_id == str(plan_id))).all()
    return ({k: getattr(plan, k) for k in ("stage", "version", "stripe_customer_id", "invoice_id", "invoice_status",
                                           "subscription_schedule_id", "credit_grant_id", "stripe_attempt")},
            [(y.number, y.status, y.invoice_id) for y in years], [(o.idempotency_key, o.status) for o in operations])


def _nothing_left_on_clocks(stripe_emulator):
    state = stripe_emulator.state
    assert state.collection("test_helpers.test_clock") == {}
    for kind in ("customer", "invoice", "subscription", "billing.credit_grant"):
        assert [o["id"] for o in state.collection(kind).values() if o.get("test_clock")] == [], kind


def _invoices(report):
    return [(m["month"], inv) for m in report["months"] for inv in m["invoices"]]


def test_a_36_month_term_invoices_each_year_and_bills_the_usage_the_credits_do_not_cover(db, scheduled_plan,
                                                                                         rehearse, stripe_emulator):
    plan = scheduled_plan("massive-dynamic-36m")
    before = _row_state(db, plan.id)
    result = rehearse(plan.id, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"row_id", "months", "credits_run_out", "findings"} and report["row_id"] == plan.id
    assert [m["month"] for m in report["months"]][0::12] == ["2027-02", "2028-02", "2029-02", "2030-02"]
    assert len(report["months"]) == 37
    upfront = [(month, inv) for month, inv in _invoices(report) if inv["lines"][0]["amount_cents"] >= 2000000]
    assert [month for month, _ in upfront] == ["2027-02", "2028-01", "2029-01"]  # year 2 and 3: 45 days ahead
    for _, inv in upfront:
        assert (inv["total_cents"], inv["amount_due_cents"], inv["credits_applied_cents"], inv["currency"]) == (
            9000000, 9000000, 0, "usd")
        assert {ln["product_key"]: ln["amount_cents"] for ln in inv["lines"]} == {"product_analytics": 7000000,
                                                                                   "session_replay": 2000000}
    usage = [(month, inv) for month, inv in _invoices(report) if (month, inv) not in upfront]
    assert len(usage) == 36 and usage[0][0] == "2027-03" and usage[-1][0] == "2030-02"
    assert all(inv["credits_applied_cents"] > 0 and inv["amount_due_cents"] == 0 for _, inv in usage[:-1])
    assert {ln["product_key"] for _, inv in usage for ln in inv["lines"]} == {"product_analytics", "session_replay"}
    assert (usage[-1][1]["credits_applied_cents"], usage[-1][1]["amount_due_cents"]) == (0, 59100)
    assert report["credits_run_out"] == "2030-02" and report["findings"] == MASSIVE_FINDINGS
    assert _row_state(db, plan.id) == before
    _nothing_left_on_clocks(stripe_emulator)
    [kept] = db.session.scalars(db.select(PlanRehearsal).where(PlanRehearsal.plan_id == plan.id)).all()
    assert kept.result == report and kept.ran_by == "system:cli"
    [entry] = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "annual_plan.rehearsed")).all()
    assert entry.object_id == str(plan.id) and entry.after == {"credits_run_out": "2030-02",
                                                               "findings": MASSIVE_FINDINGS}


def test_a_one_year_term_has_one_invoice_and_twelve_months_of_usage(db, scheduled_plan, rehearse, stripe_emulator):
    plan = scheduled_plan("acme")
    plan.term_months = 12
    db.session.commit()
    result = rehearse(plan.id, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    invoices = _invoices(report)
    assert [m["month"] for m in report["months"]] == [f"2027-{m:02d}" for m in range(1, 13)] + ["2028-01", "2028-02"]
    [(month, first)] = [(m, inv) for m, inv in invoices if inv["lines"][0]["description"].endswith("up-front annual fee")]
    assert month == "2027-01" and first["total_cents"] == sum(ln.upfront_amount_cents for ln in plan.lines
                                                              if ln.included and ln.upfront_amount_cents)
    assert len(invoices) == 13  # year one's invoice, then a usage invoice at each of the twelve month ends
    assert not any("never invoiced" in f for f in report["findings"])
    _nothing_left_on_clocks(stripe_emulator)


def test_a_usage_file_sets_the_months_usage_and_the_credits_run_out_with_it(db, scheduled_plan, rehearse, tmp_path):
    plan = scheduled_plan("massive-dynamic-36m")
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"product_analytics": {"2027-06": 20_000_000_000}}))
    result = rehearse(plan.id, "--usage", usage, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["credits_run_out"] == "2027-07"
    [(_, july)] = [(m, inv) for m, inv in _invoices(report) if m == "2027-07"]
    assert july["credits_applied_cents"] > 0 and july["amount_due_cents"] > 0
    assert {ln["product_key"] for ln in july["lines"]} == {"product_analytics", "session_replay"}


def test_the_text_output_lists_each_invoice_and_the_findings(scheduled_plan, rehearse):
    plan = scheduled_plan("massive-dynamic-36m")
    result = rehearse(plan.id)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2027-02  in_") and lines[0].endswith("USD total $90,000.00, credits $0.00, "
                                                                     "due $90,000.00")
    assert "credits run out: 2030-02" in lines and f"finding: {MASSIVE_FINDINGS[0]}" in lines


def test_a_last_period_the_contract_does_not_price_is_never_invoiced(app, db, ready_plan, rehearse, stripe_client):
    from tests.annual_plans.helpers import press

    plan = ready_plan("massive-dynamic-36m")
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={
        "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    plan.term_months, plan.tax_id_not_needed = 18, True
    db.session.commit()
    for action in ("create_subscription", "amortize", "schedule"):
        press(app, db, plan.id, action)
    db.session.commit()
    result = rehearse(plan.id, "--json")
    assert result.exit_code == 0, result.output
    findings = json.loads(result.output)["findings"]
    assert findings[:2] == [
        f"2028-01-01: year 2 could not be drafted: row {plan.id}: the contract does not state the amount of its last "
        "6-month period; set it before year 2 is drafted",
        "year 2 (2028-02-15 to 2028-08-15) is never invoiced"]
