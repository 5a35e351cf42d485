"""The broker's HTTP ingress: CloudEvents in (binary or structured), dead letters out.

`POST /<namespace>/<broker>` answers 202 once the event is durably stored, 400 naming the
missing or invalid attribute otherwise (the Knative broker ingress contract).
`GET /<namespace>/<broker>/dead-letters?trigger=<name>&limit=<n>` lists dead letters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, Response, jsonify, request

from controller.errors import BadRequest, HydroError, NotFound
from controller.local.broker import codec

if TYPE_CHECKING:
    from controller.local.broker.broker import LocalBroker

BrokerLookup = Callable[[str, str], "LocalBroker | None"]
"""Finds the broker for (namespace, name), or None."""

MAX_EVENT_BYTES = 10 * 1024 * 1024


def _lookup(brokers: BrokerLookup | Mapping[tuple[str, str], LocalBroker]) -> BrokerLookup:
    if isinstance(brokers, Mapping):
        table = brokers
        return lambda namespace, name: table.get((namespace, name))
    return brokers


def ingress_blueprint(brokers: BrokerLookup | Mapping[tuple[str, str], LocalBroker]) -> Blueprint:
    """A blueprint serving the ingress of the given brokers (a lookup or a {(ns, name): broker})."""
    find = _lookup(brokers)
    blueprint = Blueprint("broker_ingress", __name__)

    def broker_or_404(namespace: str, name: str) -> LocalBroker:
        broker = find(namespace, name)
        if broker is None:
            raise NotFound(f"broker {namespace}/{name} does not exist")
        return broker

    @blueprint.post("/<namespace>/<name>")
    def publish(namespace: str, name: str) -> tuple[str, int]:
        broker = broker_or_404(namespace, name)
        broker.publish(codec.parse_http(dict(request.headers.items()), request.get_data()))
        return "", 202

    @blueprint.get("/<namespace>/<name>/dead-letters")
    def dead_letters(namespace: str, name: str) -> Response:
        broker = broker_or_404(namespace, name)
        limit = request.args.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            raise BadRequest(f"limit must be an integer from 1 to 1000, got {limit!r}", field="limit")
        letters = broker.dead_letters(request.args.get("trigger"), int(limit))
        return jsonify({"items": [letter.to_dict() for letter in letters]})

    @blueprint.errorhandler(HydroError)
    def hydro_error(error: HydroError) -> tuple[Response, int]:
        return jsonify(error.to_dict()), error.status

    return blueprint


def create_ingress_app(
    brokers: BrokerLookup | Mapping[tuple[str, str], LocalBroker], *, max_event_bytes: int = MAX_EVENT_BYTES
) -> Flask:
    """A standalone WSGI app for the ingress (what `python -m controller.local.broker` serves)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_event_bytes
    app.register_blueprint(ingress_blueprint(brokers))
    return app
