from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controller.planner import naming


@pytest.mark.parametrize("text", ["claims-model", "a", "mv-x-1"])
def test_valid_short_names_are_kept(text: str) -> None:
    assert naming.dns_label(text) == text


@pytest.mark.parametrize("text", ["Claims_Model", "1model", "a.b", "x" * 100])
def test_other_names_are_cleaned_and_hashed(text: str) -> None:
    label = naming.dns_label(text)
    assert naming.is_dns_label(label)
    assert label.endswith(naming.short_hash(text))


@given(st.text(min_size=1, max_size=300), st.integers(10, 63))
def test_any_text_becomes_a_label_within_budget(text: str, budget: int) -> None:
    label = naming.dns_label(text, budget)
    assert naming.is_dns_label(label) and len(label) <= budget


def test_names_that_clean_to_the_same_text_stay_distinct() -> None:
    assert naming.dns_label("a_b") != naming.dns_label("a.b") != naming.dns_label("a-b")


def test_servable_names_leave_room_for_the_revision_suffix() -> None:
    service = naming.servable_service("m" * 80, 12, "config")
    assert len(service) <= naming.SERVICE_NAME_MAX
    assert naming.is_dns_label(naming.revision(service, "abcdef0123"))


def test_tag_hosts_fit_one_dns_label() -> None:
    route = naming.stage_route("a" * 100, 3)
    tag = naming.variant_tag(123456, "very-long-configuration-name")
    assert len(f"{tag}-{route}") <= 63
