"""Version numbers stay unique and gapless when many uploads of one name race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from controller.catalog import Catalog, Database, VersionKind, upgrade, versions
from controller.storage import LocalArtifactStore
from tests.controller.catalog.conftest import model

THREADS, PER_THREAD = 8, 5


def _race(create: object) -> list[int]:
    def worker(_: int) -> list[int]:
        return [create() for _ in range(PER_THREAD)]  # type: ignore[operator]

    with ThreadPoolExecutor(THREADS) as pool:
        return sorted(n for numbers in pool.map(worker, range(THREADS)) for n in numbers)


def test_parallel_uploads_of_one_name_get_versions_1_to_40(catalog: Catalog, payload: Path) -> None:
    numbers = _race(lambda: catalog.create_model_version(model("racy"), payload).version)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
    assert [v.version for v in catalog.list_versions("racy")] == numbers


@pytest.mark.postgres
def test_row_lock_alone_serialises_numbering_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    """Without the outbox's advisory lock, `SELECT ... FOR UPDATE` on the model row still holds."""
    database = Database(postgres_url)
    upgrade(database)
    store = LocalArtifactStore(tmp_path)

    def create() -> int:
        with database.write() as session:
            record = versions.create(session, model("locked"), store, kind=VersionKind.MODEL, external=False)
        return record.version

    try:
        assert _race(create) == list(range(1, THREADS * PER_THREAD + 1))
    finally:
        database.dispose()
