"""The errors the Stripe seam raises: the product's StripeFailed refusal, with Stripe's details."""
from __future__ import annotations

from app.refusals import StripeFailed


class StripeGatewayError(StripeFailed):
    """A Stripe failure in words a billing person can act on; `retryable` when trying again may help."""

    def __init__(self, message: str, code: str | None = None, http_status: int | None = None,
                 request_id: str | None = None, param: str | None = None, retryable: bool = False):
        super().__init__(message, http_status=http_status, field=param)
        self.code, self.request_id = code, request_id  # Stripe's error code
        self.param, self.retryable = param, retryable


class StripeNotConfigured(StripeGatewayError):
    pass
