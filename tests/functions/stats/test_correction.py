from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from functions.stats.correction import benjamini_hochberg, correct, holm


def test_holm_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_benjamini_hochberg_by_hand_and_against_scipy() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    random = np.random.default_rng(0).random(50) ** 3
    assert benjamini_hochberg(random) == pytest.approx(stats.false_discovery_control(random))


def test_adjusted_values_never_exceed_one_and_keep_empty_input() -> None:
    assert holm(np.array([0.6, 0.9])).max() == 1.0
    assert correct(np.array([]), "bh").size == 0
    assert list(correct(np.array([0.2]), "holm")) == [0.2]
