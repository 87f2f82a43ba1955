"""The product's refusals: what a service raises when it will not do what was asked.

Each carries a message fit to show as is and the status it answers with; `app/errors.py` turns
them into an htmx fragment, a page, JSON or a CLI line, in one place. Whatever the service had
written in the transaction is rolled back there, so a refusal changes nothing.
"""
from __future__ import annotations


class Refusal(Exception):
    """Refused for a reason the person can act on (422 unless a subclass says otherwise)."""

    status = 422
    kind = "invalid"

    def __init__(self, message: str, *, field: str | None = None, reasons: list[str] | None = None,
                 kind: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field
        self.reasons = reasons or [message]  # each reason on its own line where a form lists them
        if kind:
            self.kind = kind  # the JSON `error` value machines read

    def __str__(self) -> str:
        return self.message


class Invalid(Refusal):
    """Bad input or a state that forbids the change; `field` names the input when there is one."""


class BadRequest(Invalid):
    """A machine sent a body we cannot read at all (not JSON, not the documented shape)."""

    status = 400
    kind = "bad_request"


class TooLarge(BadRequest):
    """More items than one request may carry."""

    status = 413


class NotFound(Refusal):
    status = 404
    kind = "not_found"


class Conflict(Refusal):
    """Someone else got there first: the object changed since it was shown, or is busy."""

    status = 409
    kind = "conflict"


class Stale(Conflict):
    """The object's version moved on since the page was drawn; the current values are shown."""


class NotAllowed(Refusal):
    status = 403
    kind = "forbidden"


class Unauthenticated(Refusal):
    """A machine's credentials (signature, token) are missing or wrong."""

    status = 401
    kind = "unauthorized"


class TooManyAttempts(Refusal):
    """Too many wrong passwords lately: try again after the throttle's window."""

    status = 429
    kind = "rate_limited"


class StripeFailed(Refusal):
    """Stripe refused the request or could not be reached; the message is Stripe's own words.

    Stripe refusing what we asked (400, 402, 404) is a 422 like any bad input; Stripe being
    unreachable, rate limiting, failing or refusing our key is a 502."""

    kind = "stripe_error"

    def __init__(self, message: str, *, http_status: int | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.http_status = http_status

    @property
    def status(self) -> int:  # type: ignore[override]
        return 422 if self.http_status in (400, 402, 404) else 502


class SourceUnavailable(Refusal):
    """An outside system other than Stripe (the contract source) could not answer."""

    status = 502
    kind = "unavailable"
