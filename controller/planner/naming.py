"""Kubernetes object names: DNS-1035 labels, shortened with a stable hash when too long.

Knative derives further names from ours (revisions `<service>-<n>`, tag hosts `<tag>-<route>`),
so each kind gets a length budget that leaves room for what Knative appends.
"""

from __future__ import annotations

import hashlib
import re

MAX_LABEL = 63
HASH_LENGTH = 7
REVISION_SUFFIX_LENGTH = 1 + HASH_LENGTH
"""A revision is named `<service>-<7 hex digits of the template hash>`."""
ROUTE_NAME_MAX = 40
TAG_MAX = MAX_LABEL - ROUTE_NAME_MAX - 1
"""A tag becomes the host label `<tag>-<route>`, which must itself fit in 63 characters."""
SERVICE_NAME_MAX = MAX_LABEL - REVISION_SUFFIX_LENGTH
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_INVALID = re.compile(r"[^a-z0-9-]+")


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    """A stable lowercase hex digest prefix (not for security: only to keep names unique)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def dns_label(text: str, max_length: int = MAX_LABEL) -> str:
    """`text` as a DNS-1035 label of at most `max_length` characters.

    Invalid characters become '-', the label starts with a letter and ends with a letter or digit.
    When the cleaned text is longer than the budget, or had to be changed, it is cut and suffixed
    with a hash of the original, so two different inputs never collapse onto one name.
    """
    cleaned = re.sub(r"-{2,}", "-", _INVALID.sub("-", text.lower())).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"x-{cleaned}".rstrip("-")
    if cleaned == text and len(cleaned) <= max_length:
        return cleaned
    digest = short_hash(text)
    head = cleaned[: max_length - len(digest) - 1].rstrip("-")
    return f"{head}-{digest}"


def is_dns_label(text: str) -> bool:
    return len(text) <= MAX_LABEL and DNS_1035.match(text) is not None


def servable_service(model: str, version: int, configuration: str | None) -> str:
    """`mv-<model>-<version>[-<deployment configuration>]`, leaving room for the revision suffix."""
    parts = ["mv", model, str(version)] + ([configuration] if configuration else [])
    return dns_label("-".join(parts), SERVICE_NAME_MAX)


def revision(service: str, template_digest: str) -> str:
    return f"{service}-{template_digest[:HASH_LENGTH]}"


def stage_route(application: str, index: int) -> str:
    return dns_label(f"app-{application}-s{index}", ROUTE_NAME_MAX)


def variant_tag(version: int, configuration: str | None) -> str:
    return dns_label(f"v{version}-{configuration}" if configuration else f"v{version}", TAG_MAX)


def sequence(application: str) -> str:
    return dns_label(f"app-{application}")


def application_trigger(application: str) -> str:
    return dns_label(f"app-{application}-request")


def function_service(function: str) -> str:
    return dns_label(f"fn-{function}", SERVICE_NAME_MAX)


def function_trigger(function: str, event_type: str) -> str:
    short = event_type.removeprefix("dev.hydro.").replace(".", "-")
    return dns_label(f"fn-{function}-{short}")


def ping_source(function: str) -> str:
    return dns_label(f"fn-{function}-schedule")


def cluster_host(name: str, namespace: str) -> str:
    """The cluster-local host Knative gives a Service or Route (`visibility: cluster-local`)."""
    return f"{name}.{namespace}.svc.cluster.local"


def tag_host(tag: str, route: str, namespace: str) -> str:
    """Knative's default tag template `{{.Tag}}-{{.Name}}`."""
    return cluster_host(f"{tag}-{route}", namespace)
