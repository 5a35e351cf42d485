"""The tokens `hydro up` runs with when authentication is on.

- the admin token: minted once, kept in `<home>/admin-token` (mode 0600) and reused across
  restarts while the catalog still holds it; printed at start for the user;
- the gateway's token (scope `gateway`: routing table + verifiers) passed to the gateway children
  by environment;
- the functions' token (scope `functions`: the routes `controller.auth.policy` grants it), given
  to the functions as `HYDRO_CONTROLLER_TOKEN` through the same optional Secret the planner's
  function Services read on Knative (`PlatformSpec.functions_auth_secret`), so both backends
  authenticate the functions one way (`functions.host.controller_client`);

All but the admin token are minted fresh at every start, and the previous start's are revoked.
The engine's Sequences call the gateway's steps without a token, as Knative's dispatcher does:
the gateway admits each step by the step pass its own events carry (functions/gateway/step_pass.py).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from controller.auth.store import TokenStore
from protos.auth import Scope, parse_token

logger = logging.getLogger(__name__)
ADMIN_NAME = "hydro up admin"
GATEWAY_NAME = "hydro up gateway"
FUNCTIONS_NAME = "hydro up functions"
ENGINE_NAME = "hydro up engine"
"""Minted by earlier versions for the Sequences (a netrc file); still revoked at start."""
MINTED_PER_START = (GATEWAY_NAME, FUNCTIONS_NAME, ENGINE_NAME)


@dataclass(frozen=True)
class LocalTokens:
    admin: str = field(repr=False)
    gateway: str = field(repr=False)
    functions: str = field(repr=False)


def ensure_local_tokens(home: Path, tokens: TokenStore) -> LocalTokens:
    """The admin token (reused or minted), and fresh gateway and functions tokens."""
    for record in tokens.all():
        if record.name in MINTED_PER_START:
            tokens.revoke(record.key_id)
    _, gateway = tokens.create(GATEWAY_NAME, [Scope.GATEWAY.value])
    _, functions = tokens.create(FUNCTIONS_NAME, [Scope.FUNCTIONS.value])
    (home / "engine" / "engine.netrc").unlink(missing_ok=True)  # an earlier version's engine token
    return LocalTokens(admin=_admin(home, tokens), gateway=str(gateway), functions=str(functions))


def admin_token_path(home: Path) -> Path:
    return home / "admin-token"


def _admin(home: Path, tokens: TokenStore) -> str:
    path = admin_token_path(home)
    if path.exists():
        kept = parse_token(path.read_text().strip())
        verifier = tokens.verifier(kept.key_id) if kept else None
        if kept is not None and verifier is not None and verifier.matches(kept):
            return str(kept)
        logger.warning("%s holds no valid token (revoked?); minting a new admin token", path)
    _, token = tokens.create(ADMIN_NAME, [Scope.ADMIN.value])
    _write_private(path, f"{token}\n")
    return str(token)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
