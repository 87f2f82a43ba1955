"""API tokens for machines (the product's instances): shown once, stored as a SHA-256 hash.

Tokens are 256 random bits, so a fast hash is enough: there is nothing to guess.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.models import ApiToken
from app.models.api_token import SCOPES
from app.refusals import Invalid, NotAllowed, NotFound
from app.services.audit import Actor, record_audit
from app.timeutil import utcnow

TOKEN_PREFIX = "bc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session, actor: Actor, name: str, scopes=SCOPES, instance: str | None = None) -> tuple[ApiToken, str]:
    """The row and the plain token, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise Invalid("give the token a name that says which machine uses it", field="name")
    scopes, instance = token_scopes(scopes), token_instance(instance)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name[:120], token_hash=hash_token(token), prefix=token[:10], created_by_id=actor.user_id,
                   scopes=scopes, instance=instance)
    session.add(row)
    session.flush()
    record_audit(session, actor, "api_token.created", "api_token", row.id,
                 after={"name": row.name, "prefix": row.prefix, "scopes": scopes, "instance": instance})
    return row, token


def token_scopes(scopes) -> list[str]:
    """The scopes asked for, in SCOPES' order; at least one, none unknown."""
    asked = {s.strip() for s in scopes or () if s and s.strip()}
    unknown = sorted(asked - set(SCOPES))
    if unknown:
        raise Invalid(f"unknown scope '{unknown[0]}' (scopes: {', '.join(SCOPES)})", field="scope")
    if not asked:
        raise Invalid(f"give the token at least one scope ({', '.join(SCOPES)})", field="scope")
    return [s for s in SCOPES if s in asked]


def token_instance(instance: str | None) -> str | None:
    """The one instance a token may write usage for, as reports name it (`US`); blank: any."""
    instance = (instance or "").strip()
    if len(instance) > 64 or any(c.isspace() for c in instance):
        raise Invalid("an instance is one word of at most 64 characters, as the reports name it (e.g. US)",
                      field="instance")
    return instance or None


def require_scope(token: ApiToken, scope: str) -> None:
    if scope not in (token.scopes or []):
        raise NotAllowed(f"this API token lacks the scope '{scope}' (it has: {', '.join(token.scopes or []) or 'none'})",
                         field="scope")


def for_own_instance(token: ApiToken, key: str, parse):
    """`parse`, then a 403 naming the first item of another instance than the token's: nothing is stored."""

    def parse_own(items):
        parsed = parse(items)
        if token.instance is not None:
            for index, item in parsed.items:
                if item.get("instance") not in (None, token.instance):
                    raise NotAllowed(f"this API token writes usage for instance '{token.instance}' only, not "
                                     f"'{item['instance']}'; nothing was stored", field=f"{key}[{index}].instance")
        return parsed

    return parse_own


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
