"""The Jobs list tells the four states apart by mark, word and colour, and a failed job shows its error and the
parameters it ran with."""
import re

from app.models import Job


def _job(db, status, **fields):
    job = Job(kind="usage.send_reports", status=status, arguments={"date": "2027-05-12", "org_ids": ["org-1", "org-2"]},
              **fields)
    db.session.add(job)
    db.session.commit()
    return job


def _row(html, job):
    return re.search(rf'<tr id="job-{job.id}" class="job status-(\w+)">(.*?)</tr>', html, re.S)


def test_each_state_has_its_own_badge_with_a_mark_and_a_word(client, db, login_as):
    jobs = {status: _job(db, status) for status in ("queued", "running", "succeeded", "failed")}
    login_as("viewer")
    html = client.get("/jobs").get_data(as_text=True)
    marks = {"queued": "◷", "running": "▶", "succeeded": "✓", "failed": "✕"}
    for status, job in jobs.items():
        row = _row(html, job)
        assert row[1] == status
        assert (f'<span class="badge status-{status}"><span aria-hidden="true">{marks[status]}</span> {status}</span>'
                in row[2])


def test_a_failed_job_shows_its_error_and_parameters_in_the_list(client, db, login_as):
    job = _job(db, "failed", error="0 reports sent, 0 skipped, 3 errors. Why: 3 events: Stripe: The event timestamp "
                                   "must be within the past 35 calendar days\nsecond line")
    login_as("viewer")
    row = _row(client.get("/jobs").get_data(as_text=True), job)[2]
    assert '<div class="job-parameters muted">date: 2027-05-12 · org ids: org-1, org-2</div>' in row
    assert "Why: 3 events: Stripe: The event timestamp must be within the past 35 calendar days\nsecond line" in row
