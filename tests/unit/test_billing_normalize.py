"""Contract text to row values: what is read, and what is refused with the raw text shown."""
from datetime import date
from decimal import Decimal

import pytest

from app.billing.normalize import (
    parse_amount_cents,
    parse_checkbox,
    parse_date,
    parse_overage_kind,
    parse_payment_terms_days,
    parse_percent,
    parse_rate_cents,
    parse_term_months,
    parse_text,
    parse_volume,
)

GOOD = [
    # amounts -> integer cents
    (parse_amount_cents, "$60,000", 6000000),
    (parse_amount_cents, "$12,500.00", 1250000),
    (parse_amount_cents, "$1.2M", 120000000),
    (parse_amount_cents, "$1.2 million", 120000000),
    (parse_amount_cents, "60000", 6000000),
    (parse_amount_cents, "$5,000", 500000),
    (parse_amount_cents, "$60k", 6000000),
    (parse_amount_cents, "USD 60,000", 6000000),
    (parse_amount_cents, "60,000 USD", 6000000),
    (parse_amount_cents, "US$60,000.50", 6000050),
    (parse_amount_cents, " $ 25,000 ", 2500000),
    (parse_amount_cents, "$0.5", 50),
    (parse_amount_cents, "$0", 0),
    # volumes -> integers
    (parse_volume, "60 million", 60000000),
    (parse_volume, "500k", 500000),
    (parse_volume, "500K", 500000),
    (parse_volume, "10M", 10000000),
    (parse_volume, "1.5 billion", 1500000000),
    (parse_volume, "1.5B", 1500000000),
    (parse_volume, "1.5bn", 1500000000),
    (parse_volume, "1,000,000", 1000000),
    (parse_volume, "1,000", 1000),
    (parse_volume, "1 000 000", 1000000),
    (parse_volume, "1\u00a0000\u00a0000", 1000000),
    (parse_volume, "2.5m", 2500000),
    (parse_volume, "750 thousand", 750000),
    (parse_volume, "60000000", 60000000),
    (parse_volume, "0", 0),
    (parse_volume, "0.5k", 500),
    # rates -> decimal cents per unit
    (parse_rate_cents, "$0.004", Decimal("0.4")),
    (parse_rate_cents, "$0.02 per 1,000 events", Decimal("0.002")),
    (parse_rate_cents, "$0.00009 per event", Decimal("0.009")),
    (parse_rate_cents, "$2 per million", Decimal("0.0002")),
    (parse_rate_cents, "$2 per 1M events", Decimal("0.0002")),
    (parse_rate_cents, "$2 / 1 million events", Decimal("0.0002")),
    (parse_rate_cents, "$0.02/1k events", Decimal("0.002")),
    (parse_rate_cents, "0.4 cents per event", Decimal("0.4")),
    (parse_rate_cents, "0.4¢", Decimal("0.4")),
    (parse_rate_cents, "USD 0.004 per recording", Decimal("0.4")),
    # dates
    (parse_date, "2027-02-01", date(2027, 2, 1)),
    (parse_date, "2027-02-01T00:00:00", date(2027, 2, 1)),
    (parse_date, "2027-02-01T00:00:00Z", date(2027, 2, 1)),
    (parse_date, "2027-02-01T00:00:00.000000Z", date(2027, 2, 1)),
    (parse_date, "March 15, 2027", date(2027, 3, 15)),
    (parse_date, "march 15 2027", date(2027, 3, 15)),
    (parse_date, "1 June 2027", date(2027, 6, 1)),
    (parse_date, "1st of June, 2027", date(2027, 6, 1)),
    (parse_date, "Feb 1, 2027", date(2027, 2, 1)),
    (parse_date, "Sept. 30, 2027", date(2027, 9, 30)),
    (parse_date, "2028-02-29", date(2028, 2, 29)),
    # terms -> months
    (parse_term_months, "2 years", 24),
    (parse_term_months, "36 months", 36),
    (parse_term_months, "1 year", 12),
    (parse_term_months, "18 months", 18),
    (parse_term_months, "12", 12),
    (parse_term_months, "1.5 years", 18),
    (parse_term_months, "2-year", 24),
    (parse_term_months, "24 mo", 24),
    # payment terms -> days
    (parse_payment_terms_days, "Net 30", 30),
    (parse_payment_terms_days, "Net 45", 45),
    (parse_payment_terms_days, "NET-60", 60),
    (parse_payment_terms_days, "45 days", 45),
    (parse_payment_terms_days, "30", 30),
    (parse_payment_terms_days, "Due on receipt", 0),
    (parse_payment_terms_days, "", 30),
    (parse_payment_terms_days, None, 30),
    # percent
    (parse_percent, "15%", Decimal(15)),
    (parse_percent, "15 %", Decimal(15)),
    (parse_percent, "12.5%", Decimal("12.5")),
    (parse_percent, "15", Decimal(15)),
    (parse_percent, "0", Decimal(0)),
    (parse_percent, "100%", Decimal(100)),
    (parse_percent, "", Decimal(0)),
    # text and checkboxes
    (parse_text, "  Acme   Corp ", "Acme Corp"),
    (parse_checkbox, True, True),
    (parse_checkbox, False, False),
    (parse_checkbox, "true", True),
]


