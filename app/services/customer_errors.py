"""Refusals of customer changes, each in words the person can act on."""
from __future__ import annotations


class CustomerError(ValueError):
    """Bad input or a state that forbids the change: shown in place (422), nothing written."""


class CustomerNotFound(CustomerError):
    pass


class StaleCustomer(CustomerError):
    """Someone changed the customer since the page was drawn (409)."""
