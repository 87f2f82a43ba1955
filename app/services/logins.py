"""Password check with a temporary throttle per account and per IP."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import LoginFailure, User
from app.models.user import normalise_email
from app.refusals import Invalid, TooManyAttempts
from app.services.audit import Actor, record_audit
from app.services.users import SESSIONS_ENDED
from app.timeutil import system_utcnow
from app.unit_of_work import checkpoint

GENERIC_FAILURE = "Email or password is incorrect."
# Checked when the email is unknown, so the answer takes as long as for a real account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class LoginPolicy:
    max_per_account: int
    max_per_ip: int
    window: timedelta


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str = ""
    throttled: bool = False


def _recent_failures(session, column, value, since) -> int:
    stmt = select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since)
    return session.scalar(stmt) or 0


def attempt_login(session, email: str, password: str, ip: str, policy: LoginPolicy) -> LoginResult:
    """Same answer whether or not the email exists; throttled attempts don't even check."""
    email = normalise_email(email)
    now = system_utcnow()  # a throttle is a duration: moving the emulator's clock must not lift it
    since = now - policy.window
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    if (_recent_failures(session, LoginFailure.email, email, since) >= policy.max_per_account
            or _recent_failures(session, LoginFailure.ip, ip, since) >= policy.max_per_ip):
        minutes = int(policy.window.total_seconds() // 60)
        return LoginResult(None, f"Too many failed attempts. Try again in {minutes} minutes.", True)
    user = session.scalar(select(User).where(User.email == email))
    password_ok = user.check_password(password) if user else check_password_hash(_DUMMY_HASH, password)
    if user is None or not user.active or not password_ok:
        session.add(LoginFailure(email=email, ip=ip, at=now))
        session.flush()
        return LoginResult(None, GENERIC_FAILURE)
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    record_audit(session, Actor.of(user), "user.logged_in", "user", user.id, note=f"from {ip}")
    return LoginResult(user)


def check_own_password(session, user: User, password: str, ip: str, policy: LoginPolicy) -> None:
    """A signed-in person proving their current password (to change it), throttled as signing in is: a wrong one
    is counted, and kept although the change is refused, so a borrowed session cannot guess it."""
    now = system_utcnow()
    since = now - policy.window
    if (_recent_failures(session, LoginFailure.email, user.email, since) >= policy.max_per_account
            or _recent_failures(session, LoginFailure.ip, ip, since) >= policy.max_per_ip):
        minutes = int(policy.window.total_seconds() // 60)
        raise TooManyAttempts(f"Too many wrong passwords. Try again in {minutes} minutes.",
                              field="current_password")
    if not user.check_password(password):
        session.add(LoginFailure(email=user.email, ip=ip, at=now))
        checkpoint(session, "password_failure")
        raise Invalid("Your current password is not right.", field="current_password")


def record_logout(session, user: User) -> None:
    """Signing out ends every session of the user (a copied cookie, remember-me on another
    computer), and is audited like signing in."""
    user.end_sessions()
    record_audit(session, Actor.of(user), "user.logged_out", "user", user.id, note=SESSIONS_ENDED)
