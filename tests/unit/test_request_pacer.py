"""The request pacer: evenly spaced turns, and a late sender catching up at most `slack` seconds."""
from app.gateways import stripe as gateway_module
from app.gateways.stripe import RequestPacer


class Clock:
    def __init__(self):
        self.now, self.slept = 100.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def _pacer(monkeypatch, rate, slack=0.0):
    clock = Clock()
    monkeypatch.setattr(gateway_module.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(gateway_module.time, "sleep", clock.sleep)
    return RequestPacer(rate, slack=slack), clock


def test_turns_are_spaced_by_the_rate_and_weighted_by_units(monkeypatch):
    pacer, clock = _pacer(monkeypatch, 100)
    for units in (1, 1, 10, 1):
        pacer.wait(units)
    assert clock.slept == [0.01, 0.01, 0.1]


def test_a_late_sender_catches_up_at_most_the_slack_and_never_beats_the_limit(monkeypatch):
    pacer, clock = _pacer(monkeypatch, 950, slack=0.05)
    pacer.wait()
    clock.now += 1.0  # the sender was busy for a second
    started, turns = clock.now, []
    for _ in range(2000):
        pacer.wait()
        turns.append(clock.now)
    assert sum(t == started for t in turns) == 48  # 0.05 s of missed turns at once (47.5, rounded up)
    busiest = max(sum(1 for t in turns if s <= t < s + 1.0) for s in turns[:200])
    assert 990 <= busiest < 1000  # 950/s plus the catch-up: still under Stripe's 1,000 in any second


def test_without_slack_missed_time_is_not_caught_up(monkeypatch):
    pacer, clock = _pacer(monkeypatch, 100)
    pacer.wait()
    clock.now += 1.0
    pacer.wait()
    pacer.wait()
    assert clock.slept == [0.01]
