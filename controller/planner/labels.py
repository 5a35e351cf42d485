"""Labels and annotations the planner puts on every object.

Label values must be valid Kubernetes label values (<= 63 characters, alphanumerics, '-', '_',
'.'); Hydro names may be longer, so long or odd values are shortened with a hash.
"""

from __future__ import annotations

import re

from controller.planner.naming import short_hash

PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
COMPONENT = "app.kubernetes.io/component"
MODEL = "hydro.dev/model"
MODEL_VERSION = "hydro.dev/model-version"
DEPLOYMENT_CONFIGURATION = "hydro.dev/deployment-configuration"
APPLICATION = "hydro.dev/application"
FUNCTION = "hydro.dev/function"
VISIBILITY = "networking.knative.dev/visibility"
USER_IMAGE = "client.knative.dev/user-image"
MANAGER = "hydro"
MANAGED_SELECTOR = f"{MANAGED_BY}={MANAGER}"
"""The label selector the applier prunes by: only objects Hydro's planner created."""

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def label_value(text: str) -> str:
    """`text` as a valid label value, unchanged when it already is one."""
    if len(text) <= 63 and _LABEL_VALUE.match(text):
        return text
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-_.")[:55].rstrip("-_.")
    return f"{cleaned}-{short_hash(text)}" if cleaned else short_hash(text)


def is_label_value(text: str) -> bool:
    return len(text) <= 63 and _LABEL_VALUE.match(text) is not None


def base(component: str, **extra: str) -> dict[str, str]:
    """The labels on every planned object, plus Hydro's own (`model`, `application`, ...)."""
    labels = {PART_OF: "hydro", MANAGED_BY: MANAGER, COMPONENT: component}
    keys = {
        "model": MODEL, "model_version": MODEL_VERSION, "application": APPLICATION,
        "deployment_configuration": DEPLOYMENT_CONFIGURATION, "function": FUNCTION,
    }
    for name, value in extra.items():
        labels[keys[name]] = label_value(value)
    return labels
