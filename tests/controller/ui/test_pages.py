"""The UI's server side through Flask's test client: page shells, lookups, 404 pages, headers,
static assets and the `/ui/reads` envelope (over a real catalog; no browser)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from controller.api.app import create_app, open_catalog
from controller.catalog import Catalog
from controller.local.up import engine_api
from controller.settings import ControllerSettings
from controller.ui import blueprint
from controller.ui.pages import SECURITY_HEADERS
from tests.controller.api.support import LiveServer, make_settings, serve, upload_form
from tests.controller.ui.test_reads import function_app


class Shell(HTMLParser):
    """The `#app` element's page and parameters, and the active navigation and tab links."""

    def __init__(self) -> None:
        super().__init__()
        self.page: str | None = None
        self.params: dict[str, Any] = {}
        self.active: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") == "app":
            self.page = values["data-page"]
            self.params = json.loads(values["data-params"] or "{}")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
            if values.get("class") == "active":
                self.active.append(values["href"] or "")


def shell(html: str) -> Shell:
    parser = Shell()
    parser.feed(html)
    return parser


@pytest.fixture
def settings(tmp_path: Path) -> ControllerSettings:
    return make_settings(tmp_path / "home")


@pytest.fixture
def catalog(settings: ControllerSettings) -> Iterator[Catalog]:
    catalog = open_catalog(settings)
    yield catalog
    catalog.database.dispose()


@pytest.fixture(scope="module")
def function() -> Iterator[LiveServer]:
    yield from serve(function_app())


@pytest.fixture
def app(settings: ControllerSettings, catalog: Catalog, function: LiveServer) -> Flask:
    urls = {"monitoring": function.url}
    app = create_app(settings, catalog, function_url=urls.get)
    if "ui" not in app.blueprints:
        app.register_blueprint(blueprint)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def released(client: FlaskClient) -> dict[str, Any]:
    """A model version `demo:1` (no install-command: released at once) in application `demo-app`."""
    version = client.post("/api/v2/model/upload", data=upload_form("demo"), content_type="multipart/form-data").json
    body = {"name": "demo-app", "executionGraph": {"stages": [{"modelVariants": [
        {"modelVersionId": version["id"], "weight": 100}]}]}}
    assert client.post("/api/v2/application", json=body).status_code == 200
    return version


def test_the_root_redirects_to_the_ui(client: FlaskClient) -> None:
    answer = client.get("/")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/ui/")


@pytest.mark.parametrize(("path", "page", "active"), [
    ("/ui/", "overview", "/ui/"), ("/ui/models", "models", "/ui/models"),
    ("/ui/applications", "applications", "/ui/applications"),
    ("/ui/applications/new", "application-form", "/ui/applications"),
    ("/ui/deployment-configurations", "configurations", "/ui/deployment-configurations"),
    ("/ui/alerts", "alerts", "/ui/alerts"), ("/ui/engine", "engine", "/ui/engine"),
])
def test_each_section_renders_its_shell(client: FlaskClient, path: str, page: str, active: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    parsed = shell(answer.text)
    assert (parsed.page, parsed.active) == (page, [active])


def test_the_models_page_passes_its_filter(client: FlaskClient) -> None:
    assert shell(client.get("/ui/models?model=wine").text).params == {"model": "wine"}


@pytest.mark.parametrize("tab", ["", "/monitoring", "/profiles", "/drift", "/projection"])
def test_a_version_page_resolves_the_version_and_links_its_tabs(client: FlaskClient, released: dict[str, Any],
                                                                tab: str) -> None:
    parsed = shell(client.get(f"/ui/models/demo/1{tab}").text)
    assert parsed.page == (tab.strip("/") or "version")
    assert parsed.params == {"id": released["id"], "name": "demo", "version": 1}
    assert parsed.active == ["/ui/models", f"/ui/models/demo/1{tab}"]
    tabs = ("", "/monitoring", "/profiles", "/drift", "/projection")
    assert {f"/ui/models/demo/1{t}" for t in tabs} <= set(parsed.links)


def test_an_application_page_and_its_edit_form_name_it(client: FlaskClient, released: dict[str, Any]) -> None:
    assert shell(client.get("/ui/applications/demo-app").text).params == {"name": "demo-app"}
    parsed = shell(client.get("/ui/applications/demo-app/edit").text)
    assert (parsed.page, parsed.params) == ("application-form", {"name": "demo-app"})


@pytest.mark.parametrize(("path", "message"), [
    ("/ui/models/nope/1", "model version nope:1"), ("/ui/models/nope/1/drift", "model version nope:1"),
    ("/ui/applications/nope", "application nope"), ("/ui/applications/nope/edit", "application nope"),
])
def test_an_unknown_object_is_a_404_page_naming_it(client: FlaskClient, path: str, message: str) -> None:
    answer = client.get(path)
    assert (answer.status_code, answer.mimetype) == (404, "text/html")
    assert message in answer.text and 'id="app"' not in answer.text


def test_the_engine_page_says_when_no_local_engine_runs(client: FlaskClient) -> None:
    assert shell(client.get("/ui/engine").text).params == {"local": False}


def test_the_engine_page_says_when_a_local_engine_runs(app: Flask) -> None:
    app.register_blueprint(engine_api.blueprint(lambda: None))  # as `hydro up` does
    assert shell(app.test_client().get("/ui/engine").text).params == {"local": True}


@pytest.mark.parametrize("path", ["/ui/", "/ui/static/js/core.js"])
def test_ui_responses_carry_the_security_headers(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value


def test_every_asset_the_shell_loads_is_served(client: FlaskClient) -> None:
    page = client.get("/ui/models").text
    assets = [part.split('"')[0] for part in page.split('="/ui/static/')[1:]]
    assert {"vendor/preact.min.umd.js", "vendor/chart.umd.min.js", "js/main.js", "css/hydro.css",
            "img/hydro.svg"} <= set(assets)
    for asset in assets:
        answer = client.get(f"/ui/static/{asset}")
        assert answer.status_code == 200 and answer.data, asset
        answer.close()


def test_reads_answer_200_with_the_functions_outcome(client: FlaskClient) -> None:
    ok = client.get("/ui/reads/monitoring/summary/3?limit=2")
    assert ok.status_code == 200
    assert ok.json["body"] == {"modelVersionId": 3, "query": {"limit": "2"}}
    missing = client.get("/ui/reads/monitoring/summary/404").json
    assert (missing["ok"], missing["status"]) == (False, 404)
    absent = client.get("/ui/reads/api/v2/alerts").json
    assert (absent["status"], absent["message"]) == (503, "The alerts function is not running here.")


def test_reads_refuse_paths_outside_the_functions_apis(client: FlaskClient) -> None:
    answer = client.get("/ui/reads/api/v2/model/version")
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
