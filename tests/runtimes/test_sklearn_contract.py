from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from protos.contract import Contract
from runtimes.errors import InvalidRequest, ModelLoadError
from runtimes.sklearn_contract import InputLayout, check_estimator, method_for
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT, IRIS_SCALAR_CONTRACT


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("predict_proba", "predict_proba"),
        ("probabilities", "predict_proba"),
        ("Proba", "predict_proba"),
        ("decision_function", "decision_function"),
        ("scores", "decision_function"),
        ("y", "predict"),
        ("label", "predict"),
        ("probability", "predict"),
    ],
)
def test_output_names_select_methods(name: str, method: str) -> None:
    assert method_for(name) == method


def contract(inputs: dict[str, Any], outputs: dict[str, Any] | None = None) -> Contract:
    return Contract.from_dict({"inputs": inputs, "outputs": outputs or {"y": {"shape": [-1], "type": "int64"}}})


def test_matrix_layout_uses_the_array_as_x() -> None:
    layout = InputLayout.from_contract(Contract.from_dict(IRIS_BATCH_CONTRACT))
    assert (layout.kind, layout.width, layout.scalar) == ("matrix", 4, False)
    x = np.arange(8.0).reshape(2, 4)
    assert layout.assemble({"features": x}) is x


def test_scalar_fields_make_one_row_in_contract_order() -> None:
    layout = InputLayout.from_contract(Contract.from_dict(IRIS_SCALAR_CONTRACT))
    assert (layout.kind, layout.width, layout.scalar) == ("row", 4, True)
    inputs = {"petal_width": np.array(4.0), "sepal_length": np.array(1.0),
              "petal_length": np.array(3.0), "sepal_width": np.array(2.0)}
    np.testing.assert_array_equal(layout.assemble(inputs), [[1.0, 2.0, 3.0, 4.0]])


def test_vector_fields_are_columns() -> None:
    layout = InputLayout.from_contract(contract({"a": {"shape": [-1], "type": "double"},
                                                 "b": {"shape": [-1], "type": "int64"}}))
    assert layout.kind == "columns"
    x = layout.assemble({"a": np.array([0.5, 1.5]), "b": np.array([1, 2])})
    np.testing.assert_array_equal(x, [[0.5, 1], [1.5, 2]])


def test_mixed_kinds_stay_objects() -> None:
    layout = InputLayout.from_contract(contract({"city": {"shape": [-1], "type": "string"},
                                                 "n": {"shape": [-1], "type": "int64"}}))
    x = layout.assemble({"city": np.array(["a", "b"], dtype=object), "n": np.array([1, 2])})
    assert x.dtype == object and x.tolist() == [["a", 1], ["b", 2]]


def test_columns_of_different_lengths_name_the_field() -> None:
    layout = InputLayout.from_contract(contract({"a": {"shape": [-1], "type": "double"},
                                                 "b": {"shape": [-1], "type": "double"}}))
    with pytest.raises(InvalidRequest, match="field 'b': expected 2 values like field 'a', got 3") as caught:
        layout.assemble({"a": np.zeros(2), "b": np.zeros(3)})
    assert caught.value.field == "b"


def test_mixed_scalar_and_vector_inputs_are_refused() -> None:
    with pytest.raises(ModelLoadError, match="a: scalar, b: \\[-1\\]"):
        InputLayout.from_contract(contract({"a": {"shape": "scalar", "type": "double"},
                                            "b": {"shape": [-1], "type": "double"}}))


def check(estimator: Any, spec: dict[str, Any]) -> None:
    parsed = Contract.from_dict(spec)
    check_estimator(estimator, parsed, InputLayout.from_contract(parsed))


def test_matching_contracts_pass(logreg: LogisticRegression, iris: tuple[np.ndarray, np.ndarray]) -> None:
    check(logreg, IRIS_BATCH_CONTRACT)
    check(logreg, IRIS_SCALAR_CONTRACT)
    check(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(*iris), IRIS_BATCH_CONTRACT)


def test_input_width_must_match_n_features(logreg: LogisticRegression) -> None:
    spec = IRIS_BATCH_CONTRACT | {"inputs": {"features": {"shape": [-1, 3], "type": "double"}}}
    with pytest.raises(ModelLoadError, match="gives 3 input feature\\(s\\) \\(features\\), but the "
                                             "LogisticRegression was fitted on 4"):
        check(logreg, spec)


def test_proba_output_needs_predict_proba(iris: tuple[np.ndarray, np.ndarray]) -> None:
    svc = LinearSVC().fit(*iris)
    with pytest.raises(ModelLoadError, match=r"output 'proba' needs LinearSVC\.predict_proba\(\)"):
        check(svc, IRIS_BATCH_CONTRACT)


def test_proba_width_must_match_the_classes(logreg: LogisticRegression) -> None:
    outputs = {"proba": {"shape": [-1, 2], "type": "double"}}
    with pytest.raises(ModelLoadError, match=r"output 'proba' has shape \[-1, 2\].*3 classes.*\[-1, 3\]"):
        check(logreg, IRIS_BATCH_CONTRACT | {"outputs": outputs})


def test_scalar_request_proba_must_be_a_vector(logreg: LogisticRegression) -> None:
    outputs = {"proba": {"shape": "scalar", "type": "double"}}
    with pytest.raises(ModelLoadError, match="so predict_proba gives shape \\[3\\]"):
        check(logreg, IRIS_SCALAR_CONTRACT | {"outputs": outputs})


def test_batched_inputs_need_batched_outputs(logreg: LogisticRegression) -> None:
    outputs = {"y": {"shape": "scalar", "type": "int64"}}
    with pytest.raises(ModelLoadError, match="output 'y' is a scalar but the inputs are batched"):
        check(logreg, IRIS_BATCH_CONTRACT | {"outputs": outputs})


def test_regressor_without_classes_is_not_width_checked(iris: tuple[np.ndarray, np.ndarray]) -> None:
    regressor = LinearRegression().fit(*iris)
    check(regressor, IRIS_BATCH_CONTRACT | {"outputs": {"y": {"shape": [-1], "type": "double"}}})
