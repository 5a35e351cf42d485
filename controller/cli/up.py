"""`hydro up`: run the whole platform on this machine until Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.console import Console

from controller.settings import ControllerSettings
from protos.shutdown import wait_for_stop

if TYPE_CHECKING:
    from controller.local.up.platform import Endpoints

console = Console()


@click.command("up")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="HYDRO_HOME", default=".hydro",
              show_default=True, help="Where Hydro keeps its state (env HYDRO_HOME).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the gateway listens on; 0.0.0.0 exposes it to the network.")
@click.option("--http-port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="HTTP: manager API, UI and the HTTP gateway.")
@click.option("--grpc-port", type=click.IntRange(1, 65535), default=9090, show_default=True,
              help="gRPC gateway (Hydrosphere's GatewayService).")
@click.option("--no-auth", is_flag=True, default=False,
              help="Turn API-token authentication off (local development only; same as HYDRO_AUTH=disabled).")
def up_command(home: Path, host: str, http_port: int, grpc_port: int, no_auth: bool) -> None:
    """Start controller, gateway, local engine, Broker and functions; stop with Ctrl-C."""
    # Imported here: the platform pulls in the engine and the API, which other commands never need.
    from controller.local.up.platform import LocalPlatform, UpOptions

    environ = {**os.environ, "HYDRO_HOME": str(home)} | ({"HYDRO_AUTH": "disabled"} if no_auth else {})
    settings = ControllerSettings.from_env(environ)
    _log_to_file(settings.home / "logs" / "hydro.log")
    platform = LocalPlatform(settings, UpOptions(host=host, http_port=http_port, grpc_port=grpc_port))
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        endpoints = platform.start()
        token = platform.tokens.admin if platform.tokens else None
        _print_endpoints(settings, endpoints, token)
        wait_for_stop(stop)
        console.print("Stopping Hydro...")
    finally:
        platform.stop()
    console.print("Hydro stopped; state kept in " + str(settings.home))


def _log_to_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    errors = logging.StreamHandler()
    errors.setLevel(logging.WARNING)
    root.addHandler(errors)


def _print_endpoints(settings: ControllerSettings, endpoints: Endpoints, token: str | None) -> None:
    console.rule("[bold]Hydro is up")
    console.print(f"Manager API and UI  {endpoints.http}   (hydro --server {endpoints.http} ...)")
    console.print(f"HTTP gateway        {endpoints.http}/gateway/application/<name>  and  {endpoints.http}/v2/models")
    console.print(f"gRPC gateway        {endpoints.grpc}   (hydrosphere.serving.gateway.GatewayService)")
    console.print(f"hs CLI              hs cluster add --name local --server {_with_token(endpoints.http, token)}")
    console.print(f"State               {settings.home}   (logs in {settings.home / 'logs'})")
    if token is None:
        console.print("[bold red]Authentication is OFF[/] (--no-auth / HYDRO_AUTH=disabled): anyone who can reach "
                      "these addresses is admin.")
    else:
        console.print(f"Admin token         {token}")
        console.print(f"                    (kept in {settings.home / 'admin-token'}; send it as "
                      "'Authorization: Bearer <token>', or HYDRO_TOKEN for the hydro CLI)")
    console.print("Press Ctrl-C to stop; the catalog and accepted events are kept for the next start.")


def _with_token(url: str, token: str | None) -> str:
    """`url` with the token as its password: what `hs` and `hydrosdk` (requests) send as Basic auth."""
    if token is None:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://hydro:{token}@{rest}"
