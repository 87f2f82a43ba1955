"""A billed customer: our settings (plans, trial, limits) beside a snapshot of its Stripe state."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import DecimalString
from app.timeutil import utcnow

CONFIGURATIONS = ("free", "paid", "startup", "enterprise_yearly", "enterprise_amortized")
# What set a customer's configuration: a flow (an annual plan going live, a startup plan), a person
# (override, with a reason), or its Stripe subscription (re-read at every sync).
CONFIGURATION_SOURCES = ("subscription", "annual_plan", "startup_plan", "override")


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="", index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    billing_configuration: Mapped[str] = mapped_column(String(30), default="paid", server_default="paid", index=True)
    configuration_source: Mapped[str] = mapped_column(String(20), default="subscription", server_default="subscription")
    configuration_note: Mapped[str] = mapped_column(Text, default="", server_default="")  # an override's reason
    linked_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    plans_map: Mapped[dict] = mapped_column(JSON, default=dict)  # product key -> plan key
    free_trial_until: Mapped[date | None]
    # the contract's credit discount: the coupon on the subscription (or its schedule's phase) follows it
    credit_discount_percent: Mapped[Decimal | None] = mapped_column(DecimalString)
    # a startup plan: its promotional credit in Stripe, when it expires, and its balance as last read
    startup_credit_cents: Mapped[int | None] = mapped_column(BigInteger)
    startup_credit_expires_on: Mapped[date | None]
    startup_credit_grant_id: Mapped[str | None] = mapped_column(String(64))
    startup_credit_remaining_cents: Mapped[int | None] = mapped_column(BigInteger)
    startup_balance_checked_at: Mapped[datetime | None]
    billing_limits: Mapped[dict] = mapped_column(JSON, default=dict)  # product key -> cents (int)
    subscription_id: Mapped[str | None] = mapped_column(String(64))
    has_discount: Mapped[bool] = mapped_column(default=False, server_default="0")  # from the last sync
    last_synced_at: Mapped[datetime | None]
    sync_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    stripe_snapshot: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisations: Mapped[list[CustomerOrganisation]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerOrganisation.id")
    linked_customer: Mapped[Customer | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def organisation_ids(self) -> list[str]:
        return [o.organisation_id for o in self.organisations]

    @property
    def out_of_sync(self) -> bool:
        return self.last_synced_at is None or bool(self.sync_error)

    def on_trial(self, today: date) -> bool:
        return self.free_trial_until is not None and today <= self.free_trial_until


class CustomerOrganisation(db.Model):
    """An organisation id of the product; one customer may bill several organisations."""

    __tablename__ = "customer_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(64), unique=True)

    customer: Mapped[Customer] = relationship(back_populates="organisations")
