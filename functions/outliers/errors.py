"""Errors of outlier-detector training; each message names the column, file or setting at fault.

They are `ValueError`s too: every one of them is bad input (a contract with nothing usable, an
unreadable or empty CSV, a bad setting), which a caller maps to HTTP 400 / `INVALID_ARGUMENT`.
"""

from __future__ import annotations


class OutlierError(ValueError):
    """Base class: the outlier detector cannot be trained from this input."""


class NoUsableColumns(OutlierError):
    """The contract and the CSV header share no scalar numerical or categorical input."""


class BadTrainingData(OutlierError):
    """The training CSV is empty, unreadable, or has too few rows."""


class BadSettings(OutlierError):
    """A training setting is out of range."""
