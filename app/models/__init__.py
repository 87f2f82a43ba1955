"""Models, one module per aggregate; importing this package registers them all."""
from app.models.audit import AuditEntry
from app.models.job import Job
from app.models.user import LoginFailure, User

__all__ = ["AuditEntry", "Job", "LoginFailure", "User"]
