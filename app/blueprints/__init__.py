"""Every blueprint, in navigation order."""
from app.blueprints.account import bp as account
from app.blueprints.annual_plans import bp as annual_plans
from app.blueprints.api import bp as api
from app.blueprints.api_tokens import bp as api_tokens
from app.blueprints.audit import bp as audit
from app.blueprints.auth import bp as auth
from app.blueprints.catalog import bp as catalog
from app.blueprints.customers import bp as customers
from app.blueprints.health import bp as health
from app.blueprints.jobs import bp as jobs
from app.blueprints.notifications import bp as notifications
from app.blueprints.revenue import bp as revenue
from app.blueprints.usage import bp as usage
from app.blueprints.users import bp as users
from app.blueprints.webhooks import bp as webhooks

BLUEPRINTS = [auth, health, webhooks, api, annual_plans, customers, catalog, usage, revenue, jobs, audit, users,
              api_tokens, account, notifications]

NAVIGATION = [
    ("annual_plans.index", "Annual plans"),
    ("annual_plans.renewals", "Renewals"),
    ("customers.index", "Customers"),
    ("catalog.index", "Catalog"),
    ("usage.index", "Usage"),
    ("revenue.index", "Revenue"),
    ("jobs.index", "Jobs"),
    ("webhooks.index", "Webhooks"),
    ("notifications.index", "Notifications"),
    ("audit.index", "Audit"),
    ("users.index", "Users"),
]
