"""protos.auth: token format, hashing, scopes, credentials from headers, trusted networks."""

from __future__ import annotations

import base64

import pytest

from protos.auth import (
    PermissionDenied,
    Requirement,
    Scope,
    Unauthenticated,
    Verifier,
    authenticate,
    authorize,
    by_method,
    credential,
    hash_secret,
    is_trusted,
    mint,
    parse_networks,
    parse_token,
)


def test_minted_tokens_parse_back() -> None:
    token = mint()
    text = str(token)
    assert text.startswith("hydro_") and parse_token(text) == token
    assert token.secret not in repr(token)


@pytest.mark.parametrize("text", ["", "hydro_", "hydro_abc_def", "other_0123456789ab_" + "a" * 43,
                                  "hydro_0123456789AB_" + "a" * 43, "hydro_0123456789ab_short"])
def test_malformed_tokens_do_not_parse(text: str) -> None:
    assert parse_token(text) is None


def test_secret_with_underscores_parses() -> None:
    text = "hydro_0123456789ab_" + "a_b-" * 11
    assert parse_token(text) is not None and parse_token(text).secret == "a_b-" * 11  # type: ignore[union-attr]


def test_hash_is_sha256_hex() -> None:
    assert hash_secret("x") == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"


@pytest.mark.parametrize(("header", "expected"), [
    ("Bearer hydro_tok", "hydro_tok"), ("bearer  hydro_tok ", "hydro_tok"),
    ("Basic " + base64.b64encode(b"hydro:hydro_tok").decode(), "hydro_tok"),
    ("Basic " + base64.b64encode(b"hydro_tok:").decode(), "hydro_tok"),
    ("Basic !!!", None), ("Digest x", None), (None, None), ("", None),
])
def test_credential_from_headers(header: str | None, expected: str | None) -> None:
    assert credential(header) == expected


def _verifier(token_text: str, *scopes: Scope) -> Verifier:
    token = parse_token(token_text)
    assert token is not None
    return Verifier(token.key_id, "t", hash_secret(token.secret), frozenset(scopes))


def test_authenticate_checks_the_secret() -> None:
    good = str(mint())
    stored = _verifier(good, Scope.READ)
    assert authenticate(good, {stored.key_id: stored}.get).scopes == {Scope.READ}
    wrong = good[:-3] + ("abc" if not good.endswith("abc") else "xyz")
    with pytest.raises(Unauthenticated) as failure:
        authenticate(wrong, {stored.key_id: stored}.get)
    assert wrong not in failure.value.message
    with pytest.raises(Unauthenticated):
        authenticate(None, {}.get)


@pytest.mark.parametrize(("granted", "needed", "allowed"), [
    ({Scope.ADMIN}, Scope.GATEWAY, True), ({Scope.DEPLOY}, Scope.READ, True), ({Scope.READ}, Scope.DEPLOY, False),
    ({Scope.PREDICT}, Scope.READ, False), ({Scope.GATEWAY}, Scope.READ, False), ({Scope.READ}, Scope.PREDICT, False),
])
def test_scope_implications(granted: set[Scope], needed: Scope, allowed: bool) -> None:
    assert Requirement.of(needed).allows(granted) is allowed


def test_permission_denied_names_the_missing_scope() -> None:
    token = str(mint())
    who = authenticate(token, {(v := _verifier(token, Scope.READ)).key_id: v}.get)
    with pytest.raises(PermissionDenied, match="needs scope deploy"):
        authorize(who, by_method("POST"), "POST /api/v2/model/upload")


def test_trusted_networks() -> None:
    networks = parse_networks("127.0.0.1/32, 10.0.0.0/8")
    assert is_trusted("127.0.0.1", networks) and is_trusted("::ffff:10.1.2.3", networks)
    assert not is_trusted("192.168.1.1", networks) and not is_trusted(None, networks)
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks("nonsense")
