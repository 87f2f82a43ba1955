"""The product's clock following another one: an offset re-read at most every interval, frozen when
that clock is, and the last reading kept (said once) while it does not answer."""
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.timeutil import EmulatorClock

DAY = 86_400


class FakeEmulator:
    def __init__(self, offset=0, frozen_at=None):
        self.offset, self.frozen_at, self.reads, self.down = offset, frozen_at, 0, False

    def __call__(self):
        self.reads += 1
        if self.down:
            raise ConnectionRefusedError("Connection refused")
        if self.frozen_at is not None:
            return self.frozen_at, True
        return int(time.time()) + self.offset, False


def _real() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def test_it_keeps_the_emulators_offset_and_reads_it_at_most_once_an_interval():
    emulator = FakeEmulator(offset=40 * DAY)
    clock = EmulatorClock(emulator, interval=60)
    moments = [clock.now() for _ in range(10_000)]
    assert emulator.reads == 1
    assert abs(moments[-1] - (_real() + timedelta(days=40))) < timedelta(seconds=2)
    assert moments == sorted(moments)  # still this machine's time passing, moved on


def test_an_emulator_nobody_moved_gives_exactly_this_machines_time():
    clock = EmulatorClock(FakeEmulator(offset=0), interval=60)
    clock.refresh()
    assert clock.offset() == timedelta(0)


def test_refresh_reads_a_moved_clock_at_once():
    emulator = FakeEmulator(offset=0)
    clock = EmulatorClock(emulator, interval=60)
    clock.now()
    emulator.offset = DAY
    assert clock.now() - _real() < timedelta(seconds=2)  # not due yet: the last reading stands
    clock.refresh()
    assert clock.offset() == timedelta(days=1)


def test_a_frozen_emulator_clock_stops_the_products_time():
    frozen_at = int(datetime(2027, 2, 1, tzinfo=UTC).timestamp())
    clock = EmulatorClock(FakeEmulator(frozen_at=frozen_at), interval=0)
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() == first == datetime(2027, 2, 1)
    assert "frozen at 2027-02-01 00:00:00" in clock.describe()


def test_while_the_emulator_is_down_the_last_offset_stands_and_the_log_says_so_once(caplog):
    emulator = FakeEmulator(offset=3 * DAY)
    clock = EmulatorClock(emulator, source="http://127.0.0.1:12111", interval=0, retry_after=0)
    clock.refresh()
    emulator.down = True
    with caplog.at_level(logging.WARNING, logger="app.timeutil"):
        for _ in range(5):
            clock.refresh()
            moment = clock.now()
    assert abs(moment - (_real() + timedelta(days=3))) < timedelta(seconds=2)
    assert emulator.reads >= 6
    [warning] = caplog.messages
    assert "did not answer (Connection refused)" in warning and "+3d 00:00:00" in warning
    assert "not answering" in clock.describe()
    emulator.down = False
    with caplog.at_level(logging.WARNING, logger="app.timeutil"):
        clock.refresh()
    assert "answers again" in caplog.messages[-1] and clock.answering


@pytest.mark.parametrize("failure", [ValueError("not a clock"), TimeoutError("read timed out")])
def test_no_failure_of_the_reading_reaches_the_caller(failure):
    def read():
        raise failure

    clock = EmulatorClock(read, interval=0, retry_after=0)
    assert abs(clock.now() - _real()) < timedelta(seconds=2)
    assert clock.answering is False and clock.error == str(failure)
