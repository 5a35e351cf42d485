"""The HTTP fast path (`http_fast.FastPredict`) answers exactly as the Flask views would.

Every request goes once through the app as served (fast path in front) and once through Flask's
own WSGI handling behind it; statuses, bodies and the headers a client reads must be equal, and a
spy on the Flask side shows which requests the fast path answered itself.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from functions.gateway.components import Components
from functions.gateway.http_app import create_app
from functions.gateway.http_fast import FastPredict
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from protos.auth import mint

ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
LIMIT = 4096
ADMIN = mint()
COMPARED_HEADERS = ("Content-Type", "X-Request-Id", "X-Hydro-Served-By", "WWW-Authenticate")


@dataclasses.dataclass
class Pair:
    served: Client
    flask: Client
    handed_over: list[str]

    def both(self, path: str, **kwargs: Any) -> tuple[TestResponse, TestResponse, bool]:
        """Both answers, and whether the served app handed the request to Flask."""
        self.handed_over.clear()
        served = self.served.post(path, **kwargs)
        handed = bool(self.handed_over)
        return served, self.flask.post(path, **kwargs), handed


@pytest.fixture
def pair(settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Pair]:
    secured = dataclasses.replace(settings, max_request_bytes=LIMIT, auth_enabled=True, bootstrap_token=str(ADMIN))
    parts = Components(secured, routing=RoutingSource(routing_table))
    app = create_app(parts)
    fast = app.wsgi_app
    assert isinstance(fast, FastPredict)
    flask_only = fast.flask
    handed_over: list[str] = []

    def spy(environ: dict[str, Any], start_response: Any) -> Any:
        handed_over.append(environ["PATH_INFO"])
        return flask_only(environ, start_response)

    fast.flask = spy
    yield Pair(Client(app, use_cookies=False), Client(flask_only, use_cookies=False), handed_over)
    parts.close()


def bearer(token: object = ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_same(served: TestResponse, flask: TestResponse, *, same_request_id: bool = True) -> None:
    assert served.status_code == flask.status_code
    assert served.get_json() == flask.get_json()
    for name in COMPARED_HEADERS:
        if name != "X-Request-Id" or same_request_id:
            assert served.headers.get(name) == flask.headers.get(name), name


def test_a_prediction_is_answered_by_the_fast_path_as_flask_would(pair: Pair) -> None:
    headers = {**bearer(), "X-Request-Id": "fast-1"}
    for path in ("/gateway/application/iris", "/gateway/servable/iris-classifier-1"):
        served, flask, handed = pair.both(path, json={"features": ROWS}, headers=headers)
        assert not handed
        assert served.status_code == 200, served.get_data(as_text=True)
        assert served.get_data() == flask.get_data()  # the very same JSON bytes
        assert_same(served, flask)
        assert served.headers["X-Request-Id"] == "fast-1"


def test_a_new_request_id_and_basic_auth(pair: Pair) -> None:
    basic = "Basic " + base64.b64encode(f"hydro:{ADMIN}".encode()).decode()
    served, flask, handed = pair.both("/gateway/application/iris", json={"features": ROWS},
                                      headers={"Authorization": basic})
    assert not handed and served.status_code == 200
    assert len(served.headers["X-Request-Id"]) == 32 and served.headers["X-Request-Id"] != flask.headers["X-Request-Id"]
    assert_same(served, flask, same_request_id=False)


@pytest.mark.parametrize(("path", "kwargs", "status"), [
    ("/gateway/application/iris", {"json": {"features": ROWS}}, 401),
    ("/gateway/application/iris", {"json": {"features": ROWS}, "headers": bearer(mint())}, 401),
    ("/gateway/application/iris", {"data": b"{not json", "headers": bearer()}, 400),
    ("/gateway/application/iris", {"data": b"\xff\xfe", "headers": bearer()}, 400),
    ("/gateway/application/iris", {"json": {"features": [[1.0, "x", 2.0, 3.0]]}, "headers": bearer()}, 400),
    ("/gateway/application/iris", {"json": {"nope": ROWS}, "headers": bearer()}, 400),
    ("/gateway/application/missing", {"json": {"features": ROWS}, "headers": bearer()}, 404),
    ("/gateway/servable/missing", {"json": {"features": ROWS}, "headers": bearer()}, 404),
    ("/gateway/application/iris", {"json": [1, 2], "headers": bearer()}, 400),
])
def test_errors_raised_on_the_fast_path_are_the_views_errors(pair: Pair, path: str, kwargs: dict[str, Any],
                                                             status: int) -> None:
    served, flask, handed = pair.both(path, **kwargs)
    assert not handed
    assert served.status_code == status
    assert "error" in served.get_json()
    assert_same(served, flask, same_request_id=False)


@pytest.mark.parametrize(("path", "kwargs", "status"), [
    ("/gateway/application/iris", {"data": b"x" * (LIMIT + 1), "headers": bearer()}, 413),
    ("/gateway/application/iris", {"data": "a=b", "content_type": "text/plain", "headers": bearer()}, 415),
    ("/gateway/application/iris", {"data": "a=b", "content_type": "text/plain"}, 401),
    ("/gateway/application/iris/extra", {"json": {"features": ROWS}, "headers": bearer()}, 404),
    ("/gateway/application/", {"json": {"features": ROWS}, "headers": bearer()}, 404),
    ("/gateway/application/iris", {"json": {"features": ROWS},
                                   "headers": {"Cookie": f"hydro_session={ADMIN}"}}, 403),
    ("/gateway/application/iris", {"json": {"features": ROWS},
                                   "headers": {"Cookie": f"hydro_session={ADMIN}", "X-Hydro-CSRF": "1"}}, 200),
    ("/v2/models/iris/infer", {"json": {"inputs": []}, "headers": bearer()}, 400),
    ("/gateway/application/iris", {"data": b"", "headers": bearer()}, 400),
])
def test_anything_unusual_is_handed_to_flask_untouched(pair: Pair, path: str, kwargs: dict[str, Any],
                                                        status: int) -> None:
    served, flask, handed = pair.both(path, **kwargs)
    assert handed
    assert served.status_code == status, served.get_data(as_text=True)
    assert_same(served, flask, same_request_id=False)


def test_a_chunked_body_is_handed_to_flask(pair: Pair) -> None:
    body = json.dumps({"features": ROWS}).encode()
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}
    served = pair.served.post("/gateway/application/iris", input_stream=io.BytesIO(body),
                              content_type="application/json", headers=bearer(), environ_overrides=environ)
    assert pair.handed_over == ["/gateway/application/iris"]
    assert served.status_code == 200, served.get_data(as_text=True)

