from __future__ import annotations

import dataclasses

import pytest

from functions.stats import BadConfig, DriftConfig


def test_defaults() -> None:
    config = DriftConfig()
    assert (config.alpha, config.correction, config.small_sample_limit, config.share_threshold) == (
        0.05, "holm", 1000, 0.5)
    assert (config.wasserstein_threshold, config.js_threshold, config.psi_threshold) == (0.1, 0.1, 0.2)


def test_from_dict_overrides_and_round_trips() -> None:
    config = DriftConfig.from_dict({"alpha": 0.01, "correction": "bh", "share_threshold": 1, "small_sample_limit": 50})
    assert (config.alpha, config.correction, config.share_threshold, config.small_sample_limit) == (
        0.01, "bh", 1.0, 50)
    assert DriftConfig.from_dict(config.to_dict()) == config
    assert DriftConfig.from_dict(None) == DriftConfig()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"alpah": 0.1}, "alpah"),
        ({"alpha": "0.1"}, "alpha"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"correction": "bonferroni"}, "correction"),
        ({"small_sample_limit": 10.5}, "small_sample_limit"),
        ({"small_sample_limit": 0}, "small_sample_limit"),
        ({"psi_threshold": -1}, "psi_threshold"),
        ({"share_threshold": 0}, "share_threshold"),
        ({"bins": 0}, "bins"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(BadConfig) as error:
        DriftConfig.from_dict(data)
    assert error.value.key == key
    assert str(error.value).startswith(f"{key}: ")


def test_is_frozen_and_rejects_non_mappings() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DriftConfig().alpha = 0.1  # type: ignore[misc]
    with pytest.raises(BadConfig, match=r"^drift"):
        DriftConfig.from_dict([1, 2])  # type: ignore[arg-type]
