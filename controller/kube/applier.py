"""KubeApplier: makes the cluster match a plan, prunes what the plan dropped, waits for Ready.

Writes are get -> create, or replace carrying the live `resourceVersion` (optimistic
concurrency). Server-side apply would be the other choice, but the pinned client's
`patch_namespaced_custom_object` always sends `application/merge-patch+json`, so apply-patch
would mean bypassing the typed client; replace with a resourceVersion gives the same safety: a
concurrent writer makes our write fail with 409, and we re-read and retry. An annotation holding
the hash of what we last wrote lets an unchanged object be skipped without comparing it with
Knative's defaulted spec. Labels and annotations that Knative (or anyone else) added are kept, so
its immutable `serving.knative.dev/creator` annotation survives a replace.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from controller.errors import HydroError
from controller.kube.api import RESOURCES, KubeApi, KubeApiError, Resource, resource_for
from controller.planner.labels import MANAGED_SELECTOR

logger = logging.getLogger(__name__)
HASH_ANNOTATION = "hydro.dev/applied-hash"
_OWN_PREFIXES = ("hydro.dev/", "app.kubernetes.io/")
StatusCallback = Callable[[str, str, "bool | None", str], None]
"""`on_status(kind, name, ready, message)`: ready is None while Knative has not decided yet."""


class ApplyError(HydroError):
    """Applying one object failed for a reason retrying cannot fix (or retries ran out)."""

    status = 502
    code = "apply_failed"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    initial_delay: float = 0.2
    max_delay: float = 5.0

    def delays(self) -> Iterable[float]:
        """Exponential backoff between attempts: 0.2, 0.4, 0.8, ... capped at max_delay."""
        return (min(self.initial_delay * 2**n, self.max_delay) for n in range(self.attempts - 1))


@dataclass(frozen=True)
class ObjectStatus:
    kind: str
    name: str
    ready: bool | None
    message: str


@dataclass
class ApplyReport:
    actions: dict[str, str] = field(default_factory=dict)
    """`Kind/name` -> created | updated | unchanged."""
    pruned: list[str] = field(default_factory=list)
    statuses: list[ObjectStatus] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(s.ready is True for s in self.statuses)


class KubeApplier:
    """Applies plans to one namespace through a `KubeApi`."""

    def __init__(self, api: KubeApi, namespace: str, *, on_status: StatusCallback | None = None,
                 retry: RetryPolicy | None = None, poll_interval: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.api = api
        self.namespace = namespace
        self.on_status = on_status
        self.retry = retry or RetryPolicy()
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._clock = clock

    def apply(self, manifests: Iterable[dict[str, Any]], *, dry_run: bool = False, prune: bool = True,
              wait: bool = True, timeout: float = 300.0) -> ApplyReport:
        """Create or update every manifest (in order), prune, then wait for Ready unless dry-running."""
        manifests = list(manifests)
        report = ApplyReport()
        for manifest in manifests:
            report.actions[_key(manifest)] = self._apply_one(manifest, dry_run)
        if prune:
            report.pruned = self.prune({_key(m) for m in manifests}, dry_run=dry_run)
        if wait and not dry_run:
            report.statuses = self.wait_ready(manifests, timeout)
        return report

    def prune(self, keep: set[str], *, dry_run: bool = False) -> list[str]:
        """Delete Hydro-managed objects not in `keep` (dependents first: reverse apply order)."""
        pruned = []
        for resource in reversed(RESOURCES):
            listed = self._retrying(resource.kind, "list", partial(
                self.api.list, resource, self.namespace, MANAGED_SELECTOR))
            for live in listed:
                key = f"{resource.kind}/{live['metadata']['name']}"
                if key in keep:
                    continue
                self._retrying(key, "delete", partial(self._delete, resource, live["metadata"]["name"], dry_run))
                pruned.append(key)
                logger.info("pruned %s%s", key, " (dry run)" if dry_run else "")
        return pruned

    def wait_ready(self, manifests: list[dict[str, Any]], timeout: float) -> list[ObjectStatus]:
        """Poll each object's `Ready` condition until all are True or `timeout` seconds pass."""
        deadline = self._clock() + timeout
        current: dict[str, ObjectStatus] = {}
        while True:
            for manifest in manifests:
                status = self._status(manifest)
                key = _key(manifest)
                if current.get(key) != status:
                    current[key] = status
                    self._report(status)
            if all(s.ready is True for s in current.values()) or self._clock() >= deadline:
                return list(current.values())
            self._sleep(self.poll_interval)

    def _apply_one(self, manifest: dict[str, Any], dry_run: bool) -> str:
        resource = _resource(manifest)
        return self._retrying(_key(manifest), "apply", lambda: self._write(resource, manifest, dry_run))

    def _write(self, resource: Resource, manifest: dict[str, Any], dry_run: bool) -> str:
        body = copy.deepcopy(manifest)
        meta = body["metadata"]
        meta["namespace"] = self.namespace
        digest = _digest(manifest)
        meta["annotations"] = {**meta.get("annotations", {}), HASH_ANNOTATION: digest}
        live = self.api.get(resource, self.namespace, meta["name"])
        if live is None:
            self.api.create(resource, self.namespace, body, dry_run=dry_run)
            return "created"
        live_meta = live.get("metadata", {})
        if live_meta.get("annotations", {}).get(HASH_ANNOTATION) == digest:
            return "unchanged"
        meta["resourceVersion"] = live_meta.get("resourceVersion")
        meta["labels"] = {**_foreign(live_meta.get("labels")), **meta.get("labels", {})}
        meta["annotations"] = {**_foreign(live_meta.get("annotations")), **meta["annotations"]}
        self.api.replace(resource, self.namespace, body, dry_run=dry_run)
        return "updated"

    def _delete(self, resource: Resource, name: str, dry_run: bool) -> None:
        try:
            self.api.delete(resource, self.namespace, name, dry_run=dry_run)
        except KubeApiError as error:
            if error.status != 404:  # already gone is what we wanted
                raise

    def _status(self, manifest: dict[str, Any]) -> ObjectStatus:
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        live = self._retrying(f"{kind}/{name}", "read", lambda: self.api.get(
            _resource(manifest), self.namespace, name))
        if live is None:
            return ObjectStatus(kind, name, False, "not found")
        return ObjectStatus(kind, name, *ready_condition(live))

    def _retrying(self, what: str, action: str, call: Callable[[], Any]) -> Any:
        delays = iter(self.retry.delays())
        while True:
            try:
                return call()
            except KubeApiError as error:
                delay = next(delays, None) if error.transient else None
                if delay is None:
                    raise ApplyError(f"{action} {what} failed: {error}") from error
                logger.warning("%s %s: %s; retrying in %.1fs", action, what, error, delay)
                self._sleep(delay)

    def _report(self, status: ObjectStatus) -> None:
        logger.info("%s/%s ready=%s %s", status.kind, status.name, status.ready, status.message)
        if self.on_status is not None:
            self.on_status(status.kind, status.name, status.ready, status.message)


def ready_condition(live: dict[str, Any]) -> tuple[bool | None, str]:
    """(ready, message) from `status.conditions`; None until Knative observed this generation."""
    status = live.get("status") or {}
    generation = live.get("metadata", {}).get("generation")
    if generation is not None and status.get("observedGeneration", 0) < generation:
        return None, f"waiting for generation {generation} to be observed"
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            state = condition.get("status")
            message = condition.get("message") or condition.get("reason") or ""
            return (True if state == "True" else False if state == "False" else None), message
    return None, "no Ready condition yet"


def _resource(manifest: dict[str, Any]) -> Resource:
    try:
        return resource_for(manifest)
    except KeyError as error:
        raise ApplyError(f"{_key(manifest)}: {error.args[0]}") from None


def _key(manifest: dict[str, Any]) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def _digest(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def _foreign(values: dict[str, str] | None) -> dict[str, str]:
    """Labels/annotations someone else set (Knative, kubectl): kept across our replace."""
    return {k: v for k, v in (values or {}).items() if not k.startswith(_OWN_PREFIXES)}
