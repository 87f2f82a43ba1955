"""Models, one module per aggregate; importing this package registers them all."""
from app.models.annual_plan import AnnualPlan, AnnualPlanLine, FieldProvenance, PlanWarning
from app.models.audit import AuditEntry
from app.models.catalog import CatalogItem
from app.models.job import Job
from app.models.stripe_operation import StripeOperation
from app.models.user import LoginFailure, User
from app.models.webhook import WebhookEvent

__all__ = [
    "AnnualPlan", "AnnualPlanLine", "AuditEntry", "CatalogItem", "FieldProvenance", "Job", "LoginFailure",
    "PlanWarning", "StripeOperation", "User", "WebhookEvent",
]
