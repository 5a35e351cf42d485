"""Size limits on what a client declares: a model's contract and its metadata.

The archive limits bound the bytes of an upload; these bound what the platform derives from
the declaration. A contract drives work elsewhere (sample inputs, profiles, request
validation in the gateway): a field of shape `[100000, 100000]`, ten thousand fields or a
hundred levels of nested maps would cost memory and time far from the upload that caused
it. Metadata is stored and returned with every listing. Each violation is a 400 naming the
field, the limit and the `HYDRO_*` variable that sets it, raised before anything is stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from controller.errors import InvalidResource
from controller.settings import UploadLimits
from protos.contract import Contract, Field


def check_nesting(value: Any, limits: UploadLimits, path: str) -> None:
    """Refuse a parsed JSON value nested too deeply to parse safely, without recursing.

    Runs before the contract parsers, which recurse once per level; a map field takes about
    four JSON levels (`subfields: {data: [{...}]}`), so this bound follows the depth limit.
    """
    limit = 4 * limits.max_contract_depth + 8
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            raise InvalidResource(path, f"is nested deeper than {limit} levels "
                                        f"(HYDRO_MAX_CONTRACT_DEPTH is {limits.max_contract_depth})")
        stack.extend((child, depth + 1) for child in children)


def check_contract(contract: Contract, limits: UploadLimits, path: str) -> None:
    """Fields, nesting depth, dimensions per shape and total declared elements within limits."""
    elements = 0
    for count, (where, field, depth, outer) in enumerate(_walk(contract, path), start=1):
        if count > limits.max_contract_fields:
            raise _over(where, f"is field number {count}: a contract has at most {limits.max_contract_fields} fields",
                        "HYDRO_MAX_CONTRACT_FIELDS")
        if depth > limits.max_contract_depth:
            raise _over(where, f"is nested {depth} levels deep, more than {limits.max_contract_depth}",
                        "HYDRO_MAX_CONTRACT_DEPTH")
        dims = field.shape or ()
        if len(dims) > limits.max_shape_dims:
            raise _over(f"{where}.shape", f"has {len(dims)} dimensions, more than {limits.max_shape_dims}",
                        "HYDRO_MAX_SHAPE_DIMS")
        if field.dtype is not None:
            elements += outer * _elements(dims)
            if elements > limits.max_contract_elements:
                raise _over(f"{where}.shape", "brings the elements the contract declares to more than "
                            f"{limits.max_contract_elements}", "HYDRO_MAX_CONTRACT_ELEMENTS")


def check_metadata(metadata: Mapping[str, str], limits: UploadLimits, path: str) -> None:
    """Entries, key and value lengths, and total UTF-8 bytes of a metadata map within limits."""
    if len(metadata) > limits.max_metadata_entries:
        raise _over(path, f"has {len(metadata)} entries, more than {limits.max_metadata_entries}",
                    "HYDRO_MAX_METADATA_ENTRIES")
    total = 0
    for key, value in metadata.items():
        if len(key) > limits.max_metadata_key_length:
            raise _over(f"{path}.{key[:40]}...", f"the key has {len(key)} characters, more than "
                        f"{limits.max_metadata_key_length}", "HYDRO_MAX_METADATA_KEY_LENGTH")
        if len(value) > limits.max_metadata_value_length:
            raise _over(f"{path}.{key}", f"the value has {len(value)} characters, more than "
                        f"{limits.max_metadata_value_length}", "HYDRO_MAX_METADATA_VALUE_LENGTH")
        total += len(key.encode("utf-8", "surrogatepass")) + len(value.encode("utf-8", "surrogatepass"))
    if total > limits.max_metadata_bytes:
        raise _over(path, f"holds {total} bytes of keys and values, more than {limits.max_metadata_bytes}",
                    "HYDRO_MAX_METADATA_BYTES")


def _walk(contract: Contract, path: str) -> Iterator[tuple[str, Field, int, int]]:
    """Every field with its path, nesting depth and the element count of its enclosing maps."""
    stack: list[tuple[str, Field, int, int]] = [
        (f"{path}.{side}.{field.name}", field, 1, 1)
        for side in ("outputs", "inputs") for field in reversed(getattr(contract, side))
    ]
    while stack:
        where, field, depth, outer = stack.pop()
        yield where, field, depth, outer
        inner = outer * _elements(field.shape or ())
        stack.extend((f"{where}.{sub.name}", sub, depth + 1, inner) for sub in reversed(field.subfields))


def _elements(dims: tuple[int, ...]) -> int:
    """Elements one value of this shape holds; a variable dimension (-1) counts as one row."""
    return math.prod(max(dim, 1) for dim in dims)


def _over(path: str, problem: str, variable: str) -> InvalidResource:
    return InvalidResource(path, f"{problem} (limit set by {variable})")
