"""Stripe-shaped API errors: raise `StripeError` anywhere in a handler and the app renders it."""

from __future__ import annotations

DOCS = "https://docs.stripe.com/error-codes"


class StripeError(Exception):
    """An error response in Stripe's `{"error": {...}}` shape with its HTTP status."""

    def __init__(self, status, message, *, type="invalid_request_error", code=None,
                 param=None, headers=None, validation=False, **extra):
        super().__init__(message)
        # A parameter failed validation before the endpoint began executing: Stripe saves no
        # idempotent result for it, so a retry with the same key runs afresh.
        self.validation = validation
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.headers = headers or {}
        self.extra = extra

    def body(self, request_id=None):
        err = {"message": self.message, "type": self.type}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param is not None:
            err["param"] = self.param
        if request_id:
            err["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        err.update(self.extra)
        return {"error": err}


def invalid(message, param=None, code=None, status=400):
    """A 400 `invalid_request_error`; resource rules use this for business-rule failures."""
    return StripeError(status, message, code=code, param=param)


def invalid_param(message, param=None, code=None):
    """A 400 for a parameter a handler checks before it acts (a meter event's timestamp window):
    validation, so no idempotent result is saved, as for the schema's own 400s."""
    return StripeError(400, message, code=code, param=param, validation=True)


def unknown_param(param):
    return StripeError(400, f"Received unknown parameter: {param}", code="parameter_unknown",
                       param=param)


def missing_param(param):
    return StripeError(400, f"Missing required param: {param}.", code="parameter_missing",
                       param=param)


def empty_param(param):
    return StripeError(
        400,
        f"You passed an empty string for '{param}'. We assume empty values are an attempt to "
        f"unset a parameter; however '{param}' cannot be unset. You should remove '{param}' "
        "from your request or supply a non-empty value.",
        code="parameter_invalid_empty", param=param)


def invalid_value(kind, value, param):
    shown = value if isinstance(value, str) else repr(value)
    return StripeError(400, f"Invalid {kind}: {shown}", code=f"parameter_invalid_{kind}",
                       param=param)


def invalid_enum(param, allowed):
    values = sorted(allowed)
    listed = values[0] if len(values) == 1 else ", ".join(values[:-1]) + f", or {values[-1]}"
    return StripeError(400, f"Invalid {param}: must be one of {listed}",
                       code="parameter_invalid_enum", param=param)


def exclusive(*params):
    return StripeError(400, f"You may only specify one of these parameters: {', '.join(params)}.",
                       code="parameters_exclusive", param=params[0])


def no_such(kind, obj_id, param="id"):
    return StripeError(404, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param)


def unrecognized_url(method, path):
    return StripeError(
        404, f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.")


def already_exists(message, param="id"):
    return StripeError(400, message, code="resource_already_exists", param=param)


def api_error(message="An unknown error occurred. Please try again."):
    """An injected or unexpected 500; the SDK retries these."""
    return StripeError(500, message, type="api_error")


def rate_limited():
    return StripeError(
        429, "Request rate limit exceeded. You can learn more about rate limits here "
        "https://docs.stripe.com/rate-limits.", code="rate_limit")
