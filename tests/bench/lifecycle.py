"""Cold start from zero and idle memory, on a `hydro up` with a short idle window.

Cold start: wait until the engine reports no replica, then time one request through the HTTP
gateway until its answer (the version starts on demand). Memory: `versions` versions of one model
registered and deployed as servables, measured once all are at zero and again with 5 answering.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import requests

from tests.bench.models import ModelFiles, hydrosphere_json
from tests.bench.platform import Platform

IDLE_WINDOW_S = 2


def _time_one(platform: Platform, application: str, body: bytes) -> float:
    began = time.perf_counter()
    answer = requests.post(f"{platform.url}/gateway/application/{application}", data=body,
                           headers={"Content-Type": "application/json"}, timeout=120)
    answer.raise_for_status()
    return time.perf_counter() - began


def cold_starts(platform: Platform, probe: np.ndarray, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        platform.wait_for(lambda: platform.replicas() == 0, "every replica at zero", 60)
        seconds.append(_time_one(platform, "bench-lr", hydrosphere_json(probe)))
    return seconds


def idle_memory(platform: Platform, model: ModelFiles, versions: int, probe: np.ndarray) -> dict[str, Any]:
    with ThreadPoolExecutor(4) as pool:  # uploads and builds overlap; numbers are given in arrival order
        list(pool.map(lambda _: platform.apply(model.hydro_folder), range(versions - 1)))
    names = [platform.servable_of("bench-lr", 1)]
    names += [platform.servable("bench-lr", number) for number in range(2, versions + 1)]
    platform.wait_for(lambda: platform.replicas() == 0, "every replica at zero", 600)
    time.sleep(1)
    at_zero = platform.memory()
    for name in names[:5]:
        answer = requests.post(f"{platform.url}/gateway/servable/{name}", data=hydrosphere_json(probe),
                               headers={"Content-Type": "application/json"}, timeout=120)
        answer.raise_for_status()
    five = platform.memory()
    return {"versions": versions, "at_zero": at_zero, "five_active": five}


def run(home: Path, models: dict[str, ModelFiles], probe: np.ndarray, repeats: int, versions: int) -> dict[str, Any]:
    platform = Platform(home, IDLE_WINDOW_S).start()
    try:
        platform.apply(models["lr"].hydro_folder)
        platform.application("bench-lr", ["bench-lr:1"])
        seconds = cold_starts(platform, probe, repeats)
        memory = idle_memory(platform, models["lr"], versions, probe)
    finally:
        platform.stop()
    return {"cold_start_s": seconds, "cold_start_median_s": statistics.median(seconds), **memory}
