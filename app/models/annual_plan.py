"""A row of the Annual Plan Table: one signed order form, its lines, warnings and provenance."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import DecimalString
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.models.contract_year import ContractYear


class AnnualPlan(db.Model):
    __tablename__ = "annual_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    stage: Mapped[str] = mapped_column(String(20), default="received", index=True)
    company: Mapped[str | None] = mapped_column(String(255), index=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_candidates: Mapped[list] = mapped_column(JSON, default=list)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None]
    term_months: Mapped[int | None]
    payment_terms_days: Mapped[int | None] = mapped_column(default=30)
    credit_discount_percent: Mapped[Decimal | None] = mapped_column(DecimalString, default=Decimal(0))
    # the product's organisations this contract bills: the go-live customer carries them, so usage is sent
    organization_ids: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # the contract's document currency, lowercase as Stripe writes it: every Stripe object of the row is in it
    currency: Mapped[str] = mapped_column(String(3), default="usd", server_default="usd")
    # how the yearly commitment is paid (app/billing/instalments.py); None: the contract's value is unknown
    payment_schedule: Mapped[str | None] = mapped_column(String(20), default="annual", server_default="annual")
    credits_customer_id: Mapped[str | None] = mapped_column(String(64))  # instalments: the pair's credits half
    credits_schedule_id: Mapped[str | None] = mapped_column(String(64))  # instalments: charged on the credits half
    invoice_id: Mapped[str | None] = mapped_column(String(64))
    subscription_schedule_id: Mapped[str | None] = mapped_column(String(64))
    subscription_id: Mapped[str | None] = mapped_column(String(64))
    amortization: Mapped[dict | None] = mapped_column(JSON)
    invoice_status: Mapped[str | None] = mapped_column(String(20))  # draft | open | paid | void
    schedule_status: Mapped[str | None] = mapped_column(String(20))
    credit_grant_id: Mapped[str | None] = mapped_column(String(64))
    tax_id_not_needed: Mapped[bool] = mapped_column(default=False)  # a reviewer's explicit decision
    invoice_paid_at: Mapped[datetime | None]
    stripe_attempt: Mapped[int] = mapped_column(default=1)  # bumped by Start over: new idempotency keys
    stripe_error: Mapped[str] = mapped_column(Text, default="")
    action_lock: Mapped[str | None] = mapped_column(String(60))  # the Stripe action running now
    action_locked_at: Mapped[datetime | None]
    load_error: Mapped[str] = mapped_column(Text, default="")
    contract_values: Mapped[dict | None] = mapped_column(JSON)  # what the last load read
    edited_fields: Mapped[list] = mapped_column(JSON, default=list)  # changed by a person since
    reload_differences: Mapped[list | None] = mapped_column(JSON)  # edited fields the last re-load found different
    loaded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[AnnualPlanLine]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="AnnualPlanLine.position")
    warnings: Mapped[list[PlanWarning]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanWarning.id")
    provenance: Mapped[list[FieldProvenance]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="FieldProvenance.id")
    contract_years: Mapped[list[ContractYear]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ContractYear.number")

    __mapper_args__ = {"version_id_col": version}

    def line(self, product_key: str) -> AnnualPlanLine | None:
        return next((ln for ln in self.lines if ln.product_key == product_key), None)

    @property
    def open_warnings(self) -> list[PlanWarning]:
        return [w for w in self.warnings if w.resolved_at is None]

    def warnings_for(self, field: str) -> list[PlanWarning]:
        return [w for w in self.open_warnings if w.field == field]


class AnnualPlanLine(db.Model):
    __tablename__ = "annual_plan_lines"
    __table_args__ = (UniqueConstraint("plan_id", "product_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_key: Mapped[str] = mapped_column(String(64))
    included: Mapped[bool] = mapped_column(default=False)
    volume: Mapped[int | None] = mapped_column(BigInteger)
    upfront_amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    overage: Mapped[str | None] = mapped_column(String(20))
    overage_unit_amount_decimal: Mapped[Decimal | None] = mapped_column(DecimalString)
    price_id: Mapped[str | None] = mapped_column(String(64))

    plan: Mapped[AnnualPlan] = relationship(back_populates="lines")


class PlanWarning(db.Model):
    """Something a person must look at before Stripe objects are made from the row."""

    __tablename__ = "plan_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolution: Mapped[str | None] = mapped_column(String(20))  # edited | confirmed | reloaded

    plan: Mapped[AnnualPlan] = relationship(back_populates="warnings")


class FieldProvenance(db.Model):
    """Where a loaded value came from: the contract's token/field/pricing item and raw text."""

    __tablename__ = "field_provenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120), default="")
    raw: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[AnnualPlan] = relationship(back_populates="provenance")
