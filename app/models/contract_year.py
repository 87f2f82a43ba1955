"""One contract year of an annual plan row: its period, amount, up-front invoice and credit grant.

Year one's invoice is the row's own (made by the buttons); each later year's is drafted ahead of its
anniversary (app/services/renewals.py). `attempt` is the row's Stripe attempt the year was laid out
in: a row started over since then must not renew on the old year's objects.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.annual_plan import AnnualPlan

YEAR_STATUSES = ("due", "drafted", "sent", "paid", "void")


class ContractYear(db.Model):
    __tablename__ = "contract_years"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    number: Mapped[int]  # 1 for the first contract year
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    months: Mapped[int]  # 12, or fewer for a pro-rata last period
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)  # None: the contract does not state it
    status: Mapped[str] = mapped_column(String(20), default="due")  # YEAR_STATUSES
    invoice_id: Mapped[str | None] = mapped_column(String(64), index=True)
    credit_grant_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")  # why the last draft failed
    drafted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]

    plan: Mapped[AnnualPlan] = relationship(back_populates="contract_years")

    @property
    def pro_rata(self) -> bool:
        return self.months != 12
