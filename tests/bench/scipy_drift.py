"""scipy's per-column tests on the drift benchmark's data (two-sample KS for numerical columns,
chi-squared on the category counts for categorical ones, p < 0.05, no correction); one JSON line.

    python -m tests.bench.scipy_drift ROWS CHUNK SEED
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
from scipy import stats

from tests.bench.drift_data import CATEGORICAL, NUMERICAL, frame_columns

ALPHA = 0.05


def _categorical_p(reference: np.ndarray, current: np.ndarray) -> float:
    labels = np.union1d(reference, current)
    table = np.array([[np.sum(reference == label) for label in labels], [np.sum(current == label) for label in labels]])
    return float(stats.chi2_contingency(table)[1])


def main(rows: int, chunk: int, seed: int) -> dict[str, object]:
    reference = frame_columns(rows, chunk, seed, False)
    current = frame_columns(rows, chunk, seed + 1, True)
    began = time.perf_counter()
    p_values = {name: float(stats.ks_2samp(reference[name], current[name]).pvalue) for name in NUMERICAL}
    p_values.update({name: _categorical_p(reference[name], current[name]) for name in CATEGORICAL})
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "flagged": sorted(name for name, p in p_values.items() if p < ALPHA)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
