"""`python -m functions.host.zygote`: a warm pool that forks the monitoring functions, pre-imported.

`hydro up` runs each function (monitoring, alerts, explainer, projector) as its own process, and
each paid for its own interpreter with Flask, SQLAlchemy, requests, numpy and gRPC imported:
about 60 MB apiece, nearly all of it the same. This process imports them once and forks one
child per function; the children share those pages copy-on-write. They stay separate processes,
each with its own port and its own failures: a function that crashes is restarted by the engine
(as a spawned one would be), the others carry on. `gc.freeze()` before the first fork keeps the
collector from writing to (and so copying) every shared object in every child.

The protocol is the engine's warm-pool protocol, the one `runtimes/zygote.py` documents (ready,
fork with one output descriptor attached, forked or error, exit codes). The engine treats both
pools alike (`controller/local/engine/warm_pool.py`); the fork mechanics are shared
(`protos/forkserver.py`). A child runs `functions.__main__.main` as `python -m functions` would.
"""

from __future__ import annotations

import gc
import sys

from protos import forkserver

DEFAULT_PRELOAD = ("functions.__main__", "functions.host.app", "functions.host.in_process", "functions.host.store",
                   "functions.monitoring.function", "functions.alerts.function", "functions.explainer.function",
                   "functions.projector.function", "numpy", "grpc", "yaml", "sqlite3", "tarfile", "netrc")
"""Every module a function process imports by the time it serves (each function's module brings
its dependencies: SQLAlchemy, requests, the gRPC stubs); a module imported after the fork is the
child's alone."""


def main() -> int:
    return forkserver.run_pool("functions.host.zygote", DEFAULT_PRELOAD, _run_function,
                               (sys.executable, "-m", "functions"), prepare=_settle)


def _settle() -> None:
    """After the imports: shared structures built once, and frozen out of the collector's reach."""
    _configure_mappers()
    gc.collect()
    gc.freeze()


def _configure_mappers() -> None:
    """Resolve the functions' ORM mappings once, here, rather than privately in every child at its
    first query (SQLAlchemy does it lazily; the result is a large, shared, read-mostly structure)."""
    orm = sys.modules.get("sqlalchemy.orm")
    if orm is None:
        return
    try:
        orm.configure_mappers()
    except Exception as exc:  # the function that owns the mapping reports it when it starts
        print(f"hydro functions zygote: cannot configure the ORM mappers: {type(exc).__name__}: {exc}",
              file=sys.stderr)


def _run_function() -> int:
    from functions.__main__ import main as function_main

    return function_main([sys.argv[0]])


if __name__ == "__main__":
    sys.exit(main())
