"""The token bucket's arithmetic, as every store applies it."""
import pytest

from app.billing.token_bucket import BucketRule, take

RULE = BucketRule(per_second=2, burst=3)


def test_a_new_bucket_is_full_and_a_request_takes_one():
    taken = take(RULE, None, None, now=100.0)
    assert (taken.allowed, taken.tokens, taken.wait) == (True, 2.0, 0.0)


def test_an_empty_bucket_refuses_and_says_how_long_to_wait():
    taken = take(RULE, 0.5, 100.0, now=100.0)
    assert (taken.allowed, taken.tokens, taken.wait) == (False, 0.5, 0.25)


@pytest.mark.parametrize(("tokens", "elapsed", "left"), [(0.0, 1.0, 1.0), (0.0, 60.0, 2.0), (2.5, 0.0, 1.5)])
def test_the_bucket_refills_at_its_rate_up_to_its_burst(tokens, elapsed, left):
    assert take(RULE, tokens, 100.0, now=100.0 + elapsed).tokens == left


def test_a_clock_behind_the_last_write_refills_nothing():
    taken = take(RULE, 0.0, 100.0, now=90.0)
    assert not taken.allowed and taken.tokens == 0.0
