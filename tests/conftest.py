"""Suite-wide fixtures: real PostgreSQL and Redis, free ports, and the CI guard against skips.

Tests that need PostgreSQL or Redis are marked `postgres` / `redis`. Locally they skip when the
server is not reachable; with CI=true any such skip fails the whole run (see
`pytest_sessionfinish`), so a missing service can never produce a green CI.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "HYDRO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Each pytest-xdist worker (gw0, gw1, ...) gets its own Redis database, counting down from 15.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("HYDRO_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER}")
SERVICE_MARKERS = ("postgres", "redis")
_service_skips: list[str] = []
# The suite predates authentication: it runs with auth explicitly off; every auth test turns it on itself.
os.environ.setdefault("HYDRO_AUTH", "disabled")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


def _reachable(host: str, port_number: int) -> bool:
    try:
        with socket.create_connection((host, port_number), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """Admin URL of the real PostgreSQL server; skips (and fails CI) when it is down."""
    if not _reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"hydro_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis server (database 15), flushed before and after the test."""
    import redis

    if not _reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and any(marker in report.keywords for marker in SERVICE_MARKERS):
        _service_skips.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and _service_skips:
        print(f"\nCI: {len(_service_skips)} test(s) needing PostgreSQL/Redis were skipped:")
        for nodeid in _service_skips:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
