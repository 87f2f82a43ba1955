"""Refusals shared by the Annual Plan services, and the one way they fetch a row."""
from __future__ import annotations

from app.billing.plan_stages import EDITABLE_STAGES
from app.models import AnnualPlan


class PlanError(ValueError):
    """A refusal with a message fit to show as is (422 / CLI exit 1); nothing was written."""


class PlanNotFound(PlanError):
    pass


class StaleVersion(PlanError):
    """The row changed since the page was drawn (409): the current row is shown instead."""

    def __init__(self, plan: AnnualPlan):
        super().__init__(f"row {plan.id} was changed by someone else (now version {plan.version}); "
                         "the current values are shown, nothing was overwritten")
        self.plan = plan


def get_plan(session, plan_id: int, expected_version: int | None = None, editable: bool = False) -> AnnualPlan:
    plan = session.get(AnnualPlan, plan_id)
    if plan is None:
        raise PlanNotFound(f"no annual plan row {plan_id}")
    if expected_version is not None and expected_version != plan.version:
        raise StaleVersion(plan)
    if editable and plan.stage not in EDITABLE_STAGES:
        raise PlanError(f"row {plan.id} is {plan.stage}: its values are fixed once Stripe objects exist")
    return plan
