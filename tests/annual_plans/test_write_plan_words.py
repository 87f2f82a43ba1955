"""Each Stripe button's write plan opens with a sentence a finance person can check (issue 17, item 3)."""
import re

from tests.annual_plans.helpers import press


def _sentence(client, plan_id: int, action: str) -> str:
    page = client.get(f"/annual-plans/{plan_id}/actions/{action}").get_data(as_text=True)
    found = re.search(r'<p class="plan-sentence">(.*?)</p>', page, re.S)
    assert found, page[:3000]
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&")


def test_create_annual_subscription_says_the_invoice_and_the_custom_price(client, login_as, ready_plan):
    plan = ready_plan("acme")
    login_as("finance")
    assert _sentence(client, plan.id, "create_subscription") == (
        "Create a draft invoice for Acme Corp: 4 up-front lines, $102,500.00, due 2027-03-03; "
        "create 1 custom price: Session replay at $0.004 per recording; "
        f"note 1 organisation (org-acme) on the Stripe customer {plan.stripe_customer_id}.")



def test_amortize_invoice_says_what_is_spread_over_which_months(app, db, client, login_as, ready_plan):
    plan = press(app, db, ready_plan("acme").id, "create_subscription")
    login_as("finance")
    assert _sentence(client, plan.id, "amortize") == (
        f"Mark invoice {plan.invoice_id} of Acme Corp for revenue tracking: $102,500.00 spread over 12 months "
        "from 2027-02-01 to 2028-02-01.")


def test_schedule_subscription_names_the_term_and_each_price(app, db, client, login_as, ready_plan):
    plan = ready_plan("acme")
    for action in ("create_subscription", "amortize"):
        plan = press(app, db, plan.id, action)
    login_as("finance")
    assert _sentence(client, plan.id, "schedule") == (
        "Schedule Acme Corp's subscription from 2027-02-01 for 2 years with 3 prices: "
        "Product analytics (standard), Session replay (custom), Feature flags (free).")


def test_schedule_with_a_credit_discount_says_the_coupon_first(app, db, client, login_as, ready_plan):
    plan = ready_plan("globex")
    for action in ("create_subscription", "amortize"):
        plan = press(app, db, plan.id, action)
    login_as("finance")
    assert _sentence(client, plan.id, "schedule") == (
        "Create a 15% credit discount coupon; schedule Globex Corporation's subscription from 2027-03-15 for "
        "3 years with the coupon and 2 prices: Product analytics (custom), Group analytics (standard).")


def test_send_invoice_restates_amount_currency_recipient_and_due_date(app, db, client, login_as, ready_plan,
                                                                      stripe_client):
    plan = ready_plan("acme")
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={
        "address": {"line1": "1 Road Runner Way", "city": "Phoenix", "country": "US"}})
    plan.tax_id_not_needed = True
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    login_as("growth")
    assert _sentence(client, plan.id, "send_invoice") == (
        f"Finalize and send invoice {plan.invoice_id} for $102,500.00 (USD) to {plan.contact_email}, due 2027-03-03.")


def test_send_invoice_stays_disabled_until_the_checklist_passes(app, db, client, login_as, ready_plan, stripe_client):
    plan = ready_plan("acme")
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    login_as("growth")
    page = client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)
    assert '<button class="primary" disabled aria-describedby="send-blocked">Send invoice…</button>' in page
    assert f"/annual-plans/{plan.id}/actions/send_invoice" not in page and "once every check above passes" in page
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={
        "address": {"line1": "1 Road Runner Way", "city": "Phoenix", "country": "US"}})
    client.post(f"/annual-plans/{plan.id}/tax-id-not-needed", data={"value": "on"})
    page = client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)
    assert f'href="/annual-plans/{plan.id}/actions/send_invoice">Send invoice…</a>' in page and "disabled" not in page


def test_the_plan_page_names_fields_by_their_labels(client, db, login_as, catalog):
    from tests.annual_plans.helpers import loaded_sample

    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("viewer")
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    assert "<td>Product analytics: included volume</td>" in page and "<td>Session replay: up-front amount</td>" in page
    assert "<td>line.product_analytics.volume</td>" not in page


def test_load_from_contract_says_what_it_put_in_the_row(client, db, login_as, catalog):
    from app.models import Job
    from tests.annual_plans.helpers import loaded_sample

    plan = loaded_sample(client, db, "acme")
    login_as("viewer")
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    sentence = ("Acme Corp&#39;s contract: 4 products included (Product analytics, Session replay, Feature flags, "
                "Enterprise), $102,500.00 up front, from 2027-02-01 for 24 months, Net 30; no warnings to resolve.")
    assert f"<strong>Loaded from the contract:</strong> {sentence}" in page
    job = db.session.scalars(db.select(Job).filter_by(kind="annual_plans.load")).all()[-1]
    assert f"row {plan.id}: " + sentence.replace("&#39;", "'") in job.log


def test_load_from_contract_counts_the_warnings_left(client, db, login_as, catalog):
    from tests.annual_plans.helpers import loaded_sample

    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("viewer")
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    # 6: the EUR document currency is billed now, so it no longer warns
    assert ("Initech&#39;s contract: 2 products included (Product analytics, Session replay), no start date, Net 30; "
            "6 warnings to resolve.</p>") in page
