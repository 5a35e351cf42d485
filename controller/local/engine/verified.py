"""Revisions whose model was seen loading once: persisted so a restart does not verify them again."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

logger = logging.getLogger(__name__)


class VerifiedRevisions:
    """A set of revision names in a small JSON file, rewritten atomically on each change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._names = self._read()

    def _read(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError) as exc:
            # Losing the set only costs a re-verification; the engine must still start.
            logger.warning("ignoring unreadable %s: %s", self.path, exc)
            return set()
        names = data.get("revisions") if isinstance(data, dict) else None
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()

    def __contains__(self, revision: object) -> bool:
        with self._lock:
            return revision in self._names

    def add(self, revision: str) -> None:
        with self._lock:
            if revision in self._names:
                return
            self._names.add(revision)
            self._write()

    def keep_only(self, revisions: set[str]) -> None:
        """Forget revisions no longer in any plan (the file does not grow forever)."""
        with self._lock:
            if self._names <= revisions:
                return
            self._names &= revisions
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps({"revisions": sorted(self._names)}, indent=1), encoding="utf-8")
        os.replace(partial, self.path)