@pytest.mark.parametrize(("normalise", "raw", "expected"), GOOD)
def test_reads_plain_contract_text(normalise, raw, expected):
    parsed = normalise(raw)

    assert parsed.warning is None
    assert parsed.value == expected
    assert type(parsed.value) is type(expected)


REFUSED = [
    (parse_amount_cents, "€10.000", "another currency (EUR)"),
    (parse_amount_cents, "€10.000", "ambiguous"),
    (parse_amount_cents, "EUR 500", "another currency (EUR)"),
    (parse_amount_cents, "£5", "GBP"),
    (parse_amount_cents, "C$5,000", "C$"),
    (parse_amount_cents, "500 euros", "euros"),
    (parse_amount_cents, "$60.000", "ambiguous"),
    (parse_amount_cents, "$60.000,00", "ambiguous"),
    (parse_amount_cents, "$60,00", "ambiguous"),
    (parse_amount_cents, "$12.345", "ambiguous"),
    (parse_amount_cents, "$0.001", "fraction of a cent"),
    (parse_amount_cents, "TBD", "not a readable amount"),
    (parse_amount_cents, "-$5", "negative"),
    (parse_amount_cents, "$60,000 - $70,000", "not a readable amount"),
    (parse_amount_cents, "", "empty"),
    (parse_volume, "1.000.000", "ambiguous"),
    (parse_volume, "1.000", "ambiguous"),
    (parse_volume, "1.000,5", "ambiguous"),
    (parse_volume, "1,5 million", "ambiguous"),
    (parse_volume, "1.125M", "ambiguous"),
    (parse_volume, "1 000,5", "mixed"),
    (parse_volume, "sixty milion", "not a readable volume"),
    (parse_volume, "60 milion", "unknown word"),
    (parse_volume, "TBD", "not a readable volume"),
    (parse_volume, "", "empty volume"),
    (parse_volume, "1.5", "not a whole number"),
    (parse_volume, "1.2345k", "not a whole number"),
    (parse_volume, "-5", "negative"),
    (parse_volume, "$500", "money"),
    (parse_rate_cents, "custom", "without a number"),
    (parse_rate_cents, "€0.01 per event", "another currency (EUR)"),
    (parse_rate_cents, "0.004", "dollars or cents"),
    (parse_rate_cents, "$0.02 per 1.000,5 events", "ambiguous"),
    (parse_rate_cents, "$1 per 3 events", "not an exact decimal"),
    (parse_rate_cents, "$2 per million events per month", "more than one"),
    (parse_rate_cents, "-$0.004", "negative"),
    (parse_rate_cents, "", "empty rate"),
    (parse_date, "03/04/2027", "ambiguous"),
    (parse_date, "13/04/2027", "not YYYY-MM-DD"),
    (parse_date, "2027/04/13", "not YYYY-MM-DD"),
    (parse_date, "03.04.2027", "ambiguous"),
    (parse_date, "TBD", "not a readable date"),
    (parse_date, "", "empty date"),
    (parse_date, "2027-02-30", "impossible"),
    (parse_date, "February 30, 2027", "impossible"),
    (parse_date, "Febtember 3, 2027", "unknown month"),
    (parse_date, "2027-02-01T00:00:00+02:00", "not a readable date"),
    (parse_term_months, "TBD", "not a readable term"),
    (parse_term_months, "", "empty term"),
    (parse_term_months, "2", "without a unit"),
    (parse_term_months, "0 months", "whole number of months"),
    (parse_term_months, "1.3 years", "whole number of months"),
    (parse_payment_terms_days, "TBD", "not readable payment terms"),
    (parse_payment_terms_days, "2/10 Net 30", "not readable payment terms"),
    (parse_percent, "150%", "over 100"),
    (parse_percent, "-5%", "negative"),
    (parse_percent, "0.15", "a fraction or a percent"),
    (parse_percent, "12,5%", "ambiguous"),
    (parse_percent, "lots", "not a readable percent"),
    (parse_text, "   ", "empty"),
    (parse_checkbox, None, "not a checkbox"),
    (parse_checkbox, "yes", "not a checkbox"),
]


@pytest.mark.parametrize(("normalise", "raw", "reason"), REFUSED)
def test_refuses_with_a_warning_that_quotes_the_contract(normalise, raw, reason):
    parsed = normalise(raw)

    assert parsed.value is None
    assert reason in parsed.warning
    text = (raw or "").strip()
    assert text in parsed.warning
    assert parsed.raw == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Standard", "standard"), ("custom", "custom"), (" None ", "none"), ("FREE", "free")],
)
def test_overage_labels_map_through_the_configured_choices(raw, expected):
    choices = {"Standard": "standard", "Custom": "custom", "None": "none", "Free": "free"}

    assert parse_overage_kind(raw, choices).value == expected


@pytest.mark.parametrize("raw", ["Premium", "", None])
def test_unknown_overage_label_is_refused(raw):
    parsed = parse_overage_kind(raw, {"Standard": "standard"})

    assert parsed.value is None
    assert "overage choice" in parsed.warning
