"""Every Stripe id links to its page in Stripe's dashboard (test or live by the key), every contract to its
PandaDoc document."""
import pytest

from app.formatting import pandadoc_document_html, stripe_dashboard_url, stripe_id_html
from tests.factories import make_annual_plan, make_customer


@pytest.mark.parametrize("object_id, live, url", [
    ("cus_A1", False, "https://dashboard.stripe.com/test/customers/cus_A1"),
    ("cus_A1", True, "https://dashboard.stripe.com/customers/cus_A1"),
    ("in_9", False, "https://dashboard.stripe.com/test/invoices/in_9"),
    ("sub_sched_7", False, "https://dashboard.stripe.com/test/subscription_schedules/sub_sched_7"),
    ("sub_7", True, "https://dashboard.stripe.com/subscriptions/sub_7"),
    ("price_3", False, "https://dashboard.stripe.com/test/prices/price_3"),
    ("credgr_5", False, "https://dashboard.stripe.com/test/billing/credit-grants/credgr_5"),
    ("evt_1", False, "https://dashboard.stripe.com/test/events/evt_1"),
    ("txi_1", False, None),
    ("credit-discount-20", False, None),
])
def test_dashboard_urls(object_id, live, url):
    assert stripe_dashboard_url(object_id, live) == url


def test_a_coupon_is_linked_by_its_kind():
    assert str(stripe_id_html("credit-discount-20", True, path="coupons")).startswith(
        '<a class="stripe-id" href="https://dashboard.stripe.com/coupons/credit-discount-20"')


def test_an_id_without_a_page_is_shown_as_code_and_markup_is_escaped():
    assert str(stripe_id_html("txi_1", False)) == "<code>txi_1</code>"
    assert "&lt;b&gt;" in str(stripe_id_html("cus_<b>", False))
    assert str(pandadoc_document_html("Doc1")) == (
        '<a class="pandadoc-id" href="https://app.pandadoc.com/a/#/documents/Doc1" target="_blank" rel="noopener" '
        'title="Open the contract in PandaDoc"><code>Doc1</code></a>')


def test_the_customer_page_and_list_link_the_stripe_customer(client, db, login_as):
    customer = make_customer(db.session, name="Linked Co", stripe_customer_id="cus_Linked1")
    db.session.commit()
    login_as("viewer")
    link = 'href="https://dashboard.stripe.com/test/customers/cus_Linked1"'
    assert link in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert link in client.get("/customers").get_data(as_text=True)


def test_the_plan_page_links_its_contract_and_stripe_customer(client, db, login_as, stripe_emulator):
    plan = make_annual_plan(db.session, stripe_customer_id="cus_Plan1")
    login_as("viewer")
    html = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    assert f'href="https://app.pandadoc.com/a/#/documents/{plan.document_id}"' in html
    assert 'href="https://dashboard.stripe.com/test/customers/cus_Plan1"' in html

