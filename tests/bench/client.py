"""The harness's handle on a load-generator process (`python -m tests.bench.loadgen`)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.stats import CellResult

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Endpoint:
    """One way to call one system: `kind` http (url) or grpc (target + method), with a body."""

    system: str
    kind: str
    address: str
    body: bytes
    method: str = ""

    def spec(self, concurrency: int, warmup: float, duration: float) -> dict[str, Any]:
        where = {"url": self.address} if self.kind == "http" else {"target": self.address, "method": self.method}
        return {"kind": self.kind, **where, "body": self.body.hex(), "concurrency": concurrency,
                "warmup": warmup, "duration": duration}


class LoadGenerator:
    """One persistent load-generator process; `measure` runs one cell in it."""

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "tests.bench.loadgen"], cwd=REPO, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def measure(self, endpoint: Endpoint, concurrency: int, warmup: float, duration: float) -> CellResult:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(endpoint.spec(concurrency, warmup, duration)) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the load generator exited ({self._process.poll()})")
        answer = json.loads(line)
        if not answer["ok"]:
            raise RuntimeError(f"{endpoint.system}: {answer['error']}")
        return CellResult(**answer["result"])

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
