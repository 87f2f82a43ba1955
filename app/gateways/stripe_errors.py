"""The errors the Stripe seam raises: one type, in words a billing person can act on."""
from __future__ import annotations


class StripeGatewayError(RuntimeError):
    """A Stripe failure in words a billing person can act on."""

    def __init__(self, message: str, code: str | None = None, http_status: int | None = None,
                 request_id: str | None = None, param: str | None = None, retryable: bool = False):
        super().__init__(message)
        self.code, self.http_status, self.request_id = code, http_status, request_id
        self.param, self.retryable = param, retryable


class StripeNotConfigured(StripeGatewayError):
    pass
