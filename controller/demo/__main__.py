"""`python -m controller.demo [--home DIR] [--port N] [--grpc-port N] [--exit]` (what `make demo` runs)."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import click

from controller.demo import processes, scenario


@click.command()
@click.option("--home", type=click.Path(path_type=Path), default=Path(".hydro/demo"), show_default=True,
              help="Where the demo keeps models, state and logs.")
@click.option("--port", type=int, default=None, help="HTTP port (default: 8080 if free, else any).")
@click.option("--grpc-port", type=int, default=None, help="gRPC port (default: 9090 if free, else any).")
@click.option("--requests", "requests_count", type=click.IntRange(100, 100_000), default=1000, show_default=True,
              help="How many requests to send through the 80/20 split (a third as many drifted ones follow).")
@click.option("--exit", "exit_after", is_flag=True, envvar="HYDRO_DEMO_EXIT",
              help="Stop when the scenario is done instead of running until Ctrl-C (env HYDRO_DEMO_EXIT=1).")
def main(home: Path, port: int | None, grpc_port: int | None, requests_count: int, exit_after: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    sys.exit(scenario.run(home.resolve(), port or _port_or_free(8080), grpc_port or _port_or_free(9090),
                          keep_running=not exit_after, requests_count=requests_count))


def _port_or_free(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return processes.free_port()


main()
