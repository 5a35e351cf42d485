"""Evidently's DataDriftPreset on the drift benchmark's data; prints one JSON line.

Runs in the Evidently virtualenv with the repository on PYTHONPATH:
`python evidently_drift.py ROWS CHUNK SEED`. Peak memory is the process's maxrss, and the
same minus the RSS once the data frames were built (what the report itself added).
"""

import json
import resource
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

from tests.bench.drift_data import CATEGORICAL, NUMERICAL, frame_columns


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024
    return float("nan")


def flagged(snapshot):
    found = []
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if not config.get("type", "").endswith("ValueDrift"):
            continue
        value, threshold = float(metric["value"]), float(config["threshold"])
        drifted = value < threshold if "p_value" in config["method"] else value >= threshold
        if drifted:
            found.append(config["column"])
    return sorted(found)


def main(rows, chunk, seed):
    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)
    reference = pd.DataFrame(frame_columns(rows, chunk, seed, False))
    current = pd.DataFrame(frame_columns(rows, chunk, seed + 1, True))
    baseline = rss_mb()
    began = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(current, data_definition=definition),
                                               Dataset.from_pandas(reference, data_definition=definition))
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxrss_mb": peak, "report_rss_mb": peak - baseline,
                      "flagged": flagged(snapshot)}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
