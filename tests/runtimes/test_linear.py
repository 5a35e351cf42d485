"""`runtimes.linear`: the compiled methods give exactly scikit-learn's answers, or defer to it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import (
    ElasticNet,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    SGDClassifier,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from runtimes.linear import compile_methods

RNG = np.random.default_rng(7)


def _classifier(estimator: Any, classes: int) -> Any:
    x, y = make_classification(300, 12, n_informative=6, n_classes=classes, random_state=classes)
    return estimator.fit(x, y)


def _regressor(estimator: Any, targets: int) -> Any:
    x, y = make_regression(300, 12, n_targets=targets, noise=1.0, random_state=targets)
    return estimator.fit(x, y)


CLASSIFIERS = [
    (LogisticRegression(max_iter=500), 2),
    (LogisticRegression(max_iter=500), 4),
    (LogisticRegression(max_iter=500, fit_intercept=False), 3),
    (LinearSVC(), 2),
    (LinearSVC(), 3),
    (SGDClassifier(random_state=0), 3),
    (Perceptron(random_state=0), 2),
]
REGRESSORS = [
    (LinearRegression(), 1),
    (LinearRegression(), 3),
    (LinearRegression(fit_intercept=False), 1),
    (LinearRegression(positive=True), 2),
]


def _inputs() -> list[np.ndarray]:
    """One row, many rows, large values, float32, and a non-contiguous slice."""
    many = RNG.normal(size=(257, 12)) * 3
    return [many[:1], many, many * 1e3, many.astype(np.float32), many[::3, :]]


@pytest.mark.parametrize(("estimator", "classes"), CLASSIFIERS, ids=lambda v: type(v).__name__)
def test_classifier_methods_equal_sklearn(estimator: Any, classes: int) -> None:
    model = _classifier(estimator, classes)
    methods = compile_methods(model)
    proba = {"predict_proba"} if isinstance(model, LogisticRegression) else set()
    expected = {"predict", "decision_function"} | proba
    assert set(methods) == expected
    for x in _inputs():
        for name, method in methods.items():
            got, want = method(x), getattr(model, name)(x)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want, err_msg=name)


@pytest.mark.parametrize(("estimator", "targets"), REGRESSORS, ids=lambda v: type(v).__name__)
def test_regressor_predict_equals_sklearn(estimator: Any, targets: int) -> None:
    model = _regressor(estimator, targets)
    methods = compile_methods(model)
    assert set(methods) == {"predict"}
    for x in _inputs():
        got, want = methods["predict"](x), model.predict(x)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_string_labels_come_back_as_the_classes() -> None:
    x, y = make_classification(200, 5, random_state=1)
    model = LogisticRegression().fit(x, np.array(["no", "yes"])[y])
    np.testing.assert_array_equal(compile_methods(model)["predict"](x), model.predict(x))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_get_sklearns_error(bad: float) -> None:
    model = _classifier(LogisticRegression(max_iter=500), 2)
    x = RNG.normal(size=(3, 12))
    x[1, 4] = bad
    for name, method in compile_methods(model).items():
        with pytest.raises(ValueError, match="Input X contains") as caught:
            method(x)
        with pytest.raises(ValueError) as direct:
            getattr(model, name)(x)
        assert str(caught.value) == str(direct.value)


@pytest.mark.parametrize("x", [np.zeros((0, 12)), np.zeros((2, 11)), np.zeros(12), np.zeros((2, 12), dtype=np.int64)],
                         ids=["empty", "narrow", "1-d", "integers"])
def test_inputs_sklearn_treats_differently_go_to_sklearn(x: np.ndarray) -> None:
    model = _classifier(LogisticRegression(max_iter=500), 3)
    predict = compile_methods(model)["predict"]
    try:
        want = model.predict(x)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            predict(x)
    else:
        np.testing.assert_array_equal(predict(x), want)


def test_overridden_or_unknown_methods_are_not_compiled() -> None:
    class Shifted(LogisticRegression):
        def predict(self, X: Any) -> Any:
            return super().predict(X) + 1

    x, y = make_classification(100, 4, random_state=0)
    assert set(compile_methods(Shifted().fit(x, y))) == {"decision_function", "predict_proba"}
    assert compile_methods(_regressor(ElasticNet(), 1)) == {}  # overrides _decision_function
    assert compile_methods(RandomForestClassifier(n_estimators=2).fit(x, y)) == {}
    assert compile_methods(make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)) == {}
    assert compile_methods(LogisticRegression()) == {}  # not fitted


def test_sparse_coefficients_and_feature_names_are_left_to_sklearn() -> None:
    x, y = make_classification(100, 4, random_state=0)
    assert compile_methods(LogisticRegression().fit(x, y).sparsify()) == {}
    named = LogisticRegression().fit(x, y)
    named.feature_names_in_ = np.array(["a", "b", "c", "d"], dtype=object)  # as a DataFrame fit sets
    assert compile_methods(named) == {}  # scikit-learn warns on unnamed X, which stays its job
