"""The row's Stripe customer: search the emulator, link one, or create one idempotently."""
import pytest

from app.models import AnnualPlan, StripeOperation
from tests.annual_plans.helpers import loaded_sample


@pytest.fixture
def acme(client, db):
    return loaded_sample(client, db, "acme")


def _customers(stripe_emulator):
    return list(stripe_emulator.state.collection("customer").values())


def test_search_by_email_and_by_name(client, db, login_as, acme, stripe_client):
    stripe_client.v1.customers.create(params={"name": "Acme Corp", "email": "carla.fo@acme.example"})
    stripe_client.v1.customers.create(params={"name": "Globex", "email": "ap@globex.example"})
    login_as("cs")
    by_email = client.get(f"/annual-plans/{acme.id}/stripe-customers?q=carla.fo@acme.example").get_data(as_text=True)
    assert "Acme Corp" in by_email and "Globex" not in by_email and "Use this customer" in by_email
    by_name = client.get(f"/annual-plans/{acme.id}/stripe-customers?q=Glob").get_data(as_text=True)
    assert "ap@globex.example" in by_name and "Acme" not in by_name
    nothing = client.get(f"/annual-plans/{acme.id}/stripe-customers?q=Initech").get_data(as_text=True)
    assert "No Stripe customer matches" in nothing
    too_short = client.get(f"/annual-plans/{acme.id}/stripe-customers?q=a")
    assert too_short.status_code == 422 and "at least two characters" in too_short.get_data(as_text=True)


def test_link_an_existing_customer(client, db, login_as, acme, stripe_client):
    customer = stripe_client.v1.customers.create(params={"name": "Acme Corp"})
    acme.organization_ids = ["org-acme"]
    db.session.commit()
    login_as("cs")
    response = client.post(f"/annual-plans/{acme.id}/stripe-customer",
                           data={"customer_id": customer.id, "version": acme.version})
    assert response.status_code == 302
    db.session.refresh(acme)
    assert acme.stripe_customer_id == customer.id and acme.stage == "ready"


def test_linking_an_unknown_customer_is_refused(client, db, login_as, acme, stripe_emulator):
    login_as("cs")
    response = client.post(f"/annual-plans/{acme.id}/stripe-customer",
                           data={"customer_id": "cus_doesnotexist", "version": acme.version})
    assert response.status_code == 422
    assert "cannot use cus_doesnotexist" in response.get_data(as_text=True)
    db.session.refresh(acme)
    assert acme.stripe_customer_id is None


def _create(client, plan, **overrides):
    data = {"name": "Acme Corp", "email": "carla.fo@acme.example", "line1": "1 Road Runner Way",
            "city": "Phoenix", "postal_code": "85001", "country": "us", "version": plan.version, **overrides}
    return client.post(f"/annual-plans/{plan.id}/stripe-customer/new", data=data)


def test_create_a_customer_from_the_row(client, db, login_as, acme, stripe_emulator):
    login_as("finance")
    assert _create(client, acme).status_code == 302
    db.session.refresh(acme)
    [customer] = _customers(stripe_emulator)
    assert acme.stripe_customer_id == customer["id"]
    assert (customer["name"], customer["email"], customer["address"]["country"]) == ("Acme Corp", "carla.fo@acme.example", "US")
    assert customer["metadata"] == {"annual_plan_id": str(acme.id), "document_id": acme.document_id}
    op = db.session.scalar(db.select(StripeOperation))
    assert (op.action, op.status, op.stripe_object_id) == ("create_customer", "succeeded", customer["id"])


def test_a_double_click_creates_one_customer(client, db, login_as, acme, stripe_emulator):
    login_as("cs")
    first, second = _create(client, acme), _create(client, acme)  # same version: the second is stale
    assert first.status_code == 302 and second.status_code in (409, 422)
    assert len(_customers(stripe_emulator)) == 1


def test_a_crash_after_stripe_answered_is_recovered_without_a_second_customer(client, db, login_as, acme,
                                                                             stripe_emulator, monkeypatch):
    """Stripe created the customer, then our commit never happened: the retry replays the key."""
    from app.services import plan_customers

    login_as("cs")
    real = plan_customers._set_customer

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed after Stripe answered")

    monkeypatch.setattr(plan_customers, "_set_customer", crash)
    with pytest.raises(RuntimeError):
        _create(client, acme)
    monkeypatch.setattr(plan_customers, "_set_customer", real)
    db.session.rollback()
    plan = db.session.get(AnnualPlan, acme.id)
    assert plan.stripe_customer_id is None
    assert _create(client, plan).status_code == 302
    assert len(_customers(stripe_emulator)) == 1
    db.session.refresh(plan)
    assert plan.stripe_customer_id == _customers(stripe_emulator)[0]["id"]


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "name is required"),
    ({"email": "nope"}, "is not an email address"),
    ({"country": "USA"}, "two-letter code"),
    ({"tax_id_type": "eu_vat"}, "needs both its type"),
])
def test_bad_customer_input_is_422_and_creates_nothing(client, db, login_as, acme, stripe_emulator, overrides, message):
    login_as("cs")
    response = _create(client, acme, **overrides)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _customers(stripe_emulator) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(StripeOperation)) == 0
