"""A machine's credential for the billing and usage APIs: only its hash is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

SCOPES = ("usage:write", "billing:read")


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole token
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so people can tell tokens apart
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    scopes: Mapped[list] = mapped_column(JSON, default=lambda: list(SCOPES),
                                         server_default='["usage:write", "billing:read"]')
    instance: Mapped[str | None] = mapped_column(String(64))  # the only instance it may write usage for

    created_by = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
