"""A customer as JSON, the same from the web and the CLI, with the checks a person would see."""
import json
from datetime import date
from decimal import Decimal

FIELDS = {"id", "name", "email", "stripe_customer_id", "organization_ids", "configuration", "configuration_source",
          "linked_customer_id", "credit_discount_percent", "plans_map", "free_trial_until", "billing_limits",
          "subscription_id", "startup", "checks"}


def test_the_json_of_a_customer_web_and_cli_agree(app, client, login_as, db, make_customer):
    customer = make_customer(name="Hooli", organisation_id="org-hooli", plans_map={"session_replay": "session_replay_paid"},
                             billing_limits={"session_replay": 25000}, free_trial_until=date(2027, 3, 1),
                             credit_discount_percent=Decimal("12.5"), startup_credit_cents=5_000_000,
                             startup_credit_expires_on=date(2027, 12, 31), startup_credit_remaining_cents=4_200_000)
    login_as("viewer")
    data = client.get(f"/customers/{customer.id}.json").get_json()
    assert set(data) == FIELDS
    assert (data["organization_ids"], data["configuration"], data["configuration_source"]) == (
        ["org-hooli"], "paid", "subscription")
    assert (data["credit_discount_percent"], data["free_trial_until"], data["billing_limits"]) == (
        "12.5", "2027-03-01", {"session_replay": 25000})
    assert data["startup"] == {"credit_cents": 5000000, "expires_at": "2027-12-31", "remaining_cents": 4200000}
    assert {"rule": "configuration", "message": "A paid customer needs a Stripe customer; none is recorded."} in \
        data["checks"]
    runner = app.test_cli_runner()
    for reference in (str(customer.id), "org-hooli"):
        shown = runner.invoke(args=["customers", "show", reference, "--json"])
        assert shown.exit_code == 0 and json.loads(shown.output) == data
    listed = json.loads(runner.invoke(args=["customers", "list", "--json"]).output)
    assert listed == [data]


def test_a_subscribed_customer_without_an_organisation_says_so_in_its_checks(client, login_as, synced_customer):
    customer = synced_customer(name="Orphan Inc")
    login_as("viewer")
    data = client.get(f"/customers/{customer.id}.json").get_json()
    assert data["checks"] == [{"rule": "usage_billed",
                               "message": "no organisation: its usage can never be sent to Stripe"}]
    assert data["subscription_id"] == customer.subscription_id and data["startup"] is None


def test_an_unknown_customer_is_404_json_and_one_cli_line(app, client, login_as):
    login_as("viewer")
    response = client.get("/customers/999.json")
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "no customer '999'"
    result = app.test_cli_runner().invoke(args=["customers", "show", "cus_nobody"])
    assert result.exit_code == 1 and result.output.strip() == "Error: no customer 'cus_nobody'"


def test_the_json_needs_a_signed_in_user(client, make_customer):
    customer = make_customer(name="Hooli")
    assert client.get(f"/customers/{customer.id}.json").status_code == 302
