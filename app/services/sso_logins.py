"""Signing in through the company's identity provider (OpenID Connect).

The provider decides who someone is and which groups they are in; OIDC_GROUP_ROLES decides what
those groups may do here, at every sign-in. Someone in no mapped group is refused and their
account is left as it is (not deactivated), so adding them back to a group lets them in again;
an admin deactivates the account in Users to shut every door, password included.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from app.gateways.oidc import Identity, OidcProvider, PendingSignIn
from app.models import User
from app.models.user import normalise_email
from app.permissions import ROLES
from app.refusals import NotAllowed
from app.services.audit import Actor, record_audit
from app.services.users import set_role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SsoPolicy:
    allowed_domains: tuple[str, ...]
    group_roles: dict[str, str]


def role_for_groups(groups, group_roles: dict[str, str]) -> str | None:
    """The most powerful role any of the groups maps to (ROLES is ordered admin first)."""
    roles = {group_roles[g] for g in groups if g in group_roles}
    return next((role for role in ROLES if role in roles), None)


def email_domain_allowed(email: str, allowed_domains) -> bool:
    local, at, domain = normalise_email(email).rpartition("@")
    return bool(local and at and domain in allowed_domains)


def _refuse(identity: Identity, message: str) -> NotAllowed:
    log.warning("single sign-on refused for %s (%s): %s", identity.email or identity.subject, identity.issuer, message)
    return NotAllowed(message)


def _account_for(session, identity: Identity, role: str) -> User:
    """Find the account by email, or open it with the mapped role (no usable password)."""
    email = normalise_email(identity.email)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, role=role, name=identity.name.strip()[:120])
        user.set_password(secrets.token_urlsafe(32))  # nobody knows it: this account signs in by SSO
        session.add(user)
        session.flush()
        record_audit(session, Actor.system("sso"), "user.created", "user", user.id,
                     after={"email": email, "role": role, "name": user.name, "provider": identity.issuer})
        return user
    if not user.active:
        raise _refuse(identity, f"The account {email} is deactivated. Ask an admin to reactivate it.")
    if user.role != role:
        set_role(session, Actor.system("sso"), user.id, role)
    return user


NOT_CONFIGURED = "Single sign-on is not configured (OIDC_ISSUER)."


def begin_provider_sign_in(provider: OidcProvider | None, callback_url: str) -> tuple[str, PendingSignIn]:
    """Where to send the browser, and what to keep until it comes back (state, nonce, PKCE verifier)."""
    if provider is None:
        raise NotAllowed(NOT_CONFIGURED)
    return provider.begin(callback_url)


def sign_in_with_provider(session, provider: OidcProvider | None, pending: PendingSignIn | None, answer: dict,
                          policy: SsoPolicy) -> User:
    """The provider's answer, checked, becomes one of our users with the role their groups give."""
    if provider is None:
        raise NotAllowed(NOT_CONFIGURED)
    identity = provider.finish(pending, answer)
    if not email_domain_allowed(identity.email, policy.allowed_domains):
        raise _refuse(identity, f"Sign-in with '{identity.email}' is not allowed: only accounts at "
                                f"{', '.join(policy.allowed_domains)} may use the Billing Console.")
    if identity.email_verified is False:
        raise _refuse(identity, f"The identity provider has not verified the email {identity.email}.")
    role = role_for_groups(identity.groups, policy.group_roles)
    if role is None:
        raise _refuse(identity, f"{identity.email} is in none of the groups that give access to the Billing "
                                f"Console ({', '.join(sorted(policy.group_roles))}). Ask an admin to add you.")
    user = _account_for(session, identity, role)
    record_audit(session, Actor.of(user), "user.logged_in", "user", user.id,
                 after={"provider": identity.issuer, "role": role, "groups": sorted(identity.groups)},
                 note=f"single sign-on via {provider.settings.display_name} as {role}")
    return user
