"""The profile-based tests equal scipy's on samples the sketches hold whole."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from functions.stats.effects import js_distance, ks_statistic, psi, wasserstein
from functions.stats.kll import KllSketch
from functions.stats.moments import Moments
from functions.stats.significance import chi_square, ks_p_value, levene, mood_median, welch


def _sketch(values: np.ndarray) -> KllSketch:
    sketch = KllSketch()
    sketch.update(values)
    return sketch


@pytest.fixture(params=[0, 1, 2])
def samples(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(request.param)
    return rng.normal(0, 1, 120), rng.normal(0.3, 1.5, 90).round(1)


def test_ks_statistic_and_p_value(samples: tuple[np.ndarray, np.ndarray]) -> None:
    left, right = samples
    expected = stats.ks_2samp(left, right, method="asymp")
    statistic = ks_statistic(_sketch(left), _sketch(right))
    assert statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert ks_p_value(statistic, left.size, right.size) == pytest.approx(expected.pvalue, rel=1e-9)


def test_wasserstein(samples: tuple[np.ndarray, np.ndarray]) -> None:
    left, right = samples
    assert wasserstein(_sketch(left), _sketch(right)) == pytest.approx(stats.wasserstein_distance(left, right))


def test_welch(samples: tuple[np.ndarray, np.ndarray]) -> None:
    left, right = samples
    expected = stats.ttest_ind(left, right, equal_var=False)
    result = welch(Moments.of(left), Moments.of(right))
    assert (result.statistic, result.p_value) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-9)


def test_mood_median(samples: tuple[np.ndarray, np.ndarray]) -> None:
    left, right = samples
    statistic, p_value, _, _ = stats.median_test(left, right)
    result = mood_median(_sketch(left), _sketch(right))
    assert (result.statistic, result.p_value) == pytest.approx((statistic, p_value), rel=1e-9)


@pytest.mark.parametrize("center", ["mean", "median"])
def test_levene_and_brown_forsythe(samples: tuple[np.ndarray, np.ndarray], center: str) -> None:
    left, right = samples
    expected = stats.levene(left, right, center=center)
    result = levene(_sketch(left), _sketch(right), center=center)
    assert (result.statistic, result.p_value) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-9)


def test_levene_on_large_sketches_is_close_to_scipy() -> None:
    rng = np.random.default_rng(3)
    left, right = rng.normal(0, 1, 100_000), rng.normal(0, 1.02, 100_000)
    expected = stats.levene(left, right)
    result = levene(_sketch(left), _sketch(right))
    assert result.statistic == pytest.approx(expected.statistic, rel=0.05)


def test_chi_square_matches_scipy_contingency() -> None:
    table = np.array([[30.0, 12.0, 5.0, 0.0], [20.0, 25.0, 9.0, 4.0]])
    expected = stats.chi2_contingency(table, correction=False)
    result = chi_square(table)
    assert (result.statistic, result.p_value) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-12)


def test_psi_and_js_distances() -> None:
    expected, actual = np.array([50.0, 30.0, 20.0, 0.0]), np.array([40.0, 30.0, 20.0, 10.0])
    e, a = (expected + 0.5) / (expected + 0.5).sum(), (actual + 0.5) / (actual + 0.5).sum()
    assert psi(expected, actual) == pytest.approx(float(np.sum((a - e) * np.log(a / e))))
    assert psi(expected, expected) == 0.0
    assert js_distance(expected, actual) == pytest.approx(jensenshannon(expected, actual, base=2))
    assert js_distance(expected, np.zeros(4)) is None


def test_undefined_cases_say_why() -> None:
    one, constant = Moments.of(np.array([1.0])), Moments.of(np.full(5, 2.0))
    assert welch(one, constant).p_value is None and welch(one, constant).note
    assert welch(constant, constant).p_value == 1.0
    assert welch(constant, Moments.of(np.full(5, 3.0))).note == "both sides constant with different values"
    assert levene(_sketch(np.array([1.0])), _sketch(np.array([2.0]))).p_value is None
    assert mood_median(_sketch(np.full(4, 1.0)), _sketch(np.full(3, 1.0))).p_value is None


@pytest.mark.parametrize(("n", "statistic"), [(3_000, 0.02), (3_000, 0.03), (10_000, 0.02), (200_000, 0.004),
                                              (500_000, 0.002)])
def test_ks_p_value_for_large_samples_follows_the_finite_n_distribution(n: int, statistic: float) -> None:
    assert ks_p_value(statistic, 2 * n, 2 * n) == pytest.approx(stats.kstwo.sf(statistic, n), rel=0.01)
