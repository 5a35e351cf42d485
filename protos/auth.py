"""API tokens, scopes and credentials: the transport-free core the controller and the gateway share.

A token reads `hydro_<keyid>_<secret>`: the key id (12 hex characters) names a stored verifier,
the secret is `secrets.token_urlsafe(32)` (256 random bits). Only `sha256(secret)` is stored.
A client presents a token as `Authorization: Bearer <token>`, or as the password of
`Authorization: Basic` (the username is ignored), which is what `requests` sends for a URL like
`http://hydro:<token>@host:8080`, so `hs` and `hydrosdk` 3.0.3 authenticate unmodified.

Scopes: `admin` (everything), `deploy` (change the catalog; implies `read`), `read` (GETs),
`predict` (inference only), the internal `gateway` (what a gateway needs from the controller:
the routing table and the token verifiers) and the internal `functions` (what the monitoring,
explainer and projector functions call: the routing table, model version and metric spec reads,
the detector's upload and metric spec, training-data status). A requirement is a set of
acceptable scopes.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PREFIX = "hydro"
WWW_AUTHENTICATE = 'Bearer realm="hydro"'
_KEY_ID = re.compile(r"^[0-9a-f]{12}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


class Scope(enum.StrEnum):
    ADMIN = "admin"
    DEPLOY = "deploy"
    READ = "read"
    PREDICT = "predict"
    GATEWAY = "gateway"
    FUNCTIONS = "functions"


IMPLIES: Mapping[Scope, frozenset[Scope]] = {
    Scope.ADMIN: frozenset(Scope),
    Scope.DEPLOY: frozenset({Scope.DEPLOY, Scope.READ}),
    Scope.READ: frozenset({Scope.READ}),
    Scope.PREDICT: frozenset({Scope.PREDICT}),
    Scope.GATEWAY: frozenset({Scope.GATEWAY}),
    Scope.FUNCTIONS: frozenset({Scope.FUNCTIONS}),
}


class AuthFailure(Exception):
    """Base of the two ways a request can fail authentication; each deployable maps them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AuthFailure):
    """No credential, a malformed one, an unknown key id or a wrong secret (HTTP 401)."""


class PermissionDenied(AuthFailure):
    """A valid token without the scope the request needs (HTTP 403); `missing` names it."""

    def __init__(self, message: str, missing: Requirement) -> None:
        super().__init__(message)
        self.missing = missing


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    """Scope names as scopes; `ValueError` naming an unknown one."""
    scopes = set()
    for value in values:
        try:
            scopes.add(Scope(str(value).strip().lower()))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {value!r}; known scopes: {known}") from None
    return frozenset(scopes)


