"""The request lifecycle on both stores: one claim wins, a final state is written once, a stale
STARTED request is taken over, the projector's bytes are kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from functions.explainer import jobs
from functions.explainer.tables import ExplanationRow
from functions.host.store import Store, utcnow
from functions.projector.tables import ProjectorRow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgres" else \
        f"sqlite:///{tmp_path / 'functions.db'}"
    return Store(url)


def pending(store: Store) -> int:
    with store.transaction() as session:
        row = ExplanationRow(model_version_id=1, explained_request_id="7", method="anchor", output_field=None,
                             config={"seed": 1}, state="PENDING", created_at=utcnow())
        session.add(row)
        session.flush()
        return row.id


def test_one_claim_wins_and_the_outcome_is_written_once(store: Store) -> None:
    job_id = pending(store)
    assert jobs.claim(store, ExplanationRow, job_id, lease_s=60)
    assert not jobs.claim(store, ExplanationRow, job_id, lease_s=60)
    assert jobs.finish(store, "explainer", "src/1", ExplanationRow, job_id, "SUCCESS", None, {"anchor": "x"})
    assert not jobs.finish(store, "explainer", "src/1", ExplanationRow, job_id, "FAILED", "late", None)
    with store.transaction() as session:
        row = session.get(ExplanationRow, job_id)
        assert row is not None and (row.state, row.result) == ("SUCCESS", {"anchor": "x"})
    store.close()


def test_a_stale_started_request_is_taken_over(store: Store) -> None:
    job_id = pending(store)
    assert jobs.claim(store, ExplanationRow, job_id, lease_s=60)
    with store.transaction() as session:
        row = session.get(ExplanationRow, job_id)
        assert row is not None
        row.started_at = utcnow() - timedelta(seconds=120)
    assert jobs.claim(store, ExplanationRow, job_id, lease_s=60)
    store.close()


def test_the_fitted_projector_is_stored(store: Store) -> None:
    blob = bytes(range(256)) * 100
    with store.transaction() as session:
        session.merge(ProjectorRow(model_version_id=3, config={"n_epochs": 5}, data=blob, fitted_at=utcnow()))
    with store.transaction() as session:
        session.merge(ProjectorRow(model_version_id=3, config={}, data=blob[:10], fitted_at=utcnow()))
    with store.transaction() as session:
        row = session.get(ProjectorRow, 3)
        assert row is not None and (row.config, row.data) == ({}, blob[:10])
    store.close()
