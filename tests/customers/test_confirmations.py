"""Actions that change Stripe at once ask first, restating what will happen (issue 17, item 3).

The dialog itself runs in the browser (tests/browser/test_customers.py); here: the restated text the
page carries for each action, with the customer, subscription and product it will change."""
import html
import re


def _confirmations(client, customer) -> list[str]:
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    return [html.unescape(text) for text in re.findall(r'data-confirm="([^"]*)"', page)]


def test_change_price_restates_the_product_the_subscription_and_no_proration(client, login_as, synced_customer):
    customer = synced_customer("Walrus Holdings")
    login_as("finance")
    texts = [t for t in _confirmations(client, customer) if t.startswith("Move ")]
    assert any(t.startswith("Move Walrus Holdings's Session replay from ") for t in texts), texts
    assert all(f"to {{price_id}} on subscription {customer.subscription_id}? Stripe changes it at once, "
               "without proration." in t for t in texts)


def test_coupon_apply_and_remove_restate_the_coupon_and_the_subscription(client, login_as, synced_customer, coupon):
    customer = synced_customer("Walrus Holdings", coupon=coupon(percent_off=15, name="Fifteen"))
    login_as("cs")
    texts = _confirmations(client, customer)
    assert (f"Apply the coupon {{coupon}} to Walrus Holdings's subscription {customer.subscription_id}? "
            "Stripe applies it at once.") in texts
    assert (f"Remove Fifteen from Walrus Holdings's subscription {customer.subscription_id}? Stripe removes it "
            "at once; their next invoice is charged without it.") in texts


def test_credit_discount_restates_the_percent_typed(client, login_as, synced_customer):
    customer = synced_customer("Walrus Holdings")
    login_as("finance")
    assert any(t.startswith("Set Walrus Holdings's credit discount to {percent}% (0 removes it)? Stripe's coupon")
               for t in _confirmations(client, customer))


def test_a_viewer_is_asked_nothing(client, login_as, synced_customer):
    customer = synced_customer("Walrus Holdings")
    login_as("viewer")
    assert _confirmations(client, customer) == []
