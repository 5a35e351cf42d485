"""API tokens in the catalog database: create (the secret is shown once), list, revoke, verify.

Only the SHA-256 of each secret is stored (`protos.auth.hash_secret` says why that is enough).
Every check reads the row by key id, so a revocation is effective for the very next request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from controller.catalog.database import Database
from controller.catalog.schema import ApiTokenRow, utcnow
from controller.errors import BadRequest, Conflict, NotFound
from protos.auth import ApiToken, Scope, Verifier, hash_secret, mint, parse_scopes

MAX_NAME = 253


@dataclass(frozen=True)
class TokenRecord:
    """A stored token as the API shows it: never its secret nor its hash."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"keyId": self.key_id, "name": self.name, "scopes": sorted(s.value for s in self.scopes),
                "createdAt": self.created_at.isoformat()}


class TokenStore:
    """The `api_tokens` table of one catalog database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, name: str, scopes: list[str]) -> tuple[TokenRecord, ApiToken]:
        """A new token named `name`; the returned `ApiToken` is the only time its secret exists."""
        token = mint()
        return self.add(token, name, scopes), token

    def add(self, token: ApiToken, name: str, scopes: list[str]) -> TokenRecord:
        """Store `token` (one the caller minted, e.g. a bootstrap token from a Secret)."""
        granted = _scopes(scopes)
        name = _name(name)
        with self.database.write() as session:
            if session.get(ApiTokenRow, token.key_id) is not None:
                raise Conflict(f"token {token.key_id} already exists")
            row = ApiTokenRow(key_id=token.key_id, name=name, secret_hash=hash_secret(token.secret),
                              scopes=sorted(s.value for s in granted), created_at=utcnow())
            session.add(row)
            return _record(row)

    def exists(self, key_id: str) -> bool:
        with self.database.read() as session:
            return session.get(ApiTokenRow, key_id) is not None

    def count(self) -> int:
        with self.database.read() as session:
            return len(session.scalars(select(ApiTokenRow.key_id)).all())

    def all(self) -> list[TokenRecord]:
        with self.database.read() as session:
            rows = session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at, ApiTokenRow.key_id))
            return [_record(row) for row in rows]

    def revoke(self, key_id: str) -> None:
        with self.database.write() as session:
            row = session.get(ApiTokenRow, key_id)
            if row is None:
                raise NotFound(f"token {key_id} not found")
            session.delete(row)

    def verifier(self, key_id: str) -> Verifier | None:
        """The stored verifier of `key_id`, None when unknown or revoked."""
        with self.database.read() as session:
            row = session.get(ApiTokenRow, key_id)
            return None if row is None else _verifier(row)

    def verifiers(self) -> tuple[list[Verifier], str]:
        """Every verifier, and an ETag that changes whenever any token is added or revoked."""
        with self.database.read() as session:
            rows = session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.key_id)).all()
            verifiers = [_verifier(row) for row in rows]
        digest = hashlib.sha256()
        for v in verifiers:
            digest.update(f"{v.key_id}:{v.secret_hash}:{','.join(sorted(v.scopes))};".encode())
        return verifiers, digest.hexdigest()[:32]


def _scopes(values: list[str]) -> frozenset[Scope]:
    if not isinstance(values, list) or not values:
        raise BadRequest("scopes: must be a non-empty list of scope names", field="scopes")
    try:
        return parse_scopes(values)
    except ValueError as error:
        raise BadRequest(f"scopes: {error}", field="scopes") from None


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise BadRequest(f"name: must be a non-empty string of at most {MAX_NAME} characters", field="name")
    return name.strip()


def _record(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(row.key_id, row.name, parse_scopes(row.scopes), row.created_at)


def _verifier(row: ApiTokenRow) -> Verifier:
    return Verifier(row.key_id, row.name, row.secret_hash, parse_scopes(row.scopes))
