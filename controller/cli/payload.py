"""Packs a model's `payload` (paths and globs relative to its YAML file) into a tar.gz."""

from __future__ import annotations

import tarfile
from collections.abc import Sequence
from pathlib import Path

from controller.errors import InvalidResource


def resolve_payload(base_dir: Path, payload: Sequence[str], source: str) -> list[tuple[Path, str]]:
    """(file on disk, name in the archive) for each payload entry; a glob may match many.

    Entries are relative to `base_dir`; archive names keep the path as written (hydrosdk does the
    same), so `src/func_main.py` lands at `src/func_main.py` in the model folder.
    """
    resolved: list[tuple[Path, str]] = []
    for index, entry in enumerate(payload):
        where = f"payload[{index}]"
        if any(ch in entry for ch in "*?["):
            matches = sorted(base_dir.glob(entry))
            if not matches:
                raise InvalidResource(where, f"glob {entry!r} matches nothing in {base_dir}", source=source)
            resolved.extend((m, m.relative_to(base_dir).as_posix()) for m in matches)
            continue
        path = (base_dir / entry).resolve() if not Path(entry).is_absolute() else Path(entry)
        if not path.exists():
            raise InvalidResource(where, f"{entry!r} does not exist (looked in {base_dir})", source=source)
        resolved.append((path, _archive_name(entry, path)))
    return resolved


def _archive_name(entry: str, path: Path) -> str:
    if Path(entry).is_absolute() or entry.startswith(".."):
        return path.name
    return Path(entry).as_posix().removeprefix("./") or path.name


def build_tarball(files: list[tuple[Path, str]], target: Path) -> Path:
    """Write the files (folders recursively) to a gzip tarball at `target`."""
    with tarfile.open(target, "w:gz") as tar:
        for path, name in files:
            tar.add(path, arcname=name)
    return target
