"""The functions' read APIs under the manager API's address, as Hydrosphere served them.

Monitoring reads (`/monitoring/...`, `/stat/...`), alerts (`/api/v2/alerts`), explanations
(`/rootcause/...`) and projections (`/visualization/...`) are answered by the functions that
compute them; the controller forwards those paths to the function's Service (found by
`ApiContext.function_url`), streaming the answer back. The controller's own routes under
`/monitoring/profiles/batch/...` (training data upload) are more specific and win.
"""

from __future__ import annotations

from collections.abc import Iterator

import requests
from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from controller.api.context import context
from controller.errors import Unavailable

blueprint = Blueprint("function_proxy", __name__)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length"}
TIMEOUT_S = 120.0
_session = requests.Session()


def _forward(function: str) -> ResponseReturnValue:
    locate = context().function_url
    base = locate(function) if locate is not None else None
    if base is None:
        raise Unavailable(f"the {function} function is not running here, so {request.path} has no answer")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    try:
        upstream = _session.request(request.method, f"{base.rstrip('/')}{request.full_path.rstrip('?')}",
                                    headers=headers, data=request.get_data(), stream=True, timeout=TIMEOUT_S)
    except requests.RequestException as error:
        raise Unavailable(f"the {function} function did not answer: {error}") from error
    kept = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP | {"content-encoding"}]
    return Response(_chunks(upstream), status=upstream.status_code, headers=kept)


def _chunks(upstream: requests.Response) -> Iterator[bytes]:
    try:
        yield from upstream.raw.stream(64 * 1024, decode_content=True)
    finally:
        upstream.close()


def _route(rule: str, function: str) -> None:
    endpoint = f"{function}_{len(blueprint.deferred_functions)}"
    blueprint.add_url_rule(rule, endpoint, lambda **_: _forward(function), methods=METHODS)


for _rule, _function in (
    ("/monitoring/<path:rest>", "monitoring"), ("/stat/<path:rest>", "monitoring"),
    ("/api/v2/alerts", "alerts"), ("/api/v2/alerts/<path:rest>", "alerts"),
    ("/rootcause/<path:rest>", "explainer"), ("/visualization/<path:rest>", "projector"),
):
    _route(_rule, _function)
