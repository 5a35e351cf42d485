"""Schemathesis over the manager API's own description, in-process (WSGI), on a real catalog:
schema-valid and schema-violating requests to every operation; none may answer 5xx or hang.

`/api/v2/events` is left out: it is an endless SSE stream by design (tests/controller/api covers it).
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask

from tests.fuzz.budget import fuzz_settings
from tests.fuzz.checks import call, no_server_error

SQLITE = schemathesis.pytest.from_fixture("sqlite_schema")
POSTGRES = schemathesis.pytest.from_fixture("postgres_schema")
ENDLESS = "^/api/v2/events$"


@pytest.fixture(scope="module")
def sqlite_schema(sqlite_api: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v2/openapi.json", sqlite_api)


@pytest.fixture(scope="module")
def postgres_schema(postgres_api: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v2/openapi.json", postgres_api)


@SQLITE.exclude(path_regex=ENDLESS).parametrize()
@fuzz_settings(6)
def test_no_operation_fails_on_sqlite(case: schemathesis.Case) -> None:
    case.validate_response(call(case), checks=[no_server_error])


@pytest.mark.postgres
@POSTGRES.exclude(path_regex=ENDLESS).exclude(tag="ui").parametrize()
@fuzz_settings(3)
def test_no_operation_fails_on_postgresql(case: schemathesis.Case) -> None:
    case.validate_response(call(case), checks=[no_server_error])
