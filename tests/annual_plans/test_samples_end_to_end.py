"""Each sample contract, from webhook to loaded row, gives exactly TEMPLATE.md's results."""
from tests.annual_plans.helpers import loaded_sample


def _json(client, plan):
    response = client.get(f"/annual-plans/{plan.id}.json")
    assert response.status_code == 200
    return response.get_json()


def _lines(data):
    return {ln["product_key"]: ln for ln in data["lines"]}


def test_acme(client, db, login_as):
    login_as("viewer")
    data = _json(client, loaded_sample(client, db, "acme"))
    assert (data["company"], data["start_date"], data["term_months"], data["payment_terms_days"],
            data["credit_discount_percent"]) == ("Acme Corp", "2027-02-01", 24, 30, "0")
    assert data["contact_email"] == "carla.fo@acme.example"
    assert data["contact_candidates"] == ["carla.fo@acme.example", "ap@acme.example", "ann@seller.example"]
    lines = _lines(data)
    assert {k: (v["included"], v["volume"], v["upfront_amount_cents"], v["overage"], v["overage_unit_amount_decimal"])
            for k, v in lines.items() if v["included"]} == {
        "product_analytics": (True, 60000000, 6000000, "standard", None),
        "session_replay": (True, 500000, 1250000, "custom", "0.4"),
        "feature_flags": (True, 10000000, 500000, "free", None),
        "enterprise": (True, None, 2500000, "none", None),
    }
    assert lines["group_analytics"]["included"] is False
    assert data["warnings"] == [] and data["stage"] == "loaded"
    assert sum(v["upfront_amount_cents"] for v in lines.values() if v["included"]) == 10250000
    page = client.get("/annual-plans").get_data(as_text=True)
    assert "2027-03-03" in page and "$102,500.00" in page  # due date and up-front total on the grid


def test_globex(client, db, login_as):
    login_as("viewer")
    data = _json(client, loaded_sample(client, db, "globex"))
    assert (data["start_date"], data["term_months"], data["payment_terms_days"], data["credit_discount_percent"]) == (
        "2027-03-15", 36, 45, "15")
    lines = _lines(data)
    assert (lines["product_analytics"]["volume"], lines["product_analytics"]["upfront_amount_cents"],
            lines["product_analytics"]["overage"], lines["product_analytics"]["overage_unit_amount_decimal"]) == (
        1500000000, 120000000, "custom", "0.002")
    assert (lines["group_analytics"]["included"], lines["group_analytics"]["volume"],
            lines["group_analytics"]["upfront_amount_cents"], lines["group_analytics"]["overage"]) == (
        True, 1500000000, 15000000, "standard")
    assert data["warnings"] == []
    assert "2027-04-29" in client.get("/annual-plans").get_data(as_text=True)


def test_initech_needs_review_guesses_nothing(client, db, login_as):
    """TEMPLATE.md lists a warning on the document currency (EUR): that was written while EUR could not be
    billed. EUR is now a billed currency (config/billing.toml), so the document currency no longer warns; the
    row is an EUR row, and "€10.000" still warns, now for its ambiguous separators alone."""
    login_as("viewer")
    plan = loaded_sample(client, db, "initech-needs-review")
    data = _json(client, plan)
    fields = {w["field"] for w in data["warnings"]}
    assert {"start_date", "term_months", "line.product_analytics.volume", "line.product_analytics.upfront_amount_cents",
            "line.product_analytics.overage_unit_amount_decimal", "line.session_replay.upfront_amount_cents"} <= fields
    assert "currency" not in fields and plan.currency == "eur"
    warnings = {w["field"]: w for w in data["warnings"]}
    assert warnings["term_months"]["raw"] == "TBD" and warnings["line.product_analytics.volume"]["raw"] == "sixty milion"
    assert warnings["line.session_replay.upfront_amount_cents"]["raw"] == "€10.000"
    assert "ambiguous separators" in warnings["line.session_replay.upfront_amount_cents"]["message"]
    lines = _lines(data)
    assert data["start_date"] is None and data["term_months"] is None
    assert lines["product_analytics"]["volume"] is None and lines["session_replay"]["upfront_amount_cents"] is None
    assert data["stage"] == "loaded"
    row = client.get("/annual-plans").get_data(as_text=True)
    assert "Not ready:" in row and "warnings to resolve" in row