def effective(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """Everything `scopes` grant, implications included."""
    granted: set[Scope] = set()
    for scope in scopes:
        granted |= IMPLIES[scope]
    return frozenset(granted)


@dataclass(frozen=True)
class Requirement:
    """A request is allowed when the token grants any of `any_of` (admin grants everything)."""

    any_of: frozenset[Scope]

    @classmethod
    def of(cls, *scopes: Scope) -> Requirement:
        return cls(frozenset(scopes))

    def allows(self, scopes: Iterable[Scope]) -> bool:
        return bool(effective(scopes) & self.any_of)

    def describe(self) -> str:
        return " or ".join(sorted(s.value for s in self.any_of))


READ = Requirement.of(Scope.READ)
DEPLOY = Requirement.of(Scope.DEPLOY)
PREDICT = Requirement.of(Scope.PREDICT)
ADMIN = Requirement.of(Scope.ADMIN)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def by_method(method: str) -> Requirement:
    """The default for a manager API route: reads need `read`, every change needs `deploy`."""
    return READ if method.upper() in SAFE_METHODS else DEPLOY


@dataclass(frozen=True)
class ApiToken:
    """A parsed token. `str(token)` is the wire form; `repr` never shows the secret."""

    key_id: str
    secret: str = field(repr=False)

    def __str__(self) -> str:
        return f"{PREFIX}_{self.key_id}_{self.secret}"


def mint() -> ApiToken:
    """A new random token."""
    return ApiToken(secrets.token_hex(6), secrets.token_urlsafe(32))


def parse_token(text: str) -> ApiToken | None:
    """The token in `text`, or None when it is not of the form `hydro_<keyid>_<secret>`."""
    prefix, _, rest = text.strip().partition("_")
    key_id, _, secret = rest.partition("_")  # the secret itself may contain "_"
    if prefix != PREFIX or not _KEY_ID.match(key_id) or not _SECRET.match(secret):
        return None
    return ApiToken(key_id, secret)


def hash_secret(secret: str) -> str:
    """The stored form of a secret.

    A plain SHA-256 is the right tool here, not a slow password hash (bcrypt, argon2): secrets are
    256 random bits, so there is no dictionary to try and a brute force is out of reach, while a
    slow hash would cost every authenticated request milliseconds of CPU.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verifier:
    """What is stored for one token: enough to check it, never enough to rebuild it."""

    key_id: str
    name: str
    secret_hash: str
    scopes: frozenset[Scope]

    def matches(self, token: ApiToken) -> bool:
        # Constant-time: the time taken must not tell how much of a guessed hash was right.
        return token.key_id == self.key_id and hmac.compare_digest(hash_secret(token.secret), self.secret_hash)

    def to_json(self) -> dict[str, Any]:
        return {"keyId": self.key_id, "name": self.name, "hash": self.secret_hash,
                "scopes": sorted(s.value for s in self.scopes)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Verifier:
        return cls(str(doc["keyId"]), str(doc.get("name", "")), str(doc["hash"]), parse_scopes(doc["scopes"]))


@dataclass(frozen=True)
class Principal:
    """Who made a request: the token's key id, name and scopes."""

    key_id: str
    name: str
    scopes: frozenset[Scope]

    def to_json(self) -> dict[str, Any]:
        return {"keyId": self.key_id, "name": self.name, "scopes": sorted(s.value for s in self.scopes)}


ANONYMOUS_ADMIN = Principal("", "auth disabled", frozenset({Scope.ADMIN}))
"""Who every request is when authentication is explicitly disabled."""
TRUSTED_ADDRESS = Principal("", "trusted address", frozenset({Scope.PREDICT}))
"""Who an unauthenticated request from a trusted network is (inference only)."""


def credential(authorization: str | None) -> str | None:
    """The token in an `Authorization` header: `Bearer <token>`, or `Basic` with the token as the
    password (or as the username when the password is empty). None when there is none."""
    if not authorization:
        return None
    kind, _, value = authorization.strip().partition(" ")
    if kind.lower() == "bearer":
        return value.strip() or None
    if kind.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, _, password = decoded.partition(":")
        return password or username or None
    return None


def authenticate(text: str | None, lookup: Callable[[str], Verifier | None]) -> Principal:
    """The principal holding token `text`; `Unauthenticated` when it is missing or wrong.

    `lookup(key_id)` finds the stored verifier (None when unknown or revoked). Messages never
    repeat the token.
    """
    if not text:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>'")
    token = parse_token(text)
    if token is None:
        raise Unauthenticated("the credential is not a Hydro token (expected hydro_<keyid>_<secret>)")
    verifier = lookup(token.key_id)
    if verifier is None or not verifier.matches(token):
        raise Unauthenticated(f"token {token.key_id} is unknown, revoked or wrong")
    return Principal(verifier.key_id, verifier.name, verifier.scopes)


def authorize(principal: Principal, requirement: Requirement, action: str) -> None:
    """`PermissionDenied` naming the missing scope unless `principal` may do `action`."""
    if not requirement.allows(principal.scopes):
        raise PermissionDenied(
            f"{action} needs scope {requirement.describe()}; token {principal.key_id or principal.name} "
            f"has {', '.join(sorted(s.value for s in principal.scopes)) or 'no scopes'}", requirement)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (or single addresses); `ValueError` naming a bad one."""
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP network (e.g. 127.0.0.1/32 or 10.0.0.0/8)") from None
    return tuple(networks)


def is_trusted(address: str | None, networks: Iterable[Network]) -> bool:
    """Whether `address` (an IP, possibly IPv4-mapped IPv6) lies in one of `networks`."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


SESSION_COOKIE = "hydro_session"
"""The UI's HttpOnly cookie holding the signed-in token (so EventSource, which cannot send
headers, is authenticated too)."""
CSRF_HEADER = "X-Hydro-CSRF"
"""Required on state-changing requests authenticated by the cookie (see the controller's guard)."""
