"""`hydro token create|list|revoke|generate`: API tokens, managed in the catalog itself.

These commands open the catalog of `HYDRO_HOME` (or `HYDRO_DATABASE_URL`) directly instead of
calling the API: the first admin token has to exist before any API call can be authenticated,
and whoever can reach the catalog's database already holds every power a token could grant.
Revoking or creating through the API (`/api/v2/auth/tokens`, scope admin) works too.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from controller.auth.store import TokenStore
from controller.cli.context import CliContext
from controller.cli.output import render
from controller.settings import ControllerSettings
from protos.auth import Scope, mint

COLUMNS = (("key id", "keyId"), ("name", "name"), ("scopes", "scopes"), ("created", "createdAt"))
HOME = click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="HYDRO_HOME",
                    default=".hydro", show_default=True, help="The catalog's home (env HYDRO_HOME).")


def _store(home: Path) -> TokenStore:
    from controller.api.app import open_catalog  # the catalog pulls in SQLAlchemy: only when needed

    settings = ControllerSettings.from_env({**os.environ, "HYDRO_HOME": str(home)})
    return TokenStore(open_catalog(settings).database)


@click.group("token")
def token_group() -> None:
    """API tokens (scopes: admin, deploy, read, predict, gateway)."""


@token_group.command("create")
@click.option("--name", required=True, help="What the token is for (shown in lists and logs).")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice([s.value for s in Scope]), help="A scope to grant. Repeatable.")
@HOME
def create(name: str, scopes: tuple[str, ...], home: Path) -> None:
    """Create a token and print it: this is the only time it is shown."""
    record, token = _store(home).create(name, list(scopes))
    click.echo(f"created token {record.key_id} ({record.name}) with scopes {', '.join(sorted(scopes))}", err=True)
    click.echo(str(token))


@token_group.command("list")
@HOME
@click.pass_obj
def list_tokens(obj: CliContext, home: Path) -> None:
    """Every token's key id, name and scopes (never a secret)."""
    render([record.to_json() for record in _store(home).all()], obj.output, COLUMNS)


@token_group.command("revoke")
@click.argument("key_id")
@HOME
def revoke(key_id: str, home: Path) -> None:
    """Revoke the token KEY_ID (the middle part of hydro_<keyid>_<secret>): effective at once."""
    _store(home).revoke(key_id)
    click.echo(f"revoked token {key_id}")


@token_group.command("generate")
def generate() -> None:
    """Print a new random token without storing it (for HYDRO_AUTH_BOOTSTRAP_TOKEN in a Secret)."""
    click.echo(str(mint()))
