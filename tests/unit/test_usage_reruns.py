"""What a re-run of a flagged usage day achieved: settled, still refused, or not re-run at all."""
from datetime import date, datetime

import pytest

from app.billing.usage_gaps import Gap, Rerun, SendRun, latest_rerun, rerun_date

NIGHT = SendRun(datetime(2027, 5, 12, 0, 25), sent=40, errors=0, nightly=True)
MORNING = SendRun(datetime(2027, 5, 12, 9, 30), sent=4, errors=2)
AFTERNOON = SendRun(datetime(2027, 5, 12, 14, 3), sent=6, errors=0)


@pytest.mark.parametrize("runs, pending, refused, expected", [
    ([], 0, 0, None),
    ([NIGHT], 0, 0, None),  # the nightly send is the run that left the gap
    ([NIGHT, AFTERNOON], 0, 0, Rerun(AFTERNOON.at, 6, 0, 0)),
    ([AFTERNOON, MORNING], 0, 2, Rerun(AFTERNOON.at, 6, 2, 0)),  # the latest, with errors still standing
    ([MORNING], 0, 2, Rerun(MORNING.at, 4, 2, 0)),
    ([MORNING], 2, 0, Rerun(MORNING.at, 4, 2, 2)),  # errors cleared, not yet re-run
])
def test_latest_rerun(runs, pending, refused, expected):
    assert latest_rerun(runs, pending, refused) == expected


@pytest.mark.parametrize("rerun, settled, summary", [
    (Rerun(AFTERNOON.at, 6, 0, 0), True, "re-run 2027-05-12 14:03 UTC: 6 sent, 0 errors"),
    (Rerun(MORNING.at, 4, 2, 0), False, "re-run 2027-05-12 09:30 UTC: 4 sent, 2 errors"),
    (Rerun(MORNING.at, 4, 0, 3), False, "re-run 2027-05-12 09:30 UTC: 4 sent, 0 errors, 3 still pending"),
])
def test_a_rerun_is_settled_only_with_nothing_pending_or_refused(rerun, settled, summary):
    assert (rerun.settled, rerun.summary) == (settled, summary)


def test_the_form_offers_the_latest_gap_a_rerun_has_not_settled():
    older, newer = (Gap(date(2027, 5, d), "US", "zero", "") for d in (3, 9))
    today = date(2027, 5, 12)
    assert rerun_date([older, newer], {}, today) == date(2027, 5, 10)
    assert rerun_date([older, newer], {newer.day: Rerun(AFTERNOON.at, 6, 0, 0)}, today) == date(2027, 5, 4)
    assert rerun_date([newer], {newer.day: Rerun(AFTERNOON.at, 6, 0, 0)}, today) == date(2027, 5, 10)
    assert rerun_date([], {}, today) == today
