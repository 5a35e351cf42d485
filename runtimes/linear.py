"""Linear models without scikit-learn's per-call checks: the same arithmetic, a fraction of the cost.

scikit-learn 1.9 spends some 60 Python calls validating X (array API namespace, dataframe
detection, feature names, finiteness) around a 1-row `X @ coef_.T + intercept_` that takes a few
microseconds; for a served LogisticRegression that validation is most of a request's model time.
`compile_methods` returns, for each method this module can reproduce exactly, a function doing
the same numpy operations on the same fitted arrays as scikit-learn's own code:

- `decision_function` of linear classifiers (`LinearClassifierMixin`: LogisticRegression,
  LinearSVC, SGDClassifier, Perceptron, ...): `X @ coef_.T + intercept_`, one column flattened;
- `predict` of those classifiers: `classes_` at `scores > 0` (binary) or at the row's argmax;
- `predict_proba` of LogisticRegression: expit and `[1 - p, p]` (binary), softmax otherwise;
- `predict` of linear regressors using `LinearModel.predict` (LinearRegression): `X @ coef_ + intercept_`.

A method is compiled only when the estimator's class uses scikit-learn's implementation of it
(not an override), its fitted arrays are dense numpy arrays, and it was fitted without feature
names (scikit-learn would warn about an unnamed X). Each call still checks what scikit-learn's
validation would act on: X must be a non-empty, finite, 2-d float array of the fitted width;
otherwise the call goes to the estimator's own method, which answers (or raises) as it always does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from runtimes.sklearn_contract import DECISION, PREDICT, PROBA

Method = Callable[[np.ndarray], np.ndarray]
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_FLOAT64 = np.dtype(np.float64)


def compile_methods(estimator: Any) -> dict[str, Method]:
    """`method name -> function(X)` for the methods of `estimator` reproduced here (maybe none)."""
    # Unpickling a linear model imported this module; for any other model, importing it here
    # would only lengthen the cold start.
    if "sklearn.linear_model._base" not in sys.modules:
        return {}
    from sklearn.linear_model._base import LinearClassifierMixin, LinearModel

    if hasattr(estimator, "feature_names_in_") or not _dense_fit(estimator):
        return {}
    if getattr(type(estimator), "decision_function", None) is LinearClassifierMixin.decision_function:
        return _classifier_methods(estimator) if _dense_classes(estimator) else {}
    if isinstance(estimator, LinearModel):
        return _regressor_methods(estimator)
    return {}


def _classifier_methods(estimator: Any) -> dict[str, Method]:
    from scipy.special import expit  # scikit-learn's own choice; loaded by then, like this import
    from sklearn.linear_model import LogisticRegression
    from sklearn.linear_model._base import LinearClassifierMixin

    cls = type(estimator)
    scores = _Scores(estimator.coef_.T, estimator.intercept_, int(estimator.n_features_in_), flatten=True)
    methods: dict[str, Method] = {DECISION: _guarded(scores, estimator.decision_function)}
    if cls.predict is LinearClassifierMixin.predict:
        methods[PREDICT] = _guarded(_Labels(scores, estimator.classes_), estimator.predict)
    if getattr(cls, "predict_proba", None) is LogisticRegression.predict_proba:
        methods[PROBA] = _guarded(_Probabilities(scores, len(estimator.classes_), expit), estimator.predict_proba)
    return methods


def _regressor_methods(estimator: Any) -> dict[str, Method]:
    from sklearn.linear_model._base import LinearModel, MultiOutputLinearModel

    cls = type(estimator)
    # MultiOutputLinearModel.predict only restates the docstring: it calls LinearModel.predict.
    if cls._decision_function is not LinearModel._decision_function or \
            cls.predict not in (LinearModel.predict, MultiOutputLinearModel.predict):
        return {}
    coef = estimator.coef_
    scores = _Scores(coef if coef.ndim == 1 else coef.T, estimator.intercept_, int(estimator.n_features_in_),
                     flatten=False)
    return {PREDICT: _guarded(scores, estimator.predict)}


class _Scores:
    """`X @ coef + intercept` as scikit-learn computes it; None for an X it would handle differently."""

    __slots__ = ("coef", "flatten", "intercept", "width")

    def __init__(self, coef: np.ndarray, intercept: Any, width: int, flatten: bool) -> None:
        self.coef, self.intercept, self.width, self.flatten = coef, intercept, width, flatten

    def __call__(self, x: np.ndarray) -> np.ndarray | None:
        if type(x) is not np.ndarray or x.ndim != 2 or x.dtype not in _FLOATS or \
                x.shape[1] != self.width or not x.shape[0] or not np.isfinite(x).all():
            return None
        scores = x @ self.coef + self.intercept
        if self.flatten and scores.ndim > 1 and scores.shape[1] == 1:
            return scores.reshape(-1)
        return scores


class _Labels:
    """`LinearClassifierMixin.predict`: the class of positive scores (binary) or of the best one."""

    __slots__ = ("classes", "scores")

    def __init__(self, scores: _Scores, classes: np.ndarray) -> None:
        self.scores, self.classes = scores, classes

    def __call__(self, x: np.ndarray) -> np.ndarray | None:
        scores = self.scores(x)
        if scores is None:
            return None
        indices = (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes.take(indices, axis=0)


class _Probabilities:
    """`LogisticRegression.predict_proba`: expit for two classes, softmax for more."""

    __slots__ = ("binary", "expit", "scores")

    def __init__(self, scores: _Scores, n_classes: int, expit: Callable[..., np.ndarray]) -> None:
        self.scores, self.binary, self.expit = scores, n_classes <= 2, expit

    def __call__(self, x: np.ndarray) -> np.ndarray | None:
        scores = self.scores(x)
        if scores is None:
            return None
        if self.binary:
            prob = self.expit(scores, out=scores)
            return np.stack([1 - prob, prob], axis=1) if prob.ndim == 1 else _ovr_normalized(prob)
        scores -= np.max(scores, axis=1).reshape(-1, 1)
        np.exp(scores, out=scores)
        scores /= np.sum(scores, axis=1).reshape(-1, 1)
        return scores


def _ovr_normalized(prob: np.ndarray) -> np.ndarray:
    """`_predict_proba_lr` for a 2-d binary score (one column per class, as a 2-class OvR fit has)."""
    prob_sum = prob.sum(axis=1)
    all_zero = prob_sum == 0
    if np.any(all_zero):
        prob[all_zero, :] = 1
        prob_sum[all_zero] = prob.shape[1]
    prob /= prob_sum.reshape(prob.shape[0], -1)
    return prob


def _guarded(fast: Callable[[np.ndarray], np.ndarray | None], method: Method) -> Method:
    def call(x: np.ndarray) -> np.ndarray:
        result = fast(x)
        return method(x) if result is None else result
    return call


def _dense_fit(estimator: Any) -> bool:
    """Fitted, with numpy coefficients (`sparsify()` makes them a scipy matrix) of a known width."""
    coef = getattr(estimator, "coef_", None)
    intercept = getattr(estimator, "intercept_", None)
    width = getattr(estimator, "n_features_in_", None)
    # float64 only: with float32 coefficients, scikit-learn's array API wrappers may pick other
    # accumulation types than plain numpy.
    if type(coef) is not np.ndarray or coef.dtype != _FLOAT64 or coef.ndim not in (1, 2) or width is None:
        return False
    if type(intercept) is np.ndarray:
        return intercept.dtype == _FLOAT64
    return isinstance(intercept, float)  # numpy float64 scalars are floats too


def _dense_classes(estimator: Any) -> bool:
    classes = getattr(estimator, "classes_", None)
    return type(classes) is np.ndarray and classes.ndim == 1 and estimator.coef_.ndim == 2
