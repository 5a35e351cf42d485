"""Profiles and drift statistics: the library the monitoring functions call.

Profiles are streaming, mergeable, JSON-storable summaries of one field's values with memory
bounded per field; `drift_report` compares training and production profiles without rereading
raw rows. numpy and scipy only.

    training = {f.name: profile_for(f) for f in contract.inputs}   # None for unprofiled fields
    for chunk in rows: training["age"].update(chunk["age"])
    stored = {name: p.with_reference_bins().to_dict() for name, p in training.items()}
    production = {name: profile_from_dict(d).empty_like() for name, d in stored.items()}
    report = drift_report({n: profile_from_dict(d) for n, d in stored.items()}, production, DriftConfig())
"""

from __future__ import annotations

from functions.stats.categorical import CategoricalProfile
from functions.stats.config import DriftConfig
from functions.stats.drift import drift_report
from functions.stats.errors import BadConfig, BadProfile, BadValues, StatsError
from functions.stats.factory import profile_for, profile_from_dict
from functions.stats.image import ImageProfile
from functions.stats.numerical import NumericalProfile
from functions.stats.profile import Profile
from functions.stats.report import DriftReport, FeatureDrift
from functions.stats.significance import TestResult
from functions.stats.text import TextProfile

__all__ = [
    "BadConfig",
    "BadProfile",
    "BadValues",
    "CategoricalProfile",
    "DriftConfig",
    "DriftReport",
    "FeatureDrift",
    "ImageProfile",
    "NumericalProfile",
    "Profile",
    "StatsError",
    "TestResult",
    "TextProfile",
    "drift_report",
    "profile_for",
    "profile_from_dict",
]
