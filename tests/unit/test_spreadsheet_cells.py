"""CSV cells a spreadsheet shows as written and never runs (issue 14, item 4)."""
from decimal import Decimal

import pytest

from app.formatting import spreadsheet_cell, spreadsheet_row


@pytest.mark.parametrize("text", ['=HYPERLINK("https://evil.example","Click")', "+1", "-cmd", "@SUM(A1:A9)",
                                  "\t=1+1", "\r=1+1", "-1+1", "-12.50e3", "=", "-", "+12"])
def test_text_that_could_start_a_formula_gets_a_quote(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Acme Corp", "acme@acme.example", "2027-01-01", "a=b", " =1", "", "12"])
def test_other_text_is_unchanged(text):
    assert spreadsheet_cell(text) == text


@pytest.mark.parametrize("value", [-1250, 0, 42, Decimal("-12.50"), Decimal("0.0025")])
def test_numbers_stay_numbers(value):
    assert spreadsheet_cell(value) == value


@pytest.mark.parametrize("text", ["-12.50", "-3", "-0.0025"])
def test_text_that_is_exactly_a_negative_number_stays_that_number(text):
    assert spreadsheet_cell(text) == text


def test_none_is_empty_and_lists_are_joined_before_the_check():
    assert spreadsheet_row([None, ["-org", "org-2"], True]) == ["", "'-org org-2", "True"]
