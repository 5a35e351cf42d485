"""The peers' virtualenvs under tests/bench/.peers/: created once, reused while their pins match.

Each venv has a stamp file holding its requirement list; a venv whose stamp differs (or is missing)
is rebuilt. scikit-learn is pinned to the project's own version so every system loads the same
joblib files. `uv` is used when it is installed (much faster), pip otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sklearn

PEERS_DIR = Path(__file__).resolve().parent / ".peers"
STAMP = ".bench-stamp"
SKLEARN = f"scikit-learn=={sklearn.__version__}"
PINS: dict[str, tuple[str, ...]] = {
    # uvloop 0.22+ no longer creates a loop in get_event_loop(), which MLServer 1.7.1's workers rely on.
    "mlserver": ("mlserver==1.7.1", "mlserver-sklearn==1.7.1", "uvloop==0.21.0", SKLEARN),
    "kserve": ("kserve==0.21.0", SKLEARN),
    # 1.4.40 needs a newer certifi than the package index here has.
    "bentoml": ("bentoml==1.4.38", SKLEARN),
    # Evidently 0.7 imports a pandas internal that pandas 3 removed.
    "evidently": ("evidently==0.7.23", "pandas==2.3.3"),
}


@dataclass(frozen=True)
class Venv:
    name: str
    path: Path
    seconds: float  # spent installing now; 0 when reused

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def bin(self, tool: str) -> str:
        return str(self.path / "bin" / tool)


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def ensure(name: str, root: Path = PEERS_DIR) -> Venv:
    """The venv `name`, installed now if its stamp does not match its pins."""
    path, pins = root / name, PINS[name]
    stamp = "\n".join(pins)
    if (path / STAMP).is_file() and (path / STAMP).read_text() == stamp:
        return Venv(name, path, 0.0)
    began = time.monotonic()
    shutil.rmtree(path, ignore_errors=True)
    uv = _uv()
    if uv:
        _run([uv, "venv", "-q", "-p", sys.executable, str(path)], name)
        _run([uv, "pip", "install", "-q", "--python", str(path / "bin" / "python"), *pins], name)
    else:
        _run([sys.executable, "-m", "venv", str(path)], name)
        _run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", *pins], name)
    (path / STAMP).write_text(stamp)
    return Venv(name, path, time.monotonic() - began)


def ensure_all(names: tuple[str, ...], root: Path = PEERS_DIR) -> dict[str, Venv]:
    """Install the venvs side by side (downloads dominate, so threads suffice)."""
    with ThreadPoolExecutor(len(names) or 1) as pool:
        venvs = list(pool.map(lambda name: ensure(name, root), names))
    return {venv.name: venv for venv in venvs}


def _run(command: list[str], name: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"installing peer {name} failed ({' '.join(command[:3])}...):\n{result.stderr[-3000:]}")
