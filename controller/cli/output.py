"""How the CLI prints results: a rich table, JSON or YAML (`-o table|json|yaml`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table

FORMATS = ("table", "json", "yaml")


def render(data: Any, fmt: str, columns: Sequence[tuple[str, str]], title: str | None = None) -> None:
    """Print `data` (a list of objects, or one object) in `fmt`.

    `columns` are (header, key) pairs for the table; a key may be dotted (`model.name`).
    JSON and YAML print the API's objects as they are.
    """
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif fmt == "yaml":
        click.echo(yaml.safe_dump(data, sort_keys=True).rstrip())
    else:
        rows = data if isinstance(data, list) else [data]
        table = Table(title=title)
        for header, _ in columns:
            table.add_column(header)
        for row in rows:
            table.add_row(*(cell(row, key) for _, key in columns))
        Console(width=200).print(table)


def cell(row: Mapping[str, Any], key: str) -> str:
    """The text of one table cell; lists are comma-joined, missing values blank."""
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True)
    return str(value)
