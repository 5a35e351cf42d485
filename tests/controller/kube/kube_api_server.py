"""An in-process HTTP server speaking the subset of the Kubernetes API the applier uses.

This is a stand-in for a real API server because there is no cluster here: it serves namespaced
custom objects under `/apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]` with get, list
(`labelSelector` of `k=v` pairs), create (409 AlreadyExists), replace (409 on a stale
`resourceVersion`, 404 when missing), delete, `dryRun=All` (validated, never stored) and 422 when
an optional validator rejects the body (the tests plug in the strict CRD schema + admission
checker, playing Knative's webhook). Tests set `status` with `set_status`, queue failures with
`fail_next`, and read the request log to check what the client sent.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Validator = Callable[[dict[str, Any]], list[str]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]


@dataclass
class FakeKubeState:
    objects: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    """(group/version, plural, namespace, name) -> object."""
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[str, int, int]] = field(default_factory=list)
    """(method, status, remaining count): the next matching requests answer with that status."""
    validator: Validator | None = None
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class KubeApiServer:
    """Runs the fake API on 127.0.0.1:<port> in a background thread."""

    def __init__(self, validator: Validator | None = None) -> None:
        self.state = FakeKubeState(validator=validator)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> KubeApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, method: str, status: int, times: int = 1) -> None:
        with self.state.lock:
            self.state.failures.append((method, status, times))

    def objects(self, plural: str) -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return {k[3]: copy.deepcopy(v) for k, v in self.state.objects.items() if k[1] == plural}

    def set_status(self, plural: str, name: str, ready: str, message: str = "") -> None:
        """Set the Ready condition (as Knative's controllers would) for the current generation."""
        with self.state.lock:
            for key, obj in self.state.objects.items():
                if key[1] == plural and key[3] == name:
                    obj["status"] = {
                        "observedGeneration": obj["metadata"]["generation"],
                        "conditions": [{"type": "Ready", "status": ready, "message": message}],
                    }
                    return
        raise KeyError(f"{plural}/{name} does not exist")

    def put(self, group_version: str, plural: str, namespace: str, obj: dict[str, Any]) -> None:
        """Store an object directly (e.g. one left over from an older plan)."""
        with self.state.lock:
            _stamp(self.state, obj, generation=1)
            self.state.objects[(group_version, plural, namespace, obj["metadata"]["name"])] = obj


def _stamp(state: FakeKubeState, obj: dict[str, Any], generation: int) -> None:
    state.version += 1
    obj["metadata"]["resourceVersion"] = str(state.version)
    obj["metadata"]["generation"] = generation


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "reason": reason, "message": message}


class _Handler(BaseHTTPRequestHandler):
    state: FakeKubeState

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        parts = url.path.strip("/").split("/")
        with self.state.lock:
            self.state.requests.append(Request(method, url.path, query))
            failure = self._injected(method)
            if failure:
                code, payload = failure, _status(failure, "Injected", f"injected {failure}")
            elif len(parts) not in (6, 7) or parts[0] != "apis" or parts[3] != "namespaces":
                code, payload = 404, _status(404, "NotFound", f"no route {url.path}")
            else:
                key = (f"{parts[1]}/{parts[2]}", parts[5], parts[4], parts[6] if len(parts) == 7 else "")
                code, payload = _dispatch(self.state, method, key, query, body)
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _injected(self, method: str) -> int | None:
        for index, (wanted, status, times) in enumerate(self.state.failures):
            if wanted == method:
                if times <= 1:
                    self.state.failures.pop(index)
                else:
                    self.state.failures[index] = (wanted, status, times - 1)
                return status
        return None


def _dispatch(state: FakeKubeState, method: str, key: tuple[str, str, str, str], query: dict[str, str],
              body: Any) -> tuple[int, dict[str, Any]]:
    group_version, plural, namespace, name = key
    if method == "GET" and not name:
        return 200, _list(state, group_version, plural, namespace, query.get("labelSelector", ""))
    if method == "POST":
        return _create(state, (group_version, plural, namespace, body["metadata"]["name"]), query, body)
    current = state.objects.get(key)
    if current is None:
        return 404, _status(404, "NotFound", f'{plural} "{name}" not found')
    if method == "GET":
        return 200, copy.deepcopy(current)
    if method == "PUT":
        return _replace(state, key, current, query, body)
    if method == "DELETE":
        if query.get("dryRun") != "All":
            del state.objects[key]
        return 200, _status(200, "", "deleted") | {"status": "Success"}
    return 405, _status(405, "MethodNotAllowed", method)


def _list(state: FakeKubeState, group_version: str, plural: str, namespace: str,
          selector: str) -> dict[str, Any]:
    wanted = dict(pair.split("=", 1) for pair in selector.split(",") if pair)
    items = [
        copy.deepcopy(obj) for (gv, p, ns, _), obj in sorted(state.objects.items())
        if (gv, p, ns) == (group_version, plural, namespace)
        and all(obj["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
    ]
    return {"apiVersion": group_version, "kind": "List", "items": items,
            "metadata": {"resourceVersion": str(state.version)}}


def _invalid(state: FakeKubeState, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    problems = state.validator(body) if state.validator else []
    if problems:
        return 422, _status(422, "Invalid", "; ".join(problems))
    return None


def _create(state: FakeKubeState, key: tuple[str, str, str, str], query: dict[str, str],
            body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if key in state.objects:
        return 409, _status(409, "AlreadyExists", f'{key[1]} "{key[3]}" already exists')
    rejected = _invalid(state, body)
    if rejected:
        return rejected
    obj = copy.deepcopy(body)
    obj["metadata"].pop("resourceVersion", None)
    _stamp(state, obj, generation=1)
    if query.get("dryRun") != "All":
        state.objects[key] = obj
    return 201, copy.deepcopy(obj)


def _replace(state: FakeKubeState, key: tuple[str, str, str, str], current: dict[str, Any],
             query: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
        return 409, _status(409, "Conflict", f'{key[1]} "{key[3]}": the object has been modified')
    rejected = _invalid(state, body)
    if rejected:
        return rejected
    obj = copy.deepcopy(body)
    changed = obj.get("spec") != current.get("spec")
    generation = current["metadata"]["generation"] + (1 if changed else 0)
    obj["status"] = current.get("status", {})
    _stamp(state, obj, generation)
    if query.get("dryRun") != "All":
        state.objects[key] = obj
    return 200, copy.deepcopy(obj)
