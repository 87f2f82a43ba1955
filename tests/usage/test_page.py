"""The Usage monitor: a chart, banners for gaps, missing vs zero, and the re-run button starting a job."""
from datetime import timedelta

import pytest

from app.models import Job, UsageRun
from tests.factories import make_usage_reports
from tests.usage.helpers import report_date_and_day


def _steady_week_then_gap(db):
    report_date, day = report_date_and_day()
    gap_day = day - timedelta(days=2)
    for n in range(5):
        make_usage_reports(db.session, f"o{n}", {day - timedelta(days=k): {"product_analytics": 1}
                                  for k in range(0, 12) if day - timedelta(days=k) != gap_day})
    return report_date, gap_day


def test_the_chart_flags_the_gap_and_offers_the_rerun_date(client, db, login_as):
    login_as("cs")
    _, gap_day = _steady_week_then_gap(db)
    html = client.get("/usage").get_data(as_text=True)
    assert 'id="usage-plot"' in html and html.count('class="num gap"') == 1
    assert f'<tr data-day="{gap_day}">' in html and f'"{gap_day}"' in html  # in the table and the chart's data
    assert f"US sent no usage reports for {gap_day}" in html
    assert f"Re-run for {gap_day + timedelta(days=1)}" in html
    assert f'value="{gap_day + timedelta(days=1)}"' in html


def test_missing_reports_are_told_apart_from_zero_usage(client, db, login_as):
    login_as("viewer")
    report_date, day = report_date_and_day()
    make_usage_reports(db.session, "a", {day - timedelta(days=1): {"product_analytics": 1}, day: {"product_analytics": 1}})
    make_usage_reports(db.session, "b", {day - timedelta(days=1): {"product_analytics": 1}})
    make_usage_reports(db.session, "c", {day - timedelta(days=1): {"product_analytics": 1}}, instance="EU")
    make_usage_reports(db.session, "d", {day - timedelta(days=1): {"product_analytics": 1}, day: {"product_analytics": 1}},
                instance="EU")
    db.session.add(UsageRun(instance="EU", date=day, total_orgs=1, orgs_sent=1))
    db.session.commit()
    html = client.get("/usage").get_data(as_text=True)
    assert "US: 1 organisations had usage the day before and no report:\n      b" in html
    assert "EU: 1 organisations sent no report; the run summary accounts for them" in html


def test_the_rerun_button_starts_the_job_and_shows_its_progress(client, db, login_as):
    login_as("cs")
    report_date, _ = report_date_and_day()
    response = client.post("/usage/rerun", data={"date": report_date.isoformat(), "orgs": "org-1, org-2"},
                           headers={"HX-Request": "true"})
    job = db.session.scalar(db.select(Job).where(Job.kind == "usage.send_reports"))
    assert response.status_code == 200
    assert job.arguments == {"date": report_date.isoformat(), "org_ids": ["org-1", "org-2"]}
    assert f'id="job-status-{job.id}"' in response.get_data(as_text=True) and "<progress" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw, words", [("12/05/2027", "is not a date"), ("2001-01-02", "35-day")])
def test_a_bad_rerun_date_is_shown_in_place_and_starts_nothing(client, db, login_as, raw, words):
    login_as("cs")
    response = client.post("/usage/rerun", data={"date": raw}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Job)) is None


def test_a_viewer_cannot_rerun(client, db, login_as, nothing_written):
    login_as("viewer")
    report_date, _ = report_date_and_day()
    with nothing_written():
        assert client.post("/usage/rerun", data={"date": report_date.isoformat()}).status_code == 403
    assert db.session.scalar(db.select(Job)) is None


def test_demo_usage_shows_one_gap(app, client, db, login_as):
    from app.demo.usage import seed_demo_usage

    login_as("viewer")
    with app.test_request_context():
        report = seed_demo_usage(db.session)
    html = client.get("/usage").get_data(as_text=True)
    assert "US sent none" in report[0]
    assert html.count('class="num gap"') == 1 and "US sent no usage reports" in html


def test_a_gap_names_the_instance_that_must_resend_and_its_command(client, db, login_as):
    login_as("viewer")
    _, gap_day = _steady_week_then_gap(db)
    html = " ".join(client.get("/usage").get_data(as_text=True).split())
    report_date = gap_day + timedelta(days=1)
    assert ("Reports missing: the <strong>US</strong> instance re-sends them (on US: <code class=\"command\">"
            f"python manage.py send_usage_report --date {report_date} --async 1</code>") in html
    assert f"Then here, to send what arrived to Stripe: re-run with <strong>{report_date}</strong>" in html


def test_the_rerun_button_is_drawn_to_follow_its_date_field(client, db, login_as):
    login_as("cs")
    html = client.get("/usage").get_data(as_text=True)
    assert 'class="rerun-button"' in html and "usage.js" in html and "uPlot-1.6.32.iife.min.js" in html


def test_the_instances_late_resend_is_accepted_and_clears_the_gap(client, db, login_as, post):
    _, gap_day = _steady_week_then_gap(db)
    late = [{"organization_id": f"o{n}", "instance": "US", "date": gap_day.isoformat(),
             "usage": {"product_analytics": 1}} for n in range(5)]
    assert post("reports", {"reports": late}).status_code == 202
    login_as("viewer")
    html = client.get("/usage").get_data(as_text=True)
    assert "sent no usage reports" not in html and 'class="num gap"' not in html
