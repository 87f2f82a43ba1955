"""Creating and managing staff accounts (UI and CLI share these)."""
from __future__ import annotations

from sqlalchemy import select

from app.models import User
from app.models.user import normalise_email
from app.permissions import ROLES
from app.refusals import Invalid, NotFound
from app.services.audit import Actor, record_audit

MIN_PASSWORD_LENGTH = 10


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")


def _check_email(email: str) -> str:
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise Invalid(f"'{email}' is not an email address.")
    return email


def find_user(session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"No user with email {normalise_email(email)}.")
    return user


def create_user(session, actor: Actor, email: str, role: str, password: str, name: str = ""):
    email = _check_email(email)
    if role not in ROLES:
        raise Invalid(f"Unknown role '{role}'; choose one of {', '.join(ROLES)}.")
    _check_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Invalid(f"A user with email {email} already exists.")
    user = User(email=email, role=role, name=name.strip())
    user.set_password(password)
    session.add(user)
    session.flush()
    record_audit(session, actor, "user.created", "user", user.id,
                 after={"email": email, "role": role, "name": user.name})
    return user


SESSIONS_ENDED = "sessions ended"


def set_password(session, actor: Actor, email: str, password: str) -> User:
    """An admin's reset (`flask users set-password`)."""
    return _replace_password(session, actor, find_user(session, email), password)


def change_own_password(session, user_id: int, current: str, new: str, confirm: str, ip: str,
                        policy) -> User:
    """The user's own change, proven with the current password (wrong ones throttled as signing in is,
    `policy` a logins.LoginPolicy)."""
    from app.services.logins import check_own_password  # logins imports this module

    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    if not (current and new and confirm):
        raise Invalid("Fill in your current password and the new one twice.")
    check_own_password(session, user, current, ip, policy)
    if new != confirm:
        raise Invalid("The two new passwords differ.", field="confirm_password")
    return _replace_password(session, Actor.of(user), user, new)


def _replace_password(session, actor: Actor, user: User, password: str) -> User:
    """Whoever changes it, cookies from before the change stop working."""
    _check_password(password)
    user.set_password(password)
    user.end_sessions()
    record_audit(session, actor, "user.password_set", "user", user.id, note=SESSIONS_ENDED)
    return user


def set_role(session, actor: Actor, user_id: int, role: str) -> User:
    if role not in ROLES:
        raise Invalid(f"Unknown role '{role}'; choose one of {', '.join(ROLES)}.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    if user.id == actor.user_id and role != "admin":
        raise Invalid("You cannot remove your own admin role.")
    before = user.role
    if before == role:
        return user
    user.role = role
    user.end_sessions()  # they sign in again and get the new role's pages, nothing cached from the old one
    record_audit(session, actor, "user.role_changed", "user", user.id,
                 before={"role": before}, after={"role": role}, note=SESSIONS_ENDED)
    return user


def set_active(session, actor: Actor, user: User, active: bool) -> User:
    if user.id == actor.user_id and not active:
        raise Invalid("You cannot deactivate yourself.")
    before = user.active
    user.active = active
    if not active:
        user.end_sessions()  # reactivating must not revive the cookies they had
    record_audit(session, actor, "user.activated" if active else "user.deactivated",
                 "user", user.id, before={"active": before}, after={"active": active},
                 note="" if active else SESSIONS_ENDED)
    return user
