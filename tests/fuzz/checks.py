"""The properties every fuzzed HTTP answer must have, as schemathesis checks and plain asserts."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from schemathesis import Case, CheckContext, Response

from tests.fuzz.budget import REQUEST_TIMEOUT_S

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="fuzz-call")


def no_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """No 5xx, except a 5xx the operation documents (a dependency that is not running), and then
    only as a JSON error envelope."""
    status = response.status_code
    if status < 500:
        return None
    documented = str(status) in (case.operation.definition.raw.get("responses") or {})
    content_type = " ".join(value for key, values in response.headers.items() if key.lower() == "content-type"
                            for value in values)
    body = response.json() if documented and "json" in content_type else None
    assert isinstance(body, dict) and ("error" in body or "message" in body), (
        f"{case.method} {case.formatted_path} answered {status}: {response.text[:500]}")
    return None


def call(case: Case, **kwargs: Any) -> Response:
    """`case.call()` (WSGI, in-process) with a deadline: a request that does not finish has hung."""
    future = _pool.submit(case.call, **kwargs)
    try:
        return future.result(timeout=REQUEST_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        raise AssertionError(f"{case.method} {case.formatted_path} hung for over {REQUEST_TIMEOUT_S}s") from None
