"""`hydro`: the command line entry point (`hydro = controller.cli.main:cli`)."""

from __future__ import annotations

from typing import Any

import click

from controller.cli import apply as applying
from controller.cli.client import ApiClient, ApiError
from controller.cli.commands import GROUPS
from controller.cli.context import CliContext
from controller.cli.knative_commands import deploy_command, plan_command
from controller.cli.output import FORMATS
from controller.cli.token_commands import token_group
from controller.cli.up import up_command
from controller.errors import HydroError

DEFAULT_SERVER = "http://127.0.0.1:8080"


class HydroGroup(click.Group):
    """Reports API and definition errors as one clean line (exit code 1), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ApiError as error:
            raise click.ClickException(error.message) from None
        except HydroError as error:
            raise click.ClickException(error.message) from None


@click.group(cls=HydroGroup)
@click.option("--server", envvar="HYDRO_SERVER", default=DEFAULT_SERVER, show_default=True,
              help="The controller's URL (env HYDRO_SERVER).")
@click.option("--token", envvar="HYDRO_TOKEN", default=None, show_default=False,
              help="API token sent as 'Authorization: Bearer' (env HYDRO_TOKEN; `hydro up` writes <home>/admin-token).")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="table", show_default=True,
              help="How to print results.")
@click.pass_context
def cli(ctx: click.Context, server: str, token: str | None, output: str) -> None:
    """Hydro: serve, version, monitor and explain ML models."""
    ctx.obj = CliContext(ApiClient(server, token=token), output)


@cli.command()
@click.option("-f", "paths", multiple=True, required=True,
              type=click.Path(exists=True, allow_dash=True, path_type=str),
              help="A YAML file, a folder of YAML files, or - for stdin. Repeatable.")
@click.pass_obj
def apply(obj: CliContext, paths: tuple[str, ...]) -> None:
    """Create or update Models, Applications and DeploymentConfigurations from YAML."""
    applying.apply_all(obj.client, applying.load(paths))


for _command in (*GROUPS, plan_command, deploy_command, up_command, token_group):
    cli.add_command(_command)
