"""The daily move off `valid_days` prices: on the right day, not before, once."""
from datetime import UTC, datetime, timedelta

import pytest

from app.jobs import job_queue
from app.models import AuditEntry, Job
from app.timeutil import freeze
from tests.factories import make_subscribed_customer

T0 = datetime(2027, 3, 1, 12, 0)
DAY = 86_400


@pytest.fixture
def clock(stripe_emulator):
    """Both clocks at T0; `clock(days)` moves both on."""
    stripe_emulator.set_time(int(T0.replace(tzinfo=UTC).timestamp()), frozen=True)

    def move_to(days: float):
        stripe_emulator.set_time(int((T0 + timedelta(days=days)).replace(tzinfo=UTC).timestamp()), frozen=True)
        freeze(T0 + timedelta(days=days))

    freeze(T0)
    yield move_to
    freeze(None)


@pytest.fixture
def timed_price(stripe_client, ids, clock):
    def create(product_key="session_replay", **metadata):
        return stripe_client.v1.prices.create(params={
            "product": ids("product", product_key), "currency": "usd", "nickname": "Startup",
            "billing_scheme": "tiered", "tiers_mode": "graduated",
            "tiers": [{"up_to": 5000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0"}],
            "recurring": {"interval": "month", "usage_type": "metered",
                          "meter": ids("meter", {"session_replay": "session_replay_recordings",
                                                 "product_analytics": "product_analytics_events"}[product_key])},
            "metadata": {"posthog_product_key": product_key, **metadata}}).id

    return create


@pytest.fixture
def subscribe(stripe_client, db):
    def create(*price_ids):
        return make_subscribed_customer(db.session, stripe_client, "Startup Co", products=(), prices=price_ids,
                                        billing_configuration="startup").subscription_id

    return create


def prices_on(stripe_client, sub_id):
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    return sorted(i.price.id for i in sub["items"].data)


def expire(app, *args):
    result = app.test_cli_runner().invoke(args=["catalog", "expire-prices", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_startup_price_moves_to_the_default_price_on_its_last_day_and_not_before(
        app, db, clock, timed_price, subscribe, price_of, stripe_client):
    startup = timed_price(plan="startup", valid_days="30")
    sub = subscribe(startup, price_of("product_analytics"))

    clock(29.9)
    assert "No subscription has a valid_days price that ran out" in expire(app)
    assert prices_on(stripe_client, sub) == sorted([startup, price_of("product_analytics")])

    clock(30)
    output = expire(app)
    assert f"{sub} " in output and f"session_replay: {startup} -> {price_of('session_replay')}" in output
    assert prices_on(stripe_client, sub) == sorted([price_of("session_replay"), price_of("product_analytics")])
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="subscription.price_expired")).one()
    assert entry.object_type == "customer" and entry.after == {next(iter(entry.after)): price_of("session_replay")}


def test_a_second_run_changes_nothing(app, db, clock, timed_price, subscribe, price_of, stripe_emulator):
    subscribe(timed_price(plan="startup", valid_days="30"), price_of("product_analytics"))
    clock(31)
    expire(app)
    events = len(stripe_emulator.state.collection("event"))

    assert "No subscription has a valid_days price that ran out" in expire(app)
    assert len(stripe_emulator.state.collection("event")) == events
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .filter_by(action="subscription.price_expired")) == 1


def test_a_price_without_plan_startup_moves_every_product_to_free(app, clock, timed_price, subscribe, price_of,
                                                                   stripe_client):
    sub = subscribe(timed_price(valid_days="14"), price_of("product_analytics"))
    clock(14)
    expire(app)
    assert prices_on(stripe_client, sub) == sorted([price_of("session_replay", "free"),
                                                    price_of("product_analytics", "free")])


def test_move_to_price_id_wins_and_the_shortest_validity_decides(app, clock, timed_price, subscribe, price_of,
                                                                  stripe_client):
    target = timed_price()  # a price without valid_days
    short = timed_price(plan="startup", valid_days="10", move_to_price_id=target)
    long = timed_price("product_analytics", plan="startup", valid_days="90")
    sub = subscribe(short, long)
    clock(10)
    expire(app)
    assert prices_on(stripe_client, sub) == sorted([target, price_of("product_analytics")])


def test_dry_run_says_what_would_move_and_changes_nothing(app, clock, timed_price, subscribe, stripe_client):
    startup = timed_price(plan="startup", valid_days="30")
    sub = subscribe(startup)
    clock(45)
    assert "would move session_replay" in expire(app, "--dry-run")
    assert prices_on(stripe_client, sub) == [startup]


def test_the_daily_task_runs_a_job_that_moves_them(app, db, clock, timed_price, subscribe, price_of, stripe_client):
    sub = subscribe(timed_price(plan="startup", valid_days="30"))
    clock(30)
    job_queue.run_periodic("expire_prices_daily")
    job_queue.drain()
    job = db.session.scalars(db.select(Job).filter_by(kind="catalog.expire_prices")).one()
    db.session.refresh(job)
    assert job.status == "succeeded", job.error
    assert prices_on(stripe_client, sub) == [price_of("session_replay")]
