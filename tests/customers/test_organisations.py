"""A customer's organisations: edited in place and from the CLI, one owner each, and loud when usage is not billed."""
from datetime import timedelta

import pytest

from app.models import AuditEntry, Customer
from app.timeutil import utcnow
from tests.factories import make_usage_reports


def _post(client, customer, value, version=None):
    return client.post(f"/customers/{customer.id}/organisations",
                       data={"organisation_ids": value, "version": customer.version if version is None else version},
                       headers={"HX-Request": "true"})


def _orgs(db, customer):
    db.session.expire_all()
    return db.session.get(Customer, customer.id).organisation_ids


def test_add_and_remove_organisations_in_place(client, login_as, db, make_customer):
    login_as("cs")
    customer = make_customer(name="Hooli", organisation_id="org-hooli")
    response = _post(client, customer, "org-hooli, org-hooli-eu")
    assert response.status_code == 200 and "Organisations saved" in response.get_data(as_text=True)
    assert _orgs(db, customer) == ["org-hooli", "org-hooli-eu"]
    customer = db.session.get(Customer, customer.id)
    assert _post(client, customer, "org-hooli-eu").status_code == 200
    assert _orgs(db, customer) == ["org-hooli-eu"]
    changes = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "customer.organisations_changed")
                                 .order_by(AuditEntry.id)).all()
    assert [c.after["organisation_ids"] for c in changes] == [["org-hooli", "org-hooli-eu"], ["org-hooli-eu"]]


@pytest.mark.parametrize(("typed", "message"), [
    ("org-raviga", "organisation org-raviga already belongs to customer Raviga"),
    ("org one!", "not an organisation id"),
])
def test_bad_organisations_are_refused_in_place_and_nothing_is_written(client, login_as, db, make_customer,
                                                                       nothing_written, typed, message):
    make_customer(name="Raviga", organisation_id="org-raviga")
    customer = make_customer(name="Hooli", organisation_id="org-hooli")
    login_as("cs")
    with nothing_written():
        response = _post(client, customer, typed)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert 'id="organisations"' in response.get_data(as_text=True)


def test_the_cli_sets_organisations_by_any_name_of_the_customer(app, db, make_customer):
    customer = make_customer(name="Hooli", organisation_id="org-hooli")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["customers", "set-organisations", "org-hooli", "org-hooli", "org-hooli-2"])
    assert result.exit_code == 0 and "organisations org-hooli, org-hooli-2" in result.output
    assert _orgs(db, customer) == ["org-hooli", "org-hooli-2"]
    refused = runner.invoke(args=["customers", "set-organisations", str(customer.id), "bad org!"])
    assert refused.exit_code == 1 and refused.output.startswith("Error: Organisations: not an organisation id")
    assert _orgs(db, customer) == ["org-hooli", "org-hooli-2"]


def test_a_live_customer_without_an_organisation_fails_the_check_by_name(app, client, login_as, db,
                                                                         subscribed_customer):
    subscribed_customer(name="Orphan Inc")
    result = app.test_cli_runner().invoke(args=["customers", "check"])
    assert result.exit_code == 1
    assert "NOT BILLED Orphan Inc" in result.output and "no organisation" in result.output
    login_as("viewer")
    page = client.get("/customers/configuration").get_data(as_text=True)
    assert "Orphan Inc" in page and "can never be sent to Stripe" in page


def test_a_live_customer_with_no_recent_report_fails_the_check(app, db, subscribed_customer):
    subscribed_customer(name="Quiet Co", organisation_id="org-quiet")
    make_usage_reports(db.session, "org-quiet", {utcnow().date() - timedelta(days=8): {"product_analytics": 1}})
    result = app.test_cli_runner().invoke(args=["customers", "check"])
    assert result.exit_code == 1 and "no usage report for org-quiet" in result.output


def test_the_check_passes_when_every_live_customer_reported(app, db, synced_customer):
    synced_customer(name="Busy Co", organisation_id="org-busy")
    make_usage_reports(db.session, "org-busy", {utcnow().date() - timedelta(days=1): {"product_analytics": 1}})
    result = app.test_cli_runner().invoke(args=["customers", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 customers not billed, 0 with configuration mismatches"


def test_the_customer_page_says_loudly_when_its_usage_is_not_billed(client, login_as, db, subscribed_customer):
    customer = subscribed_customer(name="Orphan Inc")
    login_as("viewer")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Usage not billed:" in page and "no organisation: its usage can never be sent to Stripe" in page
