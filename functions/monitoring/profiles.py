"""Field profiles from production requests and from a training CSV (`functions.stats` profiles).

Which fields: every input and output whose contract field `functions.stats.profile_for` profiles.
Training data profiles only scalar fields (a CSV cell holds one value), production data every
profiled field. The CSV is read in chunks of rows, so memory stays bounded whatever its length;
the training profiles get reference bins, which production profiles then count into.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from functions.monitoring.errors import JobFailed
from functions.outliers.scoring import parse_number
from functions.stats import BadValues, ImageProfile, NumericalProfile, Profile, TextProfile, profile_for
from protos import dtypes
from protos.contract import Contract, Field
from protos.errors import ContractError

CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class TrainingProfiles:
    profiles: dict[str, Profile]
    rows: int
    skipped: dict[str, str]
    """Profiled fields the CSV does not give, and why."""


def profiled_fields(contract: Contract) -> list[tuple[Field, Profile]]:
    """Each profiled input and output with a new, empty profile for it."""
    out = []
    for field in (*contract.inputs, *contract.outputs):
        try:
            profile = profile_for(field)
        except ContractError:
            continue  # a declared profile the type cannot carry: not profiled, rather than failing
        if profile is not None:
            out.append((field, profile))
    return out


def profile_requests(contract: Contract, rows: Sequence[Mapping[str, Any]],
                     templates: Mapping[str, Profile]) -> dict[str, Profile]:
    """Profiles of the fields of `rows` (each `{field: JSON value}`); a field's profile starts as
    `templates[field].empty_like()` when given, so it shares that profile's reference bins."""
    out: dict[str, Profile] = {}
    for field, fresh in profiled_fields(contract):
        template = templates.get(field.name)
        profile = template.empty_like() if template is not None and template.kind == fresh.kind else fresh
        try:
            profile.update(_request_values(field, profile, (row.get(field.name) for row in rows)))
        except (BadValues, ValueError, TypeError):
            continue  # values of the wrong type for the field's profile: leave the field out
        out[field.name] = profile
    return out


def profile_csv(lines: IO[str], contract: Contract) -> TrainingProfiles:
    """Profile the CSV's columns that match profiled scalar fields, chunk by chunk."""
    reader = csv.reader(lines)
    header = next((row for row in reader if row), None)
    if not header:
        raise JobFailed("training data: the file is empty (no header row)")
    positions = {name.strip(): index for index, name in reversed(list(enumerate(header)))}
    columns, skipped = _columns(contract, positions)
    rows = 0
    for chunk in _chunks(row for row in reader if row):
        rows += len(chunk)
        for field, profile, index in columns:
            profile.update(_csv_values(field, profile, [row[index] if index < len(row) else "" for row in chunk]))
    if rows == 0:
        raise JobFailed("training data: the header has no data rows under it")
    return TrainingProfiles({f.name: p.with_reference_bins() for f, p, _ in columns}, rows, skipped)


Column = tuple[Field, Profile, int]


def _columns(contract: Contract, positions: Mapping[str, int]) -> tuple[list[Column], dict[str, str]]:
    columns: list[Column] = []
    skipped: dict[str, str] = {}
    for field, profile in profiled_fields(contract):
        if not field.is_scalar or isinstance(profile, ImageProfile):
            skipped[field.name] = f"shape {field.shape_text()} ({profile.kind}) cannot come from a CSV cell"
        elif field.name not in positions:
            skipped[field.name] = "not a column of the training data"
        else:
            columns.append((field, profile, positions[field.name]))
    if not columns:
        why = "; ".join(f"{name}: {reason}" for name, reason in skipped.items()) or "the contract profiles no field"
        raise JobFailed(f"training data: no column can be profiled ({why})")
    return columns, skipped


def _chunks(rows: Iterator[list[str]]) -> Iterator[list[list[str]]]:
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        yield chunk


def _csv_values(field: Field, profile: Profile, cells: list[str]) -> Any:
    """CSV text as the values production requests carry for the field, so both sides agree."""
    kind = dtypes.from_proto(field.dtype).numpy.kind if field.dtype is not None else "O"
    if isinstance(profile, TextProfile) or (kind == "O" and not isinstance(profile, NumericalProfile)):
        return np.array([cell if cell.strip() else None for cell in cells], dtype=object)
    if kind == "b":
        return np.array([None if np.isnan(n := parse_number(c)) else bool(n) for c in cells], dtype=object)
    try:
        return np.asarray(cells, dtype=np.float64)
    except ValueError:  # empty or unparsable cells: missing values
        return np.fromiter((parse_number(cell) for cell in cells), dtype=np.float64, count=len(cells))


def _request_values(field: Field, profile: Profile, values: Iterable[Any]) -> Any:
    if isinstance(profile, ImageProfile):
        return list(_images(field, values))
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(np.asarray(value, dtype=object).ravel().tolist())
        else:
            flat.append(value)
    if isinstance(profile, NumericalProfile):
        return np.array([np.nan if v is None else v for v in flat], dtype=np.float64)
    return np.array(flat, dtype=object)


def _images(field: Field, values: Iterable[Any]) -> Iterator[Any]:
    """One image per request, or several when the field's first dimension is a batch."""
    batched = field.shape is not None and (len(field.shape) == 4 or (len(field.shape) == 3 and field.shape[0] == -1))
    for value in values:
        if value is None:
            yield None
        elif batched:
            yield from np.asarray(value, dtype=np.float64)
        else:
            yield np.asarray(value, dtype=np.float64)
