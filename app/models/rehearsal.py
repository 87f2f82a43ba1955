"""A row's last rehearsals on a Stripe test clock: what Stripe invoiced over the term, kept for its page.

Only the result is kept (the issue's JSON); the clock and its objects are deleted once it is read.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class PlanRehearsal(db.Model):
    __tablename__ = "plan_rehearsals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
    ran_by: Mapped[str] = mapped_column(String(254))
    result: Mapped[dict] = mapped_column(JSON)
