"""The fork mechanics of a warm pool: serve the engine's fork requests, make each child look spawned.

A warm pool (`runtimes.zygote` for model workers, `functions.host.zygote` for the monitoring
functions) imports what its children need once, then forks one child per request; each deployable
says what a child runs (`ChildMain`) and what its command line shows.

Protocol (the engine's, see `controller/local/engine/warm_pool.py`): SOCK_SEQPACKET on the
inherited unix socket whose fd is in `HYDRO_ZYGOTE_FD`; one UTF-8 JSON object per packet.
- pool -> engine, once imported: `{"op": "ready", "pid": int, "python": str, "preloaded": [str]}`
- engine -> pool: `{"op": "fork", "id": int, "env": {str: str}, "cwd": str | null}`, with one
  file descriptor attached (SCM_RIGHTS): the child's stdout and stderr.
- pool -> engine: `{"op": "forked", "id": int, "pid": int}` or `{"op": "error", "id": int,
  "message": str}`; later `{"op": "exit", "pid": int, "code": int}` (negative: killed by that
  signal), since only the pool, the parent, can collect a child's exit code.
The pool exits when the engine's end of the socket closes; a child dies with its pool
(`PR_SET_PDEATHSIG`), so none outlives the engine.

`/proc/<pid>/environ` shows the environment as it was at exec; a forked child's would be the
pool's. So the pool re-executes itself once with a reserved environment block, and each child
writes its real environment over that block: what `ps e` shows is what the function has. Its
command line, likewise, becomes the one a spawned process would have (`python -m <module>`).
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
from collections.abc import Callable, Mapping
from typing import Any

FD_VARIABLE = "HYDRO_ZYGOTE_FD"
PRELOAD_VARIABLE = "HYDRO_ZYGOTE_PRELOAD"
"""Comma-separated modules to import instead of the pool's defaults (tests use a short list)."""
RESERVE_VARIABLE = "HYDRO_ZYGOTE_ENV_RESERVE"
RESERVE_BYTES = 32 * 1024
PACKET_BYTES = 256 * 1024
_PR_SET_PDEATHSIG = 1
ARGV_FIELDS = (-5, -4)
"""arg_start, arg_end in /proc/self/stat (fields 48 and 49, counted from the end)."""
ENVIRON_FIELDS = (-3, -2)
"""env_start, env_end (fields 50 and 51)."""

ChildMain = Callable[[], int]
"""What a forked child runs; its return value is the child's exit code."""


def run_pool(module: str, defaults: tuple[str, ...], child_main: ChildMain, child_argv: tuple[str, ...],
             prepare: Callable[[], None] | None = None) -> int:
    """A warm pool's whole life: re-exec with the environment reserve, import `defaults` (or
    `HYDRO_ZYGOTE_PRELOAD`), run `prepare`, say ready, then fork children until the engine goes away."""
    reexec_with_reserve(module)
    try:
        channel = socket.socket(fileno=int(os.environ[FD_VARIABLE]))
    except (KeyError, ValueError, OSError) as exc:
        print(f"hydro warm pool {module}: {FD_VARIABLE} must name the engine's socket: {exc}", file=sys.stderr)
        return 2
    preloaded = preload(os.environ.get(PRELOAD_VARIABLE), defaults, module)
    if prepare is not None:
        prepare()
    send(channel, {"op": "ready", "pid": os.getpid(), "python": sys.executable, "preloaded": preloaded})
    return serve(channel, child_main, child_argv)


def preload(names: str | None, defaults: tuple[str, ...], module: str) -> list[str]:
    """Import the children's modules; one that fails is left for the child to report."""
    modules = [n.strip() for n in names.split(",") if n.strip()] if names is not None else list(defaults)
    done = []
    for name in modules:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception as exc:  # the child imports it again and fails with its own message
            print(f"hydro warm pool {module}: cannot preload {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return done


def reexec_with_reserve(module: str) -> None:
    """Re-execute `python -m module` once with room for the children's environments."""
    if RESERVE_VARIABLE not in os.environ:
        env = {**os.environ, RESERVE_VARIABLE: "x" * RESERVE_BYTES}
        os.execve(sys.executable, [sys.executable, "-m", module], env)


def serve(channel: socket.socket, child_main: ChildMain, child_argv: tuple[str, ...]) -> int:
    """Fork a child running `child_main` (shown as `child_argv`) per request, report exits, until
    the engine goes away."""
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
            _handle(channel, json.loads(data), fds, (wake_read, wake_write), (child_main, child_argv))


def _handle(channel: socket.socket, request: dict[str, Any], fds: list[int], private: tuple[int, int],
            child: tuple[ChildMain, tuple[str, ...]]) -> None:
    ident = request.get("id")
    try:
        if request.get("op") != "fork" or len(fds) != 1:
            raise ValueError(f"expected a fork request with one descriptor, got op={request.get('op')!r} "
                             f"with {len(fds)}")
        env = {str(k): str(v) for k, v in dict(request["env"]).items()}
        pid = _fork(env, request.get("cwd"), fds[0], (channel, private), child)
    except Exception as exc:  # a bad request must not end the pool
        send(channel, {"op": "error", "id": ident, "message": f"{type(exc).__name__}: {exc}"})
    else:
        send(channel, {"op": "forked", "id": ident, "pid": pid})
    finally:
        for fd in fds:
            os.close(fd)


def _fork(env: Mapping[str, str], cwd: str | None, output: int,
          pool: tuple[socket.socket, tuple[int, int]], child: tuple[ChildMain, tuple[str, ...]]) -> int:
    block = b"".join(f"{k}={v}".encode() + b"\0" for k, v in env.items())
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
        _become_child(env, block, cwd, output, parent, pool)
        _publish(b"".join(a.encode() + b"\0" for a in child[1]), ARGV_FIELDS)
        code = child[0]()
    except BaseException as exc:  # whatever happens, the child never returns into the pool's loop
        code = _exit_code(exc)
        if not isinstance(exc, SystemExit):
            print(f"hydro forked process: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        _exit_child(code)
    return 0  # unreachable: _exit_child ends the process


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, SystemExit):
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    return 1


def _become_child(env: Mapping[str, str], block: bytes, cwd: str | None, output: int, parent: int,
                  pool: tuple[socket.socket, tuple[int, int]]) -> None:
    """What `subprocess.Popen(start_new_session=True, ...)` plus a fresh interpreter would give."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the pool died before prctl() took effect
        os._exit(137)
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)
    channel, private = pool
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
    _publish(block, ENVIRON_FIELDS)
    if "numpy" in sys.modules:  # a spawned process seeds from fresh entropy; so must each fork
        sys.modules["numpy"].random.seed()


def _publish(block: bytes, fields: tuple[int, int]) -> None:
    """Write `block` over the exec-time area (argv or environment) that `/proc/self/...` shows.

    Safe once replaced in Python: `os.environ` (then libc's `environ`) and `sys.argv` are copies,
    not this area. A block longer than the area is not written.
    """
    with open("/proc/self/stat", "rb") as stat:
        values = stat.read().rsplit(b")", 1)[1].split()
    start, end = int(values[fields[0]]), int(values[fields[1]])
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
        send(channel, {"op": "exit", "pid": pid, "code": os.waitstatus_to_exitcode(status)})


def send(channel: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the engine is gone; the loop notices the closed socket
        channel.send(json.dumps(message).encode())
