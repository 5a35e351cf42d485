"""The object every `hydro` command receives: the API client and the output format."""

from __future__ import annotations

from dataclasses import dataclass

from controller.cli.client import ApiClient


@dataclass(frozen=True)
class CliContext:
    client: ApiClient
    output: str
