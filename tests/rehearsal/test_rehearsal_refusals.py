"""A rehearsal that cannot run says why in one line, and writes nothing in our database or in Stripe."""
import json

import pytest


def test_a_live_key_is_refused(app, scheduled_plan, rehearse, nothing_written, monkeypatch):
    plan = scheduled_plan("massive-dynamic-36m")
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_live_51Example")
    with nothing_written():
        result = rehearse(plan.id)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: a rehearsal needs Stripe's test mode (test clocks): the configured key is a live key; use a test key "
        "(sk_test_...) or the emulator"]


def test_a_row_without_its_stripe_objects_is_refused(ready_plan, rehearse, nothing_written):
    plan = ready_plan("acme")
    with nothing_written():
        result = rehearse(plan.id)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: row {plan.id} has no Stripe objects to rehearse yet: it needs its Stripe customer, year one's invoice "
        "and its schedule (Create Annual Subscription, Amortize, Schedule)")


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "the usage file is not JSON"),
    ("[1, 2]", 'the usage file must be a JSON object: {"product_key": {"YYYY-MM": quantity}}'),
    (json.dumps({"feature_flags": {"2027-03": 5}}),
     "usage file: 'feature_flags' is not a metered product of this row (it has: product_analytics, session_replay)"),
    (json.dumps({"product_analytics": [5]}), 'usage file: product_analytics must map months to quantities'),
    (json.dumps({"product_analytics": {"2027-13": 5}}), "usage file: product_analytics: '2027-13' is not a month"),
    (json.dumps({"product_analytics": {"2031-01": 5}}),
     "usage file: product_analytics: 2031-01 is outside the term (2027-02 to 2030-01)"),
    (json.dumps({"product_analytics": {"2027-03": -1}}), "usage file: product_analytics 2027-03: the quantity must"),
    (json.dumps({"product_analytics": {"2027-03": 1.5}}), "not 1.5"),
])
def test_a_usage_file_in_the_wrong_shape_is_refused(scheduled_plan, rehearse, nothing_written, tmp_path, content,
                                                    message):
    plan = scheduled_plan("massive-dynamic-36m")
    usage = tmp_path / "usage.json"
    usage.write_text(content)
    with nothing_written():
        result = rehearse(plan.id, "--usage", usage)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ") and message in line
