"""Memory of an idle `hydro up` with 50 model versions scaled to zero, then with 5 of them active.

    .venv/bin/python -m tests.controller.local.up.measure_idle_memory [--versions 50] [--active 5]

A real `hydro up` (its own home under a temp dir) gets one scikit-learn model applied `--versions`
times (50 versions) and a singular application per version, so each version is a Service. Once
every version was verified and scaled back to zero, the whole process tree is measured: RSS and
PSS (`/proc/<pid>/smaps_rollup`; PSS splits shared pages among their sharers, so its sum is the
real total). Then `--active` applications get a request each and the tree is measured again.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import joblib
import requests
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from tests.controller.local.up.up_process import UpProcess

FEATURES = ("f0", "f1", "f2", "f3")


def write_model(root: Path) -> Path:
    features, target = load_iris(return_X_y=True)
    folder = root / "iris"
    folder.mkdir(parents=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(features, target), folder / "model.joblib")
    contract = {"name": "predict",
                "inputs": {f: {"shape": "scalar", "type": "double", "profile": "numerical"} for f in FEATURES},
                "outputs": {"y": {"shape": "scalar", "type": "int64", "profile": "categorical"}}}
    spec = {"kind": "Model", "name": "iris", "runtime": "hydro/runtime-sklearn", "payload": ["model.joblib"],
            "contract": contract}
    (folder / "serving.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder


def write_applications(root: Path, versions: int) -> Path:
    documents = [{"kind": "Application", "name": f"iris-{v}", "pipeline": [[{"model": f"iris:{v}"}]]}
                 for v in range(1, versions + 1)]
    path = root / "applications.yaml"
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return path


def tree(root_pid: int) -> list[int]:
    parents: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents[ppid].append(int(stat.parent.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def label(pid: int) -> str:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    words = [a.decode(errors="replace") for a in argv if a]
    if "-m" in words:
        module = words[words.index("-m") + 1]
        return module if module != "functions" else "functions (a monitoring function)"
    return " ".join(Path(w).name for w in words[:2])


def measure(root_pid: int, title: str) -> None:
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for pid in tree(root_pid):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            name = label(pid)
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
        row = rows[name]
        row[0] += 1
        row[1] += values["Rss"] / 1024
        row[2] += values["Pss"] / 1024
    print(f"\n{title}")
    print(f"  {'process':42s} {'count':>5s} {'RSS MB':>8s} {'PSS MB':>8s}")
    for name, (count, rss, pss) in sorted(rows.items(), key=lambda item: -item[1][2]):
        print(f"  {name[:42]:42s} {count:5d} {rss:8.1f} {pss:8.1f}")
    print(f"  {'total':42s} {sum(r[0] for r in rows.values()):5.0f} {sum(r[1] for r in rows.values()):8.1f} "
          f"{sum(r[2] for r in rows.values()):8.1f}")


def workers(up: UpProcess) -> int:
    services = up.get("/api/v2/engine")["services"]
    return sum(int(s.get("ready") or 0) + int(s.get("starting") or 0)
               for name, s in services.items() if name.startswith("mv-"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--active", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        up = UpProcess(root / "home", {"HYDRO_IDLE_WINDOW_SECONDS": "20", "HYDRO_AUTH": "disabled"})
        up.start()
        try:
            model = write_model(root)
            for _ in range(args.versions):
                up.hydro("apply", "-f", str(model))
            up.hydro("apply", "-f", str(write_applications(root, args.versions)))
            up.wait_for(lambda: all(up.get(f"/api/v2/application/iris-{v}")["status"] == "Ready"
                                    for v in range(1, args.versions + 1)), "every application Ready", 900)
            up.wait_for(lambda: workers(up) == 0, "every version at zero", 300)
            time.sleep(5)
            assert up.process is not None
            measure(up.process.pid, f"idle: {args.versions} versions, all at zero")
            row = {f: 5.0 for f in FEATURES}
            for version in range(1, args.active + 1):
                requests.post(f"{up.url}/gateway/application/iris-{version}", json=row, timeout=60).raise_for_status()
            time.sleep(2)
            measure(up.process.pid, f"{args.active} versions active")
        finally:
            up.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
