"""Idempotency keys as Stripe implements them.

Keys are scoped to the API key and kept for 24 hours of emulator time. A saved result (success
or an error raised while executing) is replayed with `Idempotent-Replayed: true`; the same key
with another endpoint or other parameters is a 400 `idempotency_error`. Requests that fail
validation (the schema's, or a handler's `errors.invalid_param` check before it acts) or
injected-before-execution faults save nothing, as on Stripe. While a request runs,
a second one with its key gets Stripe's 409 `idempotency_key_in_use` (the SDK retries 409s, so
its retry then replays the first result).
"""

from . import errors

TTL_SECONDS = 24 * 3600


class Idempotency:
    def __init__(self):
        self.inflight = set()

    def begin(self, state, scope, endpoint, fingerprint):
        """The saved record to replay, or None after claiming the key for this request.

        `fingerprint` may be a zero-argument callable: it is only called when a saved record
        has to be compared (the v2 stream hashes its body after answering, see `app`).
        """
        with state.lock:
            record = state.idempotency.get(scope)
            if record is not None and record["fingerprint"] is None:
                state.settle()  # its fingerprint is computed by deferred work
            if record is not None and state.now() - record["created"] >= TTL_SECONDS:
                del state.idempotency[scope]
                record = None
            if record is not None:
                _check_same(record, scope[1], endpoint,
                            fingerprint() if callable(fingerprint) else fingerprint)
                return record
            if scope in self.inflight:
                raise errors.StripeError(
                    409, "There is currently another in-progress request using this Stripe "
                    f"Idempotency-Key ('{scope[1]}'), probably because you submitted the same "
                    "request twice. Please try again later.",
                    code="idempotency_key_in_use", headers={"Stripe-Should-Retry": "true"})
            self.inflight.add(scope)
            return None

    def finish(self, state, scope, record):
        with state.lock:
            self.inflight.discard(scope)
            state.idempotency[scope] = record
            _prune(state)

    def abandon(self, state, scope):
        with state.lock:
            self.inflight.discard(scope)


def _check_same(record, key, endpoint, fingerprint):
    if record["endpoint"] != endpoint:
        raise errors.StripeError(
            400, "Keys for idempotent requests can only be used for the same endpoint they were "
            f"first used for ('{record['endpoint']}' vs '{endpoint}'). Try using a key other "
            f"than '{key}' if you meant to execute a different request.",
            type="idempotency_error")
    if record["fingerprint"] != fingerprint:
        raise errors.StripeError(
            400, "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to execute "
            "a different request.", type="idempotency_error")


def _prune(state):
    records = state.idempotency
    cutoff = state.now() - TTL_SECONDS
    while records:
        first = next(iter(records))
        if records[first]["created"] > cutoff:
            break
        del records[first]
