"""Organisation ids from the contract to the usage Stripe bills: loaded, required, unique, carried to go-live."""
import json
from datetime import UTC, datetime

import pytest

from app import timeutil
from app.jobs import job_queue
from app.models import AnnualPlan, AuditEntry, Customer, StripeOperation
from tests.annual_plans.helpers import loaded_sample, press
from tests.annual_plans.test_go_live import _events, deliver_stripe
from tests.conftest import CONTRACTS
from tests.factories import make_customer, make_usage_reports
from tests.usage.helpers import emulator_meter_events

SOYLENT_ORGS = ["0190a1b2-5f3e-7c3d-9e4f-0000000000a1", "0190a1b2-5f3e-7c3d-9e4f-0000000000a2"]


def _save(client, plan, field, value):
    return client.post(f"/annual-plans/{plan.id}/cells/{field}", data={"value": value, "version": plan.version},
                       headers={"HX-Request": "true"})


def test_the_sample_loads_its_organisation_ids(client, db, login_as):
    login_as("viewer")
    plan = loaded_sample(client, db, "soylent-orgs")
    data = client.get(f"/annual-plans/{plan.id}.json").get_json()
    assert data["organization_ids"] == SOYLENT_ORGS
    assert (data["company"], data["start_date"], data["term_months"], data["warnings"]) == (
        "Soylent Foods", "2027-01-04", 12, [])
    assert sum(ln["upfront_amount_cents"] for ln in data["lines"] if ln["included"]) == 3600000
    assert "0190a1b2-5f3e-7c3d-9e4f-0000000000a1, 0190a1b2-5f3e-7c3d-9e4f-0000000000a2" in client.get(
        "/annual-plans").get_data(as_text=True)


def test_without_the_token_the_row_loads_says_so_and_create_is_refused(app, client, db, login_as, catalog,
                                                                       stripe_client, stripe_emulator, tmp_path):
    details = json.loads((CONTRACTS / "soylent-orgs.details.json").read_text())
    details["tokens"] = [t for t in details["tokens"] if t["name"] != "Client.OrganizationIds"]
    path = tmp_path / "soylent-no-orgs.details.json"
    path.write_text(json.dumps(details))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["annual-plans", "import-contract", str(path)])
    assert result.exit_code == 0, result.output
    plan = db.session.get(AnnualPlan, int(result.output.strip().splitlines()[-1]))
    plan.stripe_customer_id = stripe_client.v1.customers.create(params={"name": "Soylent Foods"}).id
    db.session.commit()
    login_as("finance")
    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert "no organisation: usage would never be billed" in row and plan.open_warnings == []
    preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert "no organisation: usage would never be billed" in preview
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")
    assert response.status_code == 422 and "no organisation" in response.get_data(as_text=True)
    assert stripe_emulator.state.collection("invoice") == {}
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id)).where(
        StripeOperation.subject_type == "annual_plan")) == 0
    refused = runner.invoke(args=["annual-plans", "create-subscription", str(plan.id)])
    assert refused.exit_code == 1 and "no organisation" in refused.output


def test_an_organisation_another_customer_bills_is_refused_with_its_name(app, client, db, login_as, nothing_written):
    make_customer(db.session, name="Initrode", organisation_id="org-taken")
    plan = loaded_sample(client, db, "acme")
    login_as("cs")
    with nothing_written():
        response = _save(client, plan, "organization_ids", "org-free, org-taken")
    assert response.status_code == 422
    assert "organisation org-taken already belongs to customer Initrode" in response.get_data(as_text=True)
    with nothing_written():
        result = app.test_cli_runner().invoke(args=["annual-plans", "set", str(plan.id), "organization_ids",
                                                    "org-taken"])
    assert result.exit_code == 1 and result.output.startswith("Error: organisation org-taken already belongs")


@pytest.mark.parametrize("typed", ["org a!", "org/1", "x" * 65])
def test_an_organisation_id_in_the_wrong_shape_is_refused(client, db, login_as, nothing_written, typed):
    plan = loaded_sample(client, db, "acme")
    login_as("cs")
    with nothing_written():
        response = _save(client, plan, "organization_ids", typed)
    assert response.status_code == 422 and "not an organisation id" in response.get_data(as_text=True)


def test_commas_or_spaces_and_repeats(client, db, login_as):
    plan = loaded_sample(client, db, "acme")
    login_as("cs")
    assert _save(client, plan, "organization_ids", "org-b org-a,org-b;  org-c").status_code == 200
    db.session.refresh(plan)
    assert plan.organization_ids == ["org-b", "org-a", "org-c"]
    audit = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "annual_plan.field_updated")).all()
    assert audit[-1].after == {"organization_ids": ["org-b", "org-a", "org-c"]}


def test_from_contract_to_a_usage_invoice(app, client, db, ready_plan, stripe_client, stripe_emulator):
    """Soylent goes live; its customer record bills both organisations; the nightly send bills their usage."""
    plan = ready_plan("soylent-orgs")
    assert plan.organization_ids == SOYLENT_ORGS  # from the contract, not the fixture's default
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    db.session.commit()
    metadata = stripe_client.v1.customers.retrieve(plan.stripe_customer_id).to_dict()["metadata"]
    assert (metadata["organisation_id"], metadata["organisation_ids"]) == (SOYLENT_ORGS[0], ",".join(SOYLENT_ORGS))

    stripe_emulator.set_time(int(datetime(2027, 1, 4, 0, 0, 5, tzinfo=UTC).timestamp()))
    for event in _events(stripe_emulator, "subscription_schedule.updated", "customer.subscription.created"):
        assert deliver_stripe(client, event).status_code == 200
    customer = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == plan.stripe_customer_id))
    assert customer.organisation_ids == SOYLENT_ORGS and customer.subscription_id
    assert (customer.billing_configuration, customer.configuration_source) == ("enterprise_yearly", "annual_plan")

    make_usage_reports(db.session, SOYLENT_ORGS[0], {datetime(2027, 1, 4).date(): {"product_analytics": 700}})
    make_usage_reports(db.session, SOYLENT_ORGS[1], {datetime(2027, 1, 4).date(): {"product_analytics": 42}})
    stripe_emulator.set_time(int(datetime(2027, 1, 5, 0, 30, tzinfo=UTC).timestamp()))
    timeutil.freeze(datetime(2027, 1, 5, 0, 30))  # the hour after midnight in Europe/London: the nightly send's hour
    try:
        job_queue.run_periodic("nightly_usage_send")
        assert job_queue.drain() == 1
    finally:
        timeutil.freeze(None)
    events = [e for e in emulator_meter_events(stripe_emulator) if e[1] == plan.stripe_customer_id]
    assert sorted(e[3] for e in events) == [742, 742]  # each organisation's event carries the customer's total
