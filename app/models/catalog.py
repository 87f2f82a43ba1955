"""The Stripe ids of our catalog (products, meters, default/free prices), found or created once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class CatalogItem(db.Model):
    __tablename__ = "catalog_items"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # product | meter | price
    key: Mapped[str] = mapped_column(String(120))  # product key, meter event name, price lookup key
    stripe_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
