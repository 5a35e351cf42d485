"""Event type and extension names follow the CloudEvents rules and DESIGN.md section 3."""

from __future__ import annotations

import re

from protos import events


def test_all_types_lists_every_type_constant_once() -> None:
    constants = {value for name, value in vars(events).items() if isinstance(value, str) and value.startswith("dev.")}
    assert constants == events.ALL_TYPES
    assert len(events.ALL_TYPES) == 11


def test_types_are_reverse_dns_under_dev_hydro() -> None:
    for event_type in events.ALL_TYPES:
        assert re.fullmatch(r"dev\.hydro\.[a-z]+\.[a-z]+", event_type), event_type
    assert events.INFERENCE_COMPLETED == "dev.hydro.inference.completed"
    assert events.MODEL_VERSION_CHANGED == "dev.hydro.modelversion.changed"


def test_extension_names_are_valid_cloudevents_attribute_names() -> None:
    # CloudEvents 1.0: lowercase ASCII letters or digits, at most 20 characters recommended.
    assert {"hydroapp", "hydrostage", "hydromodel", "hydroversion", "hydrorequestid",
            "hydrosteppass"} == events.ALL_EXTENSIONS
    for name in events.ALL_EXTENSIONS:
        assert re.fullmatch(r"[a-z0-9]{1,20}", name), name


def test_sources_are_uri_references() -> None:
    for source in (events.SOURCE_GATEWAY, events.SOURCE_RUNTIME, events.SOURCE_CONTROLLER, events.SOURCE_FUNCTIONS):
        assert source.startswith("/hydro/")
