"""Models, one module per aggregate; importing this package registers them all."""
from app.models.annual_plan import AnnualPlan, AnnualPlanLine, FieldProvenance, PlanWarning
from app.models.api_token import ApiToken
from app.models.audit import AuditEntry
from app.models.catalog import CatalogItem
from app.models.contract_year import ContractYear
from app.models.customer import CONFIGURATIONS, Customer, CustomerOrganisation
from app.models.grid_preference import GridPreference
from app.models.job import Job
from app.models.notification import Notification, NotificationDelivery, NotificationPreference
from app.models.rate_bucket import RateBucket
from app.models.rehearsal import PlanRehearsal
from app.models.revenue import RevenueLine, RevenueMonth
from app.models.stripe_operation import StripeOperation
from app.models.usage import MeterEventSend, UsageEvent, UsageReport, UsageRun
from app.models.user import LoginFailure, User
from app.models.webhook import WebhookEvent

__all__ = [
    "AnnualPlan", "AnnualPlanLine", "ApiToken", "AuditEntry", "CONFIGURATIONS", "CatalogItem", "ContractYear", "Customer",
    "CustomerOrganisation", "FieldProvenance", "GridPreference", "Job", "LoginFailure", "Notification",
    "NotificationDelivery", "NotificationPreference", "PlanRehearsal", "PlanWarning", "RateBucket", "RevenueLine",
    "RevenueMonth", "StripeOperation", "User", "WebhookEvent",
    "MeterEventSend", "UsageEvent", "UsageReport", "UsageRun",
]
