"""Memory of a process tree from /proc: RSS summed, and PSS (shared pages split fairly) when the
kernel has `smaps_rollup`. Linux only; elsewhere the figures are NaN."""

from __future__ import annotations

import math
import os
from pathlib import Path


def descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, queue = [root], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _field_kb(path: str, name: str) -> float:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return math.nan


def tree_memory(root: int) -> dict[str, float]:
    """`rss_mb`, `pss_mb` (NaN without smaps_rollup) and `processes` of the tree under `root`."""
    pids = descendants(root)
    rss = [_field_kb(f"/proc/{pid}/status", "VmRSS") for pid in pids]
    pss = [_field_kb(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids]
    live = [value for value in rss if not math.isnan(value)]
    return {"rss_mb": sum(live) / 1024, "processes": float(len(live)),
            "pss_mb": math.nan if any(math.isnan(v) for v in pss) else sum(pss) / 1024}
