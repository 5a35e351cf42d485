"""The few Kubernetes API calls the applier makes: a port (`KubeApi`) and its real implementation.

`PERMISSIONS` records, in one place, every (API group, resource, verb) the applier can use; the
install manifests' Role grants exactly these (a test compares them).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resource:
    """A namespaced custom resource as the API addresses it."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


RESOURCES: tuple[Resource, ...] = (
    Resource("eventing.knative.dev", "v1", "brokers", "Broker"),
    Resource("serving.knative.dev", "v1", "services", "Service"),
    Resource("serving.knative.dev", "v1", "routes", "Route"),
    Resource("flows.knative.dev", "v1", "sequences", "Sequence"),
    Resource("eventing.knative.dev", "v1", "triggers", "Trigger"),
    Resource("sources.knative.dev", "v1", "pingsources", "PingSource"),
)
METHOD_VERBS: dict[str, str] = {
    "get": "get", "list": "list", "create": "create", "replace": "update", "delete": "delete",
}
"""KubeApi method -> the RBAC verb it needs."""
PERMISSIONS: frozenset[tuple[str, str, str]] = frozenset(
    (r.group, r.plural, verb) for r in RESOURCES for verb in METHOD_VERBS.values()
)


def resource_for(manifest: dict[str, Any]) -> Resource:
    for resource in RESOURCES:
        if (resource.api_version, resource.kind) == (manifest.get("apiVersion"), manifest.get("kind")):
            return resource
    raise KeyError(f"{manifest.get('apiVersion')}/{manifest.get('kind')} is not a kind the applier manages")


class KubeApiError(Exception):
    """A failed API call; `status` is the HTTP status, 0 when the server was not reachable."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def transient(self) -> bool:
        """Worth retrying: unreachable, conflict (stale resourceVersion), throttled, server error."""
        return self.status in (0, 409, 429) or self.status >= 500


class KubeApi(Protocol):
    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any] | None: ...

    def list(self, resource: Resource, namespace: str, label_selector: str) -> list[dict[str, Any]]: ...

    def create(self, resource: Resource, namespace: str, body: dict[str, Any], *,
               dry_run: bool) -> dict[str, Any]: ...

    def replace(self, resource: Resource, namespace: str, body: dict[str, Any], *,
                dry_run: bool) -> dict[str, Any]: ...

    def delete(self, resource: Resource, namespace: str, name: str, *, dry_run: bool) -> None: ...


class CustomObjectsKubeApi:
    """`KubeApi` over the official client's `CustomObjectsApi`; writes use strict field validation."""

    def __init__(self, api_client: Any) -> None:
        self._api = client.CustomObjectsApi(api_client)

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str | None = None, context: str | None = None) -> CustomObjectsKubeApi:
        """From a kubeconfig file, or the in-cluster service account when `kubeconfig` is None."""
        if kubeconfig is None:
            try:
                config.load_incluster_config()
                return cls(client.ApiClient())
            except config.ConfigException:
                logger.info("not running in a cluster; using the default kubeconfig")
        configuration = client.Configuration()
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
        return cls(client.ApiClient(configuration))

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._call(self._api.get_namespaced_custom_object, *_path(resource, namespace), name))
        except KubeApiError as error:
            if error.status == 404:
                return None
            raise

    def list(self, resource: Resource, namespace: str, label_selector: str) -> list[dict[str, Any]]:
        found = self._call(self._api.list_namespaced_custom_object, *_path(resource, namespace),
                           label_selector=label_selector)
        return list(found.get("items", []))

    def create(self, resource: Resource, namespace: str, body: dict[str, Any], *,
               dry_run: bool) -> dict[str, Any]:
        return dict(self._call(self._api.create_namespaced_custom_object, *_path(resource, namespace), body,
                               **_write_options(dry_run)))

    def replace(self, resource: Resource, namespace: str, body: dict[str, Any], *,
                dry_run: bool) -> dict[str, Any]:
        name = body["metadata"]["name"]
        return dict(self._call(self._api.replace_namespaced_custom_object, *_path(resource, namespace), name,
                               body, **_write_options(dry_run)))

    def delete(self, resource: Resource, namespace: str, name: str, *, dry_run: bool) -> None:
        options = {"dry_run": "All"} if dry_run else {}
        self._call(self._api.delete_namespaced_custom_object, *_path(resource, namespace), name, **options)

    @staticmethod
    def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ApiException as error:
            raise KubeApiError(int(error.status or 0), str(error.reason), _message(error.body)) from error
        except (HTTPError, OSError) as error:
            raise KubeApiError(0, "Unreachable", str(error)) from error


def _path(resource: Resource, namespace: str) -> tuple[str, str, str, str]:
    return resource.group, resource.version, namespace, resource.plural


def _write_options(dry_run: bool) -> dict[str, str]:
    options = {"field_manager": "hydro", "field_validation": "Strict"}
    if dry_run:
        options["dry_run"] = "All"
    return options


def _message(body: Any) -> str:
    """The `message` of a Kubernetes Status body, or the raw body."""
    try:
        return str(json.loads(body).get("message", body))
    except (TypeError, ValueError, AttributeError):
        return str(body)
