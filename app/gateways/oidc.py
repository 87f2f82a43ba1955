"""The company's identity provider over OpenID Connect: the only module that speaks to it.

Authorization code flow with PKCE (S256). The state, nonce and code verifier of a sign-in are
made here, kept by the browser's session, and checked here when the provider sends it back; the
ID token's signature (the provider's published keys), issuer, audience, expiry and nonce are all
checked before anything in it is believed.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from app.refusals import SourceUnavailable, Unauthenticated

LEEWAY_SECONDS = 60  # clock skew between us and the provider
TIMEOUT_SECONDS = 10
CLAIM_PROBLEMS = {
    "iss": "came from a different issuer than the one configured (OIDC_ISSUER)",
    "aud": "was issued for another application, not this console (OIDC_CLIENT_ID)",
    "nonce": "does not belong to this sign-in (its nonce differs)",
    "azp": "was issued for another application (azp)",
}


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    groups_claim: str = "groups"
    scopes: str = "openid email profile groups"
    name: str = ""

    @property
    def display_name(self) -> str:
        return self.name or urlsplit(self.issuer).hostname or self.issuer


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser's session keeps between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    def as_dict(self) -> dict:
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier,
                "redirect_uri": self.redirect_uri}

    @classmethod
    def from_saved(cls, saved: dict | None) -> PendingSignIn | None:
        """None when nothing (or something unreadable) was kept: the answer is then refused (state)."""
        try:
            return cls(**{key: str(saved[key]) for key in ("state", "nonce", "code_verifier", "redirect_uri")})
        except (KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, after every check passed."""

    issuer: str
    subject: str
    email: str
    email_verified: bool | None
    groups: tuple[str, ...]
    name: str = ""


def _refused(problem: str) -> Unauthenticated:
    return Unauthenticated(f"Sign-in was refused: the identity provider's answer {problem}. "
                           "Nothing was changed; start the sign-in again.")


class OidcProvider:
    def __init__(self, settings: OidcSettings, http: requests.Session | None = None):
        self.settings = settings
        self.http = http or requests.Session()
        self._metadata: dict | None = None

    def metadata(self) -> dict:
        """Discovery; the document must name the configured issuer exactly (OpenID Discovery §4.3)."""
        if self._metadata is None:
            document = self._get_json(f"{self.settings.issuer.rstrip('/')}/.well-known/openid-configuration")
            if document.get("issuer") != self.settings.issuer:
                raise _refused(f"came from a different issuer than the one configured (OIDC_ISSUER is "
                               f"{self.settings.issuer}, the provider says {document.get('issuer')})")
            self._metadata = document
        return self._metadata

    def begin(self, redirect_uri: str) -> tuple[str, PendingSignIn]:
        """The provider's authorization URL to send the browser to, and what to keep until it returns."""
        pending = PendingSignIn(generate_token(32), generate_token(32), generate_token(64), redirect_uri)
        url, _ = self._oauth(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
            code_verifier=pending.code_verifier)
        return url, pending

    def finish(self, pending: PendingSignIn | None, answer: dict) -> Identity:
        """Check the provider's answer against the pending sign-in and return who signed in."""
        if pending is None or not hmac.compare_digest(answer.get("state", ""), pending.state):
            raise _refused("does not match a sign-in started in this browser (state)")
        if answer.get("error"):
            raise Unauthenticated(f"The identity provider refused the sign-in: "
                                  f"{answer.get('error_description') or answer['error']}.")
        if answer.get("iss") and answer["iss"] != self.settings.issuer:
            raise _refused(CLAIM_PROBLEMS["iss"])
        if not answer.get("code"):
            raise _refused("has no authorization code")
        token = self._exchange(pending, answer["code"])
        claims = self._validated_id_token(token, pending.nonce)
        return self._identity(claims, token)

    def _exchange(self, pending: PendingSignIn, code: str) -> dict:
        try:
            return self._oauth(pending.redirect_uri).fetch_token(
                self.metadata()["token_endpoint"], grant_type="authorization_code", code=code,
                code_verifier=pending.code_verifier, redirect_uri=pending.redirect_uri)
        except requests.RequestException as exc:
            raise SourceUnavailable(f"The identity provider did not answer: {exc}") from exc
        except (AuthlibBaseError, ValueError) as exc:  # the provider refused the code, or answered nonsense
            raise _refused(f"could not be redeemed ({exc})") from exc

    def _validated_id_token(self, token: dict, nonce: str) -> dict:
        if "id_token" not in token:
            raise _refused("has no ID token")
        metadata = self.metadata()
        algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
                      if a != "none" and not a.startswith("HS")]
        try:
            keys = KeySet.import_key_set(self._get_json(metadata["jwks_uri"]))
            decoded = jwt.decode(token["id_token"], keys, algorithms=algorithms)
            claims = CodeIDToken(
                decoded.claims, decoded.header,
                {"iss": {"essential": True, "value": self.settings.issuer},
                 "aud": {"essential": True, "value": self.settings.client_id},
                 "exp": {"essential": True}},
                {"nonce": nonce, "client_id": self.settings.client_id,
                 "access_token": token.get("access_token")})
            claims.validate(now=int(time.time()), leeway=LEEWAY_SECONDS)
        except ExpiredTokenError as exc:
            raise _refused("has expired (its ID token's exp is in the past)") from exc
        except (InvalidClaimError, MissingClaimError) as exc:
            claim = getattr(exc, "claim", "")
            raise _refused(CLAIM_PROBLEMS.get(claim, f"has a wrong or missing '{claim}' claim")) from exc
        except JoseError as exc:
            raise _refused(f"has an ID token that does not verify ({exc.error})") from exc
        return dict(claims)

    def _identity(self, claims: dict, token: dict) -> Identity:
        """Providers put email and groups in the ID token or only in userinfo; both are read."""
        groups_claim = self.settings.groups_claim
        if ("email" not in claims or groups_claim not in claims) and self.metadata().get("userinfo_endpoint"):
            info = self._get_json(self.metadata()["userinfo_endpoint"],
                                  headers={"Authorization": f"Bearer {token['access_token']}"})
            if info.get("sub") != claims["sub"]:
                raise _refused("has userinfo about someone else (sub differs)")
            claims = {**info, **claims}
        groups = claims.get(groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        return Identity(self.settings.issuer, claims["sub"], str(claims.get("email") or ""),
                        claims.get("email_verified"), tuple(str(g) for g in groups), str(claims.get("name") or ""))

    def _oauth(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(self.settings.client_id, self.settings.client_secret, scope=self.settings.scopes,
                             redirect_uri=redirect_uri, code_challenge_method="S256", timeout=TIMEOUT_SECONDS)

    def _get_json(self, url: str, headers: dict | None = None) -> dict:
        try:
            response = self.http.get(url, headers=headers, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
            return document
        except (requests.RequestException, ValueError) as exc:
            raise SourceUnavailable(f"The identity provider at {self.settings.issuer} did not answer "
                                    f"as expected ({exc}).") from exc
