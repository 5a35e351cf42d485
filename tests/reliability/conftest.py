"""Fixtures of `make reliability`: real `hydro up` processes, and PostgreSQL and Redis behind fault proxies.

These tests kill processes and cut dependencies for seconds at a time, so they run only in
`make reliability` (`pytest tests/reliability`), never in the main suite.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.conftest import POSTGRES_ADMIN_URL, _reachable
from tests.controller.local.up.up_process import UpProcess
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.harness import BASE_ENV

# The main suite's workers use Redis databases 15 and down; this folder keeps to its own.
REDIS_DB = 11
REDIS_PREFIX = "hydro:"

StartUp = Callable[..., UpProcess]


@pytest.fixture
def start_up(tmp_path: Path) -> Iterator[StartUp]:
    """Start `hydro up` processes (on `tmp_path` unless told); every one is stopped afterwards."""
    started: list[UpProcess] = []

    def start(env: dict[str, str] | None = None, home: Path | None = None) -> UpProcess:
        up = UpProcess(home or tmp_path, {**BASE_ENV, **(env or {})})
        started.append(up)
        up.start()
        return up

    yield start
    for up in started:
        up.stop()


@pytest.fixture
def postgres_proxy() -> Iterator[tuple[FaultProxy, str]]:
    """A fresh database `hydro_rel_<random>` reached through a fault proxy: (proxy, URL)."""
    if not _reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"hydro_rel_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        with FaultProxy("127.0.0.1", 5432) as proxy:
            yield proxy, f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_proxy() -> Iterator[tuple[FaultProxy, str]]:
    """Redis database 11 (its `hydro:` keys removed before and after) through a fault proxy."""
    if not _reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)

    def clean() -> None:
        keys = list(client.scan_iter(f"{REDIS_PREFIX}*"))
        if keys:
            client.delete(*keys)

    clean()
    try:
        with FaultProxy("127.0.0.1", 6379) as proxy:
            yield proxy, f"redis://127.0.0.1:{proxy.port}/{REDIS_DB}"
    finally:
        clean()
        client.close()
