"""The row's readiness rules and the cell parsers, without a database."""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pytest

from app.billing.plan_fields import (
    dollars,
    edit_text,
    format_cell,
    split_field,
    value_from_json,
    value_to_json,
)
from app.billing.plan_stages import BUTTONS, button_blocker, readiness_blockers, stage_after_edit
from app.refusals import Invalid
from app.services.plan_editing import parse_field


@dataclass
class Line:
    product_key: str
    included: bool = True
    upfront_amount_cents: int | None = 100
    overage: str | None = "standard"
    overage_unit_amount_decimal: Decimal | None = None


@dataclass
class Warning_:
    field: str
    resolved_at: datetime | None = None


@dataclass
class Plan:
    contact_email: str | None = "a@b.example"
    stripe_customer_id: str | None = "cus_1"
    start_date: date | None = date(2027, 2, 1)
    term_months: int | None = 12
    organization_ids: list = field(default_factory=lambda: ["org-1"])
    lines: list = field(default_factory=lambda: [Line("product_analytics")])
    warnings: list = field(default_factory=list)


def test_a_complete_row_has_no_blockers():
    assert readiness_blockers(Plan()) == []


@pytest.mark.parametrize("change, reason", [
    ({"contact_email": None}, "choose a contact email"),
    ({"stripe_customer_id": None}, "choose or create the Stripe customer"),
    ({"start_date": None}, "set the start date"),
    ({"term_months": None}, "set the term"),
    ({"organization_ids": []}, "no organisation: usage would never be billed"),
    ({"lines": [Line("x", included=False)]}, "include at least one product with an up-front amount"),
    ({"lines": [Line("x", upfront_amount_cents=None)]}, "include at least one product"),
    ({"lines": [Line("x"), Line("y", overage=None)]}, "choose the overage for Y"),
    ({"lines": [Line("x", overage="custom")]}, "set the custom overage rate for X"),
    ({"warnings": [Warning_("currency"), Warning_("term_months", datetime(2026, 1, 1))]}, "1 warning to resolve: Currency"),
])
def test_each_blocker(change, reason):
    blockers = readiness_blockers(Plan(**change))
    assert any(reason in b for b in blockers), blockers


def test_stages_move_between_loaded_and_ready_only():
    assert stage_after_edit("loaded", []) == "ready"
    assert stage_after_edit("ready", ["x"]) == "loaded"
    assert stage_after_edit("invoiced", []) == "invoiced"
    assert stage_after_edit("received", []) == "received"


def test_buttons_say_why_they_are_disabled():
    create = next(b for b in BUTTONS if b.action == "create_subscription")
    assert button_blocker(create, "loaded", []) == "only when the row is ready (it is loaded)"
    assert button_blocker(create, "ready", ["set the term"]) == "set the term"
    assert button_blocker(create, "ready", []) is None
    amortize = next(b for b in BUTTONS if b.action == "amortize")
    assert button_blocker(amortize, "invoiced", []) is None


@pytest.mark.parametrize("name, raw, money_in, value", [
    ("line.p.upfront_amount_cents", "$60,000", "dollars", 6000000),
    ("line.p.upfront_amount_cents", "60000", "dollars", 6000000),
    ("line.p.upfront_amount_cents", "6000000", "cents", 6000000),
    ("line.p.upfront_amount_cents", "$60,000", "cents", 6000000),
    ("line.p.overage_unit_amount_decimal", "0.4", "dollars", Decimal("0.4")),
    ("line.p.overage_unit_amount_decimal", "$0.004", "dollars", Decimal("0.4")),
    ("line.p.overage_unit_amount_decimal", "", "dollars", None),
    ("line.p.included", "on", "dollars", True),
    ("line.p.included", "", "dollars", False),
    ("start_date", "March 15, 2027", "dollars", date(2027, 3, 15)),
    ("start_date", "", "dollars", None),
    ("term_months", "2 years", "dollars", 24),
    ("payment_terms_days", "Net 45", "dollars", 45),
    ("credit_discount_percent", "12.5%", "dollars", Decimal("12.5")),
    ("contact_email", " Carla@Acme.Example ", "dollars", "carla@acme.example"),
    ("stripe_customer_id", "cus_ABC123", "dollars", "cus_ABC123"),
])
def test_cell_parsers(name, raw, money_in, value):
    assert parse_field(name, raw, money_in) == value


@pytest.mark.parametrize("name, raw", [
    ("line.p.upfront_amount_cents", "60000.5"),  # cents field takes whole cents only
    ("line.p.overage_unit_amount_decimal", "-1"),
    ("line.p.overage_unit_amount_decimal", "cheap"),
    ("line.p.included", "maybe"),
    ("company", "   "),
    ("stripe_customer_id", "acme"),
    ("line.p.bogus", "1"),
    ("bogus", "1"),
])
def test_cell_parsers_refuse(name, raw):
    with pytest.raises(Invalid):
        parse_field(name, raw, "cents")


def test_json_round_trip_keeps_values_exact():
    for name, value in [("start_date", date(2027, 2, 1)), ("credit_discount_percent", Decimal("15")),
                        ("line.p.overage_unit_amount_decimal", Decimal("0.00009")), ("line.p.volume", 10**12),
                        ("line.p.included", True), ("company", "Acme")]:
        assert value_from_json(name, value_to_json(value)) == value


def test_formatting():
    assert dollars(10250000) == "$102,500.00" and dollars(-5) == "-$0.05"
    assert format_cell("line.p.volume", 60000000) == "60,000,000"
    assert format_cell("line.p.overage_unit_amount_decimal", Decimal("0.400")) == "$0.004"
    assert format_cell("payment_terms_days", 45) == "Net 45"
    assert split_field("line.session_replay.volume") == ("session_replay", "volume")


@pytest.mark.parametrize("rate", [Decimal("0.4"), Decimal("0.0025"), Decimal("12.5"), Decimal("0.000001")])
def test_a_rate_edits_as_dollars_and_reads_back_to_the_same_cents(rate):
    text = edit_text("line.p.overage_unit_amount_decimal", rate)
    assert text.startswith("$") and parse_field("line.p.overage_unit_amount_decimal", text) == rate
