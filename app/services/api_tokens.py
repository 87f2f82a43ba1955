"""API tokens for machines (the product's instances): shown once, stored as a SHA-256 hash.

Tokens are 256 random bits, so a fast hash is enough: there is nothing to guess.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.models import ApiToken
from app.refusals import Invalid, NotFound
from app.services.audit import Actor, record_audit
from app.timeutil import utcnow

TOKEN_PREFIX = "bc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """The row and the plain token, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise Invalid("give the token a name that says which machine uses it")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name[:120], token_hash=hash_token(token), prefix=token[:10], created_by_id=actor.user_id)
    session.add(row)
    session.flush()
    record_audit(session, actor, "api_token.created", "api_token", row.id, after={"name": row.name, "prefix": row.prefix})
    return row, token


def revoke_api_token(session, actor: Actor, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
        record_audit(session, actor, "api_token.revoked", "api_token", row.id, after={"name": row.name})
    return row


def authenticate(session, token: str | None) -> ApiToken | None:
    """The active token matching `token`, its last use noted; None for anything else."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    session.flush()
    return row
