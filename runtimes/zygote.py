"""`python -m runtimes.zygote`: a warm pool that forks ready-imported runtime workers.

Starting `python -m runtimes` pays for the interpreter and for importing numpy, scikit-learn
and gRPC (seconds on a busy machine) before the model even loads. This process pays that once:
it imports the runtime's modules (and nothing more: no gRPC server, channel or thread exists
before a fork, as gRPC's fork rules require) and forks one worker per request. The child takes
the environment, working directory and output it was given, starts its own session, and runs
`runtimes.__main__.main()` exactly as `python -m runtimes` would.

The protocol with the engine and the fork mechanics (a child's `/proc` environment and command
line made to match a spawned worker's, death with the pool) are in `protos/forkserver.py`.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys

from protos import forkserver

PRELOAD_VARIABLE = "HYDRO_ZYGOTE_PRELOAD"
DEFAULT_PRELOAD = ("runtimes.__main__", "runtimes.loader", "runtimes.registry", "joblib", "sklearn.base",
                   "sklearn.linear_model", "sklearn.ensemble", "sklearn.tree", "sklearn.pipeline",
                   "sklearn.preprocessing", "sklearn.compose", "sklearn.impute")
"""What every runtime worker imports, and the estimators most models unpickle into: about 20 MB
more than the runtime alone, and a model load becomes an unpickle instead of seconds of imports."""


def main() -> int:
    """Preload, announce readiness, then serve fork requests until the engine goes away."""
    forkserver.reexec_with_reserve("runtimes.zygote")
    try:
        channel = socket.socket(fileno=int(os.environ[forkserver.FD_VARIABLE]))
    except (KeyError, ValueError, OSError) as exc:
        print(f"hydro zygote: {forkserver.FD_VARIABLE} must name the engine's socket: {exc}", file=sys.stderr)
        return 2
    preload = _preload(os.environ.get(PRELOAD_VARIABLE))
    forkserver.send(channel, {"op": "ready", "pid": os.getpid(), "python": sys.executable, "preloaded": preload})
    return forkserver.serve(channel, _run_worker, (sys.executable, "-m", "runtimes"))


def _preload(names: str | None) -> list[str]:
    """Import the runtime's heavy modules; a module that fails is left for the worker to report."""
    modules = [n.strip() for n in names.split(",") if n.strip()] if names is not None else list(DEFAULT_PRELOAD)
    done = []
    for name in modules:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception as exc:  # the worker imports it again and fails with its own message
            print(f"hydro zygote: cannot preload {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return done


def _run_worker() -> int:
    from runtimes.__main__ import main as runtime_main

    sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "__main__.py")]
    return runtime_main()


if __name__ == "__main__":
    sys.exit(main())
