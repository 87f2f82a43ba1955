"""Checking events: the inline path for the usual event accepts nothing the full check would refuse."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.billing.usage_input import (
    EVENT_FUTURE,
    EVENT_WINDOW,
    MAX_EVENT_VALUE,
    _Bad,
    checked_event,
    parse_events,
    plain_event,
)

NOW = datetime(2027, 5, 12, 9, 0)
NAMES = {"product_analytics_events", "session_replay"}
BOUNDS = (NOW - EVENT_WINDOW, NOW + EVENT_FUTURE)


def _event(**change):
    return {"identifier": "ev-1", "organization_id": "org-1", "event_name": "product_analytics_events",
            "value": 5, "timestamp": "2027-05-12T08:00:00Z"} | change


def test_the_usual_event_takes_the_inline_path():
    assert plain_event(_event(), NAMES, *BOUNDS) == {
        "identifier": "ev-1", "organisation_id": "org-1", "event_name": "product_analytics_events", "value": 5,
        "timestamp": datetime(2027, 5, 12, 8, 0)}


@pytest.mark.parametrize("change, timestamp", [
    ({"identifier": " ev-1 "}, datetime(2027, 5, 12, 8, 0)),
    ({"timestamp": "2027-05-12T08:00:00.250Z"}, datetime(2027, 5, 12, 8, 0, 0, 250000)),
    ({"timestamp": "2027-05-12T10:00:00+02:00"}, datetime(2027, 5, 12, 8, 0)),
    ({"timestamp": "2027-05-12 08:00:00"}, datetime(2027, 5, 12, 8, 0)),
    ({"timestamp": int(datetime(2027, 5, 12, 8, 0, tzinfo=UTC).timestamp())}, datetime(2027, 5, 12, 8, 0)),
])
def test_other_accepted_shapes_go_through_the_full_check(change, timestamp):
    item = _event(**change)
    assert plain_event(item, NAMES, *BOUNDS) is None
    parsed = parse_events([item], NAMES, NOW)
    assert parsed.errors == [] and parsed.items[0][1]["identifier"] == "ev-1"
    assert parsed.items[0][1]["timestamp"] == timestamp


def test_a_value_beyond_a_bigint_is_refused_with_its_field():
    parsed = parse_events([_event(value=MAX_EVENT_VALUE + 1)], NAMES, NOW)
    assert parsed.items == [] and parsed.errors[0].field == "value"


_stamp = st.datetimes(min_value=NOW - timedelta(days=36), max_value=NOW + timedelta(minutes=10))
_likely = st.fixed_dictionaries({
    "identifier": st.text(min_size=1, max_size=101), "organization_id": st.text(min_size=1, max_size=65),
    "event_name": st.sampled_from(sorted(NAMES) + [" session_replay"]),
    "value": st.integers(min_value=-1, max_value=MAX_EVENT_VALUE + 1),
    "timestamp": _stamp.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
})
_odd = st.dictionaries(
    st.sampled_from(["identifier", "organization_id", "event_name", "value", "timestamp"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3),
              st.text(alphabet="0123456789-:TZ+. ", min_size=19, max_size=21),
              _stamp.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))),
    max_size=1)


@given(st.builds(lambda likely, odd: likely | odd, _likely, _odd))
def test_the_inline_path_agrees_with_the_full_check(item):
    plain = plain_event(item, NAMES, *BOUNDS)
    if plain is None:
        return
    try:
        checked = checked_event(item, NAMES, *BOUNDS)
    except _Bad as exc:  # pragma: no cover - the failure this test exists to show
        pytest.fail(f"inline path accepted what the full check refuses: {exc}")
    assert plain == checked
