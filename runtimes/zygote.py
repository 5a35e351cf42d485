"""`python -m runtimes.zygote`: a warm pool that forks ready-imported runtime workers.

Starting `python -m runtimes` pays for the interpreter and for importing numpy, scikit-learn
and gRPC (seconds on a busy machine) before the model even loads. This process pays that once:
it imports the runtime's modules (and nothing more: no gRPC server, channel or thread exists
before a fork, as gRPC's fork rules require) and forks one worker per request. The child takes
the environment, working directory and output it was given, starts its own session, and runs
`runtimes.__main__.main()` exactly as `python -m runtimes` would.

Protocol: SOCK_SEQPACKET on the inherited unix socket whose fd is in `HYDRO_ZYGOTE_FD`; one UTF-8
JSON object per packet.
- zygote -> engine, once imported: `{"op": "ready", "pid": int, "python": str, "preloaded": [str]}`
- engine -> zygote: `{"op": "fork", "id": int, "env": {str: str}, "cwd": str | null}`, with one
  file descriptor attached (SCM_RIGHTS): the child's stdout and stderr.
- zygote -> engine: `{"op": "forked", "id": int, "pid": int}` or `{"op": "error", "id": int,
  "message": str}`; later `{"op": "exit", "pid": int, "code": int}` (negative: killed by that
  signal), since only the zygote, the parent, can collect a child's exit code.
The zygote exits when the engine's end of the socket closes. A child dies with its zygote
(`PR_SET_PDEATHSIG`), so no worker outlives the engine.

`/proc/<pid>/environ` shows a process's environment as it was at exec; a forked child's would be
the zygote's. So the zygote re-executes itself once with a reserved environment block, and each
child writes its real environment over that block: what `ps e` shows is what the worker has.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import json
import os
import select
import signal
import socket
import sys
from collections.abc import Mapping
from typing import Any

FD_VARIABLE = "HYDRO_ZYGOTE_FD"
PRELOAD_VARIABLE = "HYDRO_ZYGOTE_PRELOAD"
RESERVE_VARIABLE = "HYDRO_ZYGOTE_ENV_RESERVE"
RESERVE_BYTES = 32 * 1024
DEFAULT_PRELOAD = ("runtimes.__main__", "runtimes.loader", "runtimes.registry", "joblib", "sklearn.base",
                   "sklearn.linear_model", "sklearn.ensemble", "sklearn.tree", "sklearn.pipeline",
                   "sklearn.preprocessing", "sklearn.compose", "sklearn.impute")
"""What every runtime worker imports, and the estimators most models unpickle into: about 20 MB
more than the runtime alone, and a model load becomes an unpickle instead of seconds of imports."""
PACKET_BYTES = 256 * 1024
_PR_SET_PDEATHSIG = 1


def main() -> int:
    """Preload, announce readiness, then serve fork requests until the engine goes away."""
    if RESERVE_VARIABLE not in os.environ:
        _reexec_with_reserve()
    try:
        channel = socket.socket(fileno=int(os.environ[FD_VARIABLE]))
    except (KeyError, ValueError, OSError) as exc:
        print(f"hydro zygote: {FD_VARIABLE} must name the engine's socket: {exc}", file=sys.stderr)
        return 2
    preload = _preload(os.environ.get(PRELOAD_VARIABLE))
    _send(channel, {"op": "ready", "pid": os.getpid(), "python": sys.executable, "preloaded": preload})
    return _serve(channel)


def _reexec_with_reserve() -> None:
    env = {**os.environ, RESERVE_VARIABLE: "x" * RESERVE_BYTES}
    os.execve(sys.executable, [sys.executable, "-m", "runtimes.zygote"], env)


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


def _serve(channel: socket.socket) -> int:
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd hears of exits
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        readable, _, _ = select.select([channel.fileno(), wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 512)
            _report_exits(channel)
        if channel.fileno() in readable:
            try:
                data, fds, _, _ = socket.recv_fds(channel, PACKET_BYTES, 1)
            except ConnectionError:
                data, fds = b"", []
            if not data:
                return 0
            _handle(channel, json.loads(data), fds, (wake_read, wake_write))


def _handle(channel: socket.socket, request: dict[str, Any], fds: list[int], private: tuple[int, int]) -> None:
    ident = request.get("id")
    try:
        if request.get("op") != "fork" or len(fds) != 1:
            raise ValueError(f"expected a fork request with one descriptor, got op={request.get('op')!r} "
                             f"with {len(fds)}")
        env = {str(k): str(v) for k, v in dict(request["env"]).items()}
        pid = _fork(env, request.get("cwd"), fds[0], channel, private)
    except Exception as exc:  # a bad request must not end the pool
        _send(channel, {"op": "error", "id": ident, "message": f"{type(exc).__name__}: {exc}"})
    else:
        _send(channel, {"op": "forked", "id": ident, "pid": pid})
    finally:
        for fd in fds:
            os.close(fd)


def _fork(env: Mapping[str, str], cwd: str | None, output: int, channel: socket.socket,
          private: tuple[int, int]) -> int:
    block = _environment_block(env)
    if len(block) > RESERVE_BYTES:
        raise ValueError(f"the environment ({len(block)} bytes) exceeds the reserved {RESERVE_BYTES}")
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _become_worker(env, block, cwd, output, parent, channel, private)
        from runtimes.__main__ import main as runtime_main
        code = runtime_main()
    except BaseException as exc:  # whatever happens, the child never returns into the zygote's loop
        code = _exit_code(exc)
        if not isinstance(exc, SystemExit):
            print(f"hydro worker: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        _exit_child(code)
    return 0  # unreachable: _exit_child ends the process


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return 1


def _become_worker(env: Mapping[str, str], block: bytes, cwd: str | None, output: int, parent: int,
                   channel: socket.socket, private: tuple[int, int]) -> None:
    """What `subprocess.Popen(start_new_session=True, ...)` plus a fresh interpreter would give."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the zygote died before prctl() took effect
        os._exit(137)
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    channel.close()
    for fd in private:
        os.close(fd)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(devnull)
    os.close(output)
    if cwd:
        os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    _publish_environment(block)
    sys.argv = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "__main__.py")]
    if "numpy" in sys.modules:  # a spawned worker seeds from fresh entropy; so must each fork
        sys.modules["numpy"].random.seed()


def _environment_block(env: Mapping[str, str]) -> bytes:
    return b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items())


def _publish_environment(block: bytes) -> None:
    """Write `block` over the exec-time environment area that `/proc/self/environ` shows.

    Safe once `os.environ` was replaced: libc's `environ` then points at copies, not at this area.
    """
    with open("/proc/self/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    start, end = int(fields[-3]), int(fields[-2])  # env_start, env_end (fields 50 and 51)
    if end - start < len(block):
        return
    ctypes.memmove(start, block + b"\0" * (end - start - len(block)), end - start)


def _exit_child(code: int) -> None:
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


def _report_exits(channel: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(channel, {"op": "exit", "pid": pid, "code": os.waitstatus_to_exitcode(status)})


def _send(channel: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the engine is gone; the loop notices the closed socket
        channel.send(json.dumps(message).encode())


if __name__ == "__main__":
    sys.exit(main())
