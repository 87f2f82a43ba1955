"""A token bucket every process sees (the API's per-token limits when Redis is not configured)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateBucket(db.Model):
    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float]  # requests left in the bucket (a rate, not money)
    updated: Mapped[float]  # unix seconds of the last refill
