"""Where the API's per-token buckets live, so every process and host counts the same requests.

Redis when REDIS_URL is set (one Lua script: read, refill, take, write, atomically), else the
database's rate_buckets table (a row lock on PostgreSQL; one conditional UPDATE on SQLite, whose
transactions already hold the write lock). Both apply `app/billing/token_bucket.py`.
"""
from __future__ import annotations

import time
from typing import Protocol

from sqlalchemy import func, select, update

from app.billing.token_bucket import BucketRule, Taken, take
from app.models import RateBucket

# The same rule as token_bucket.take, in Lua so Redis runs it in one step; Redis's clock, so hosts agree.
TAKE_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
if tokens < 1 then return {0, tostring((1 - tokens) / rate)} end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {1, '0'}
"""


class BucketStore(Protocol):
    def take(self, session, key: str, rule: BucketRule) -> Taken: ...


class RedisBuckets:
    """A full bucket is the same as none, so keys expire once they would have refilled."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client, self.prefix = redis.Redis.from_url(url), prefix
        self.script = self.client.register_script(TAKE_SCRIPT)

    def take(self, session, key: str, rule: BucketRule) -> Taken:
        allowed, wait = self.script(keys=[f"{self.prefix}:rate:{key}"], args=[rule.per_second, rule.burst])
        return Taken(bool(allowed), None, float(wait))


class DatabaseBuckets:
    """Writes in the caller's transaction, which the caller commits at once (the API's token check)."""

    def take(self, session, key: str, rule: BucketRule) -> Taken:
        now = time.time()
        _create_if_missing(session, key, rule.burst, now)
        if session.get_bind().dialect.name == "sqlite":
            return _take_in_one_update(session, key, rule, now)
        row = session.execute(select(RateBucket.tokens, RateBucket.updated).where(RateBucket.key == key)
                              .with_for_update()).one()
        taken = take(rule, row.tokens, row.updated, now)
        if taken.allowed:
            session.execute(update(RateBucket).where(RateBucket.key == key).values(tokens=taken.tokens, updated=now))
        return taken


def _create_if_missing(session, key: str, burst: int, now: float) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(RateBucket).values(key=key, tokens=float(burst), updated=now).on_conflict_do_nothing())


def _take_in_one_update(session, key: str, rule: BucketRule, now: float) -> Taken:
    refilled = func.min(float(rule.burst), RateBucket.tokens + func.max(0.0, now - RateBucket.updated) * rule.per_second)
    taken = session.execute(update(RateBucket).where(RateBucket.key == key, refilled >= 1)
                            .values(tokens=refilled - 1, updated=now).execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        return Taken(True, None, 0.0)
    row = session.execute(select(RateBucket.tokens, RateBucket.updated).where(RateBucket.key == key)).one()
    return take(rule, row.tokens, row.updated, now)


def bucket_store(config) -> BucketStore:
    if config.get("REDIS_URL"):
        return RedisBuckets(config["REDIS_URL"], config["HUEY_NAME"])
    return DatabaseBuckets()
