"""The UI's pages: each URL renders one server-side shell (navigation, breadcrumbs, tabs) whose
`#app` element names the page and its parameters; `static/js/main.js` fills it from the API.

Objects named in a URL (a model version, an application) are looked up here, so an unknown one
answers a real 404 page, and the page gets the ids it needs (a version's id for monitoring reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from controller.api.context import context
from controller.api.errors import envelope
from controller.errors import NotFound
from controller.ui.reads import FunctionReader

EXTENSION = "hydro.ui"
blueprint = Blueprint("ui", __name__, static_folder="static", static_url_path="/ui/static",
                      template_folder="templates")

NAV: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", "/ui/"),
    ("models", "Models", "/ui/models"),
    ("applications", "Applications", "/ui/applications"),
    ("configurations", "Deployment configs", "/ui/deployment-configurations"),
    ("alerts", "Alerts", "/ui/alerts"),
    ("engine", "Engine", "/ui/engine"),
)
VERSION_TABS: tuple[tuple[str, str, str], ...] = (
    ("version", "Overview", ""), ("monitoring", "Monitoring", "/monitoring"), ("profiles", "Profiles", "/profiles"),
    ("drift", "Drift", "/drift"), ("projection", "Projection", "/projection"),
)
# Everything the pages load comes from this origin; inline scripts and other origins are refused,
# so a value that slipped past escaping still could not run. Chart.js and Preact style elements
# through the CSSOM, which `style-src 'self'` allows.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Crumb:
    label: str
    href: str | None = None


def _page(page: str, title: str, section: str, params: Mapping[str, Any] | None = None,
          crumbs: Sequence[Crumb] = (), tabs: Sequence[tuple[str, str, str]] = ()) -> str:
    return render_template("ui/page.html", page=page, title=title, section=section, params=dict(params or {}),
                           crumbs=crumbs, tabs=tabs, nav=NAV)


@blueprint.get("/")
def root() -> ResponseReturnValue:
    return redirect("/ui/")


@blueprint.get("/ui/")
def overview() -> ResponseReturnValue:
    return _page("overview", "Overview", "overview")


@blueprint.get("/ui/models")
def models() -> ResponseReturnValue:
    return _page("models", "Models", "models", {"model": request.args.get("model", "")})


def _version_page(page: str, name: str, version: int) -> str:
    record = context().catalog.find_version(name, version)
    model = quote(record.model_name, safe="")
    base = f"/ui/models/{model}/{version}"
    tabs = [(key, label, base + suffix) for key, label, suffix in VERSION_TABS]
    crumbs = [Crumb("Models", "/ui/models"), Crumb(record.model_name, f"/ui/models?model={model}"),
              Crumb(f"version {version}")]
    label = {key: label for key, label, _ in VERSION_TABS}[page]
    title = f"{record.ref}" if page == "version" else f"{label} · {record.ref}"
    params = {"id": record.id, "name": record.model_name, "version": record.version}
    return render_template("ui/page.html", page=page, title=title, section="models", params=params, crumbs=crumbs,
                           tabs=tabs, nav=NAV, heading=record.ref)


@blueprint.get("/ui/models/<name>/<int:version>")
def version_overview(name: str, version: int) -> ResponseReturnValue:
    return _version_page("version", name, version)


@blueprint.get("/ui/models/<name>/<int:version>/<any(monitoring, profiles, drift, projection):tab>")
def version_tab(name: str, version: int, tab: str) -> ResponseReturnValue:
    return _version_page(tab, name, version)


@blueprint.get("/ui/applications")
def applications() -> ResponseReturnValue:
    return _page("applications", "Applications", "applications")


@blueprint.get("/ui/applications/new")
def new_application() -> ResponseReturnValue:
    crumbs = [Crumb("Applications", "/ui/applications"), Crumb("new")]
    return _page("application-form", "New application", "applications", {"name": None}, crumbs)


@blueprint.get("/ui/applications/<name>")
def application(name: str) -> ResponseReturnValue:
    app = context().catalog.get_application(name)
    crumbs = [Crumb("Applications", "/ui/applications"), Crumb(app.name)]
    return _page("application", app.name, "applications", {"name": app.name}, crumbs)


@blueprint.get("/ui/applications/<name>/edit")
def edit_application(name: str) -> ResponseReturnValue:
    app = context().catalog.get_application(name)
    crumbs = [Crumb("Applications", "/ui/applications"),
              Crumb(app.name, f"/ui/applications/{quote(app.name, safe='')}"), Crumb("edit")]
    return _page("application-form", f"Edit {app.name}", "applications", {"name": app.name}, crumbs)


@blueprint.get("/ui/deployment-configurations")
def configurations() -> ResponseReturnValue:
    return _page("configurations", "Deployment configurations", "configurations")


@blueprint.get("/ui/alerts")
def alerts() -> ResponseReturnValue:
    return _page("alerts", "Alerts", "alerts")


@blueprint.get("/ui/engine")
def engine() -> ResponseReturnValue:
    # The local engine's API exists only under `hydro up`; on Knative the cluster runs the servables.
    return _page("engine", "Engine", "engine", {"local": "engine.stats" in current_app.view_functions})


@blueprint.route("/ui/reads/<path:path>", methods=["GET", "POST"])
def reads(path: str) -> ResponseReturnValue:
    """A function's read API in the envelope of `controller.ui.reads` (always 200 unless the path
    is not a function read)."""
    result = _reader().read(request.method, path, request.args, request.get_data() or None)
    return jsonify(result.to_json())


def _reader() -> FunctionReader:
    reader = current_app.extensions.get(EXTENSION)
    if reader is None:
        reader = current_app.extensions[EXTENSION] = FunctionReader(context().function_url)
    return reader


@blueprint.errorhandler(NotFound)
def not_found(error: NotFound) -> ResponseReturnValue:
    if request.path.startswith("/ui/reads/"):
        return envelope(error)
    return render_template("ui/not_found.html", title="Not found", message=error.message, nav=NAV), 404


@blueprint.after_request
def security_headers(response: Any) -> Any:
    response.headers.update(SECURITY_HEADERS)
    return response
