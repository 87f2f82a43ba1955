"""Stripe's invoices as the revenue rules read them: lines, usage at list price, credits, up-front invoices."""
from datetime import UTC, date, datetime
from decimal import Decimal

from app.billing.catalog_config import Tier
from app.billing.revenue_inputs import (
    CustomerFacts,
    PriceFacts,
    Unresolved,
    credits_at_month_end,
    customer_mrr,
    graduated_cents,
    up_front_of,
)

MARCH = date(2027, 3, 1)
PRICES = {"price_pa": PriceFacts("product_analytics", True, 1), "price_q": PriceFacts(None, False, 3)}
TIERS = (Tier(1_000_000, Decimal(0)), Tier(2_000_000, Decimal("0.005")), Tier(None, Decimal("0.0034")))


def ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def invoice(id_, lines, status="paid", metadata=None, total=0):
    return {"id": id_, "status": status, "created": ts(MARCH), "metadata": metadata or {},
            "total_excluding_tax": total, "lines": {"data": lines, "has_more": False}}


def line(amount, price="price_pa", start=MARCH, quantity=0, credits=0, discount=0):
    return {"amount": amount, "quantity": quantity, "period": {"start": ts(start), "end": ts(start) + 86400 * 28},
            "pricing": {"price_details": {"price": price, "product": "prod_x"}},
            "discount_amounts": [{"amount": discount}] if discount else [],
            "pretax_credit_amounts": [{"amount": credits, "type": "credit_balance_transaction"}] if credits else []}


def test_graduated_list_price_to_the_cent():
    assert graduated_cents(TIERS, 999_999) == 0
    assert graduated_cents(TIERS, 1_500_000) == 2_500
    assert graduated_cents(TIERS, 3_000_000) == 8_400
    assert graduated_cents(TIERS, 1_000_001) == 0  # 0.005¢ rounds half up to nothing


def test_an_up_front_invoice_is_known_by_its_amortization_metadata():
    meta = {"amortize": "true", "amortize_start": "2027-02-15", "amortize_months": "12"}
    assert up_front_of(invoice("in_up", [], metadata=meta)).start == date(2027, 2, 15)
    assert up_front_of(invoice("in_other", [])) is None
    assert up_front_of(invoice("in_bad", [], metadata={"amortize": "true", "amortize_start": "soon"})) is None


def test_yearly_from_metadata_spreads_the_payment_and_prices_usage_at_list_less_discount():
    up = invoice("in_up", [line(5_880_001, price="price_q")], metadata={
        "amortize": "true", "amortize_start": "2027-03-01", "amortize_months": "12"}, total=5_880_001)
    usage = invoice("in_use", [line(4_999, quantity=1_500_000)])
    facts = CustomerFacts(1, "enterprise_yearly", [up, usage], Decimal(20), list_tiers={"product_analytics": TIERS})
    facts.up_fronts = [(up_front_of(up), up)]
    mrr = customer_mrr(facts, MARCH, PRICES, {})
    assert (mrr.mrr_cents, mrr.product_cents) == (490_001, {"product_analytics": 2_000})  # the odd cent in month 1


def test_startup_credit_left_at_a_months_end_adds_back_what_later_invoices_took():
    later = invoice("in_apr", [line(3_000, start=date(2027, 4, 1), credits=3_000)])
    facts = CustomerFacts(1, "startup", [later], credit_grant_id="credgr_1", credit_expires_on=date(2028, 1, 1),
                          credit_remaining_now=0)
    assert credits_at_month_end(facts, MARCH) == 3_000
    assert customer_mrr(facts, MARCH, PRICES, {}).mrr_cents == 0  # on credits in March
    april = customer_mrr(facts, date(2027, 4, 1), PRICES, {})
    assert april.mrr_cents == 3_000  # ran out in April: counted as paid


def test_missing_inputs_are_unresolved_with_a_reason_never_zero():
    assert customer_mrr(CustomerFacts(1, "startup", credit_grant_id="credgr_1"), MARCH, PRICES, {}) == \
        Unresolved("startup without credit_expires_at")
    assert "without a linked credits customer" in customer_mrr(
        CustomerFacts(1, "enterprise_amortized"), MARCH, PRICES, {}).reason
    assert "without an up-front invoice" in customer_mrr(CustomerFacts(1, "enterprise_yearly"), MARCH, PRICES, {}).reason
    draft = invoice("in_d", [], status="draft")
    facts = CustomerFacts(1, "enterprise_yearly", up_fronts=[(up_front_of(invoice("in_d", [], metadata={
        "amortize": "true", "amortize_start": "2027-03-01"})), draft)])
    assert customer_mrr(facts, MARCH, PRICES, {}).reason == "enterprise yearly whose up-front invoice in_d is draft"


def test_paid_lines_are_counted_after_their_discounts():
    facts = CustomerFacts(1, "paid", [invoice("in_1", [line(5_000, discount=1_000)])])
    assert customer_mrr(facts, MARCH, PRICES, {}).product_cents == {"product_analytics": 4_000}


def test_a_customer_billed_in_another_currency_is_listed_not_added():
    """Revenue is counted in the catalog's currency; euros are not summed into dollars at no rate."""
    euros = invoice("in_eur", [line(4_999)]) | {"currency": "eur"}
    facts = CustomerFacts(1, "paid", [euros])
    found = customer_mrr(facts, MARCH, PRICES, {}, "usd")
    assert isinstance(found, Unresolved)
    assert found.reason == ("billed in EUR: revenue is counted in USD and no exchange rate is set, so it is listed "
                            "here, not added")
    dollars = CustomerFacts(1, "paid", [invoice("in_usd", [line(4_999)]) | {"currency": "usd"}])
    assert customer_mrr(dollars, MARCH, PRICES, {}, "usd").mrr_cents == 4_999
    assert customer_mrr(facts, MARCH, PRICES, {}, "eur").mrr_cents == 4_999  # a catalog kept in euros counts it
