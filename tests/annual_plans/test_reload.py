"""Re-loading from the contract never silently overwrites a person's edit."""
import pytest

from app.models import AnnualPlan, AuditEntry, Job
from tests.annual_plans.helpers import as_body, completion, deliver, loaded_sample


@pytest.fixture
def acme(client, db):
    return loaded_sample(client, db, "acme")


def _load(client, plan):
    return client.post(f"/annual-plans/{plan.id}/load", headers={"HX-Request": "true"})


def test_reloading_an_unedited_row_changes_nothing(client, db, login_as, acme):
    login_as("cs")
    before = client.get(f"/annual-plans/{acme.id}.json").get_json()
    response = _load(client, acme)
    assert response.status_code == 200 and f'id="plan-{acme.id}"' in response.get_data(as_text=True)
    after = client.get(f"/annual-plans/{acme.id}.json").get_json()
    assert {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}


def test_reloading_an_edited_row_keeps_the_edit_and_shows_the_difference(client, db, login_as, acme):
    login_as("cs")
    client.post(f"/annual-plans/{acme.id}/cells/term_months", data={"value": "12", "version": acme.version})
    response = _load(client, acme)
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(f"/annual-plans/{acme.id}#reload")
    db.session.refresh(acme)
    assert acme.term_months == 12
    page = client.get(f"/annual-plans/{acme.id}").get_data(as_text=True)
    assert "The contract differs from your edits" in page and 'value="term_months"' in page
    applied = client.post(f"/annual-plans/{acme.id}/contract-values", data={"field": "term_months", "version": acme.version})
    assert applied.status_code == 302
    db.session.refresh(acme)
    assert acme.term_months == 24 and "term_months" not in acme.edited_fields
    assert "The contract differs" not in client.get(f"/annual-plans/{acme.id}").get_data(as_text=True)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "annual_plan.contract_values_applied"))
    assert entry.before == {"term_months": 12} and entry.after == {"term_months": 24}


def test_applying_nothing_is_refused(client, db, login_as, acme):
    login_as("cs")
    response = client.post(f"/annual-plans/{acme.id}/contract-values", data={"version": acme.version})
    assert response.status_code == 422 and "Tick at least one field" in response.get_data(as_text=True)


def test_a_confirmed_warning_is_not_raised_again_on_reload(client, db, login_as):
    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("cs")
    client.post(f"/annual-plans/{plan.id}/warnings/term_months/confirm", data={"version": plan.version})
    _load(client, plan)
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, plan.id)
    assert "term_months" not in {w.field for w in plan.open_warnings}
    assert "line.session_replay.upfront_amount_cents" in {w.field for w in plan.open_warnings}


def test_a_contract_that_cannot_be_read_shows_the_error_on_the_row(client, db, login_as):
    deliver(client, as_body([completion("NoSuchDocument", "Missing")]))
    from app.jobs import job_queue

    job_queue.drain()
    plan = db.session.scalar(db.select(AnnualPlan))
    assert plan.stage == "received" and "no details file for document NoSuchDocument" in plan.load_error
    login_as("viewer")
    assert "Load failed: no details file" in client.get("/annual-plans").get_data(as_text=True)


def test_a_contract_that_cannot_be_read_fails_its_load_job_and_keeps_the_rows_error(client, db):
    deliver(client, as_body([completion("NoSuchDocument", "Missing")]))
    from app.jobs import job_queue

    job_queue.drain()
    db.session.expire_all()
    job, plan = db.session.scalar(db.select(Job)), db.session.scalar(db.select(AnnualPlan))
    assert job.status == "failed" and job.error.startswith("no details file for document NoSuchDocument")
    assert job.error == plan.load_error


def test_a_row_past_ready_is_not_reloaded(client, db, login_as, acme):
    acme.stage = "invoiced"
    db.session.commit()
    login_as("cs")
    response = _load(client, acme)
    assert response.status_code == 422 and "is not re-loaded" in response.get_data(as_text=True)


def test_an_edit_alone_shows_no_contract_difference_only_a_reload_does(client, db, login_as, acme):
    login_as("cs")
    client.post(f"/annual-plans/{acme.id}/cells/term_months", data={"value": "12", "version": acme.version})
    assert "The contract differs" not in client.get(f"/annual-plans/{acme.id}").get_data(as_text=True)
    _load(client, acme)
    page = client.get(f"/annual-plans/{acme.id}").get_data(as_text=True)
    assert "The contract differs from your edits" in page and ">Term (months)</label>" in page


def test_a_resolved_warning_loses_its_mark_on_the_plan_page(client, db, login_as):
    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("cs")
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    marks = page.count('<span class="badge warn" title=')
    client.post(f"/annual-plans/{plan.id}/warnings/term_months/confirm", data={"version": plan.version})
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    assert page.count('<span class="badge warn" title=') < marks and "✓ resolved" in page
