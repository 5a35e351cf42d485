"""The scikit-learn runtime: serves a pickled estimator or Pipeline without user code.

The estimator file is looked up at the payload root, in this order:
1. `model.joblib` or `model.pkl` (having both is ambiguous and fails loading);
2. otherwise the one `*.joblib` file (none, or several, fails loading).
It is read with `joblib.load`, which also reads plain pickles. Like any pickle, it runs code
when loaded: only serve models from people you trust.

How inputs become X and which method computes each output: see `runtimes.sklearn_contract`.
Linear models' methods skip scikit-learn's per-call input checks, with the same results: see
`runtimes.linear`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from runtimes.base import Runtime
from runtimes.errors import ModelError, ModelLoadError
from runtimes.linear import compile_methods
from runtimes.sklearn_contract import PREDICT, PROBA, InputLayout, check_estimator, method_for

logger = logging.getLogger(__name__)

NAMED_FILES = ("model.joblib", "model.pkl")


def find_estimator_file(payload: Path) -> Path:
    """The estimator file in `payload` (see the module docstring); `ModelLoadError` otherwise."""
    named = [payload / name for name in NAMED_FILES if (payload / name).is_file()]
    if len(named) > 1:
        raise ModelLoadError(f"sklearn runtime: both {' and '.join(NAMED_FILES)} in {payload}; keep one")
    if named:
        return named[0]
    found = sorted(path for path in payload.glob("*.joblib") if path.is_file())
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelLoadError(
            f"sklearn runtime: no model.joblib, model.pkl or *.joblib file at the root of {payload}"
        )
    names = ", ".join(path.name for path in found)
    raise ModelLoadError(
        f"sklearn runtime: several *.joblib files in {payload} ({names}); name one model.joblib"
    )


class SklearnRuntime(Runtime):
    """Calls `predict` / `predict_proba` / `decision_function` of a fitted estimator."""

    # Fitted estimators and Pipelines compute these methods row by row. A model that does not
    # (a custom step using the whole batch) opts out with the metadata `hydro.batching: "false"`.
    rows_independent = True

    _estimator: Any = None
    _layout: InputLayout | None = None
    _predict_is_argmax = False
    _compiled: dict[str, Callable[[Any], Any]] = {}
    """Method name -> `runtimes.linear`'s function computing it, for the methods it has."""
    _order: tuple[str, ...] = ()
    """The methods the contract's outputs need, predict_proba first."""

    def load(self) -> None:
        layout = InputLayout.from_contract(self.contract)
        path = find_estimator_file(self.model_path)
        try:
            estimator = joblib.load(path)
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
            raise ModelLoadError(f"sklearn runtime: cannot read {path.name}: {problem}") from exc
        check_estimator(estimator, self.contract, layout)
        self._estimator, self._layout = estimator, layout
        self._predict_is_argmax = predicts_argmax_of_proba(estimator)
        needed = {method_for(field.name) for field in self.contract.outputs}
        self._order = tuple(sorted(needed, key=lambda m: (m != PROBA, m)))
        self._compiled = {m: f for m, f in compile_methods(estimator).items() if m in needed}
        # A compiled method costs microseconds a call: sharing calls would save less than it costs.
        self.batching_pays = not needed <= set(self._compiled)
        fast = ", ".join(sorted(self._compiled)) or "none"
        logger.info("loaded %s (%s); methods computed without scikit-learn's checks: %s", path.name,
                    type(estimator).__name__, fast)

    def predict(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._layout is None:
            raise ModelError("sklearn runtime: predict() called before load()")
        features = self._layout.assemble(inputs)
        computed: dict[str, np.ndarray] = {}
        for method in self._order:
            if method == PREDICT and PROBA in computed and self._predict_is_argmax:
                # What the forest's predict() computes, without a second pass over its trees.
                computed[method] = self._estimator.classes_.take(np.argmax(computed[PROBA], axis=1), axis=0)
            else:
                compiled = self._compiled.get(method)
                answer = compiled(features) if compiled else getattr(self._estimator, method)(features)
                computed[method] = np.asarray(answer)
        outputs: dict[str, np.ndarray] = {}
        for field in self.contract.outputs:
            value = computed[method_for(field.name)]
            outputs[field.name] = value[0] if self._layout.scalar else value
        return outputs


def predicts_argmax_of_proba(estimator: Any) -> bool:
    """True when `estimator.predict(X)` is, by scikit-learn's own code, the class of the largest
    `predict_proba(X)`: a single-output forest classifier (RandomForest, ExtraTrees), alone or
    ending a plain Pipeline. Checked by class name, so loading imports no more of scikit-learn."""
    final = estimator
    if _named(type(estimator), "sklearn.pipeline", "Pipeline"):
        final = estimator.steps[-1][1]
    forest = next((c for c in type(final).__mro__ if _named(c, "sklearn.ensemble._forest", "ForestClassifier")), None)
    overridden = forest is None or type(final).predict is not getattr(forest, "predict", None)
    return not overridden and getattr(final, "n_outputs_", 0) == 1


def _named(cls: type, module: str, name: str) -> bool:
    return cls.__module__ == module and cls.__name__ == name
