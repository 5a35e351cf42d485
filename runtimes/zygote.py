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

import os
import sys

from protos import forkserver

DEFAULT_PRELOAD = ("runtimes.__main__", "runtimes.loader", "runtimes.registry", "joblib", "sklearn.base",
                   "sklearn.linear_model", "sklearn.ensemble", "sklearn.tree", "sklearn.pipeline",
                   "sklearn.preprocessing", "sklearn.compose", "sklearn.impute")
"""What every runtime worker imports, and the estimators most models unpickle into: about 20 MB
more than the runtime alone, and a model load becomes an unpickle instead of seconds of imports."""


def main() -> int:
    return forkserver.run_pool("runtimes.zygote", DEFAULT_PRELOAD, _run_worker, (sys.executable, "-m", "runtimes"))


def _run_worker() -> int:
    from runtimes.__main__ import main as runtime_main

    sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "__main__.py")]
    return runtime_main()


if __name__ == "__main__":
    sys.exit(main())
