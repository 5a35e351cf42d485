"""Encoding tabular rows for projection: robust scaling, constant columns, one-hot categories."""

from __future__ import annotations

import numpy as np
import pytest

from functions.interpretability import FeatureSpec, InvalidArgument
from functions.interpretability.projection.encoder import TabularEncoder

FEATURES = [FeatureSpec("n", "numerical"), FeatureSpec("flat", "numerical"), FeatureSpec("c", "categorical")]
TRAINING = {
    "n": np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
    "flat": np.full(5, 7.0),
    "c": np.array(["a", "b", "a", "c", "a"], dtype=object),
}


def test_numbers_are_scaled_by_median_and_iqr_and_categories_one_hot():
    encoder = TabularEncoder.fit(TRAINING, FEATURES, max_categories=2)

    vectors = encoder.transform({"n": np.array([3.0, 5.0]), "flat": np.array([7.0, 9.0]), "c": np.array(["a", "b"])})

    assert encoder.dimension == 4  # n, flat, a, b (c is beyond the two most frequent)
    np.testing.assert_allclose(vectors, [[0.0, 0.0, 1.0, 0.0], [1.0, 2.0, 0.0, 1.0]])


def test_unseen_categories_and_missing_numbers_are_encoded_neutrally():
    encoder = TabularEncoder.fit(TRAINING, FEATURES, max_categories=5)

    vectors = encoder.transform({"n": np.array([np.nan]), "flat": np.array([7.0]), "c": np.array(["zzz"])})

    np.testing.assert_allclose(vectors, np.zeros((1, 5)))


def test_rows_missing_a_field_are_rejected_by_name():
    encoder = TabularEncoder.fit(TRAINING, FEATURES, max_categories=5)
    with pytest.raises(InvalidArgument, match=r"training\.c: column is missing"):
        encoder.transform({"n": np.array([1.0]), "flat": np.array([1.0])})
