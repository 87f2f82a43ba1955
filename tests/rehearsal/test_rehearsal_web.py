"""Rehearse on the row's page: refused in place with nothing written, else a job whose result the section shows."""
import re

from app.jobs import job_queue

HX = {"HX-Request": "true"}


def test_the_button_runs_the_rehearsal_as_a_job_and_the_page_shows_every_invoice(client, login_as, scheduled_plan):
    plan = scheduled_plan("massive-dynamic-36m")
    login_as("cs")
    response = client.post(f"/annual-plans/{plan.id}/rehearse", headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    job_id = int(re.search(rf'hx-get="/annual-plans/{plan.id}/rehearsal\?job=(\d+)"', body).group(1))
    assert 'aria-label="Rehearsal progress"' in body
    assert job_queue.drain() == 1
    body = client.get(f"/annual-plans/{plan.id}/rehearsal?job={job_id}", headers=HX).get_data(as_text=True)
    assert "hx-trigger" not in body  # finished: the section stops polling
    assert re.search(r'id="credits-run-out">Prepaid credits run out: <strong>2030-02</strong>', body)
    assert body.count('class="flash flash-warning finding"') == 4
    assert body.count('class="invoice"') == 39  # 3 up-front and 36 usage invoices, in month order
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    assert 'id="rehearsal"' in page and "credits expire before they are used: year 1" in page


def test_a_refused_rehearsal_says_why_in_place_and_starts_nothing(app, client, login_as, scheduled_plan,
                                                                 nothing_written, monkeypatch):
    plan = scheduled_plan("massive-dynamic-36m")
    login_as("finance")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "rk_live_51Example")
    with nothing_written():
        response = client.post(f"/annual-plans/{plan.id}/rehearse", headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="rehearsal"' in body and "the configured key is a live key" in body  # no job: nothing written


def test_growth_cannot_rehearse(client, login_as, scheduled_plan, nothing_written):
    plan = scheduled_plan("massive-dynamic-36m")
    login_as("growth")
    with nothing_written():
        assert client.post(f"/annual-plans/{plan.id}/rehearse", headers=HX).status_code == 403


def test_an_instalment_row_offers_its_rehearsal(client, login_as, scheduled_instalments):
    plan = scheduled_instalments("pied-piper-quarterly")
    login_as("finance")
    page = client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)
    assert 'id="rehearsal"' in page and ">Rehearse</button>" in page
