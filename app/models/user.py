"""Staff who log in, and the failed attempts that throttle logins."""
from __future__ import annotations

import os
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.permissions import ROLES
from app.timeutil import utcnow

# Tests set a cheap method; production keeps werkzeug's default (scrypt).
PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # bumped when the user's sessions must end (logout, password or role change, deactivation)
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __init__(self, **kwargs):
        kwargs["email"] = normalise_email(kwargs["email"])
        if kwargs.get("role") not in ROLES:
            raise ValueError(f"unknown role {kwargs.get('role')!r}; one of {', '.join(ROLES)}")
        super().__init__(**kwargs)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session and remember-me cookies carry: bumping the generation voids every older cookie."""
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        self.session_generation = (self.session_generation or 0) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def label(self) -> str:
        return self.email


def normalise_email(email: str) -> str:
    return email.strip().lower()


class LoginFailure(db.Model):
    """One failed login, kept for the throttle window; keyed by account and by IP."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
