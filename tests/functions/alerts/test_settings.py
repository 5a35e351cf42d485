"""`AlertSettings.from_env`: defaults, values, and errors naming the variable."""

from __future__ import annotations

import pytest

from functions.alerts.settings import AlertSettings
from functions.host.settings import SettingsError


def test_defaults() -> None:
    settings = AlertSettings.from_env({})
    assert (settings.dedup_seconds, settings.resolve_seconds, settings.retry_max_seconds) == (300, 600, 60)


def test_values_are_read() -> None:
    settings = AlertSettings.from_env({"HYDRO_ALERT_DEDUP_SECONDS": "2.5", "HYDRO_ALERT_RESOLVE_SECONDS": " 10 "})
    assert (settings.dedup_seconds, settings.resolve_seconds) == (2.5, 10)


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "inf"])
def test_a_bad_value_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        AlertSettings.from_env({"HYDRO_ALERT_RESOLVE_SECONDS": value})
    assert refused.value.variable == "HYDRO_ALERT_RESOLVE_SECONDS"
